// Reads the function signatures of a module's imports and exports from the binary. Node 20's
// WebAssembly API does not expose import/export types, but Envoy (cpp-host) checks both at load
// time, so the simulator parses the type, import, function and export sections itself.

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref" | "?";

export interface FuncSig {
  params: ValType[];
  results: ValType[];
}

export interface ImportEntry {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  sig?: FuncSig;
}

export interface ModuleSignatures {
  imports: ImportEntry[];
  exports: Map<string, FuncSig | null>;
  hasStartSection: boolean;
}

const VALTYPES: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

/**
 * WasmReader walks a wasm binary: bytes, LEB128 integers, names, limits. `fail` builds the error
 * thrown on a truncated or malformed binary (callers that skip what they cannot read use their own).
 */
export class WasmReader {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    private readonly fail: (message: string) => Error = (message) => new Error(message),
  ) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw this.fail("unexpected end of wasm binary");
    return this.buf[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw this.fail("LEB128 too long");
    }
  }
  /** skips a signed or unsigned LEB128 of any width */
  leb(): void {
    while (this.byte() & 0x80) {
      /* continuation */
    }
  }
  skip(n: number): void {
    if (this.pos + n > this.buf.length) throw this.fail("unexpected end of wasm binary");
    this.pos += n;
  }
  name(): string {
    const len = this.u32();
    const bytes = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return new TextDecoder().decode(bytes);
  }
  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/** sigToString renders a signature the way cpp-host prints it in link errors: "i32 i32 -> i32". */
export function sigToString(sig: FuncSig): string {
  const p = sig.params.length ? sig.params.join(" ") : "void";
  const r = sig.results.length ? sig.results.join(" ") : "void";
  return `${p} -> ${r}`;
}

export function sigEquals(a: FuncSig, b: FuncSig): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}

/** readModuleSignatures parses the sections needed for link-time checks. */
export function readModuleSignatures(bytes: Uint8Array): ModuleSignatures {
  const r = new WasmReader(bytes, 8);
  const types: FuncSig[] = [];
  const imports: ImportEntry[] = [];
  const funcTypeIndices: number[] = [];
  const exportsRaw: Array<[string, number, number]> = [];
  let hasStartSection = false;
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const form = r.byte();
        if (form !== 0x60) throw new Error("unsupported type form");
        const np = r.u32();
        const params: ValType[] = [];
        for (let j = 0; j < np; j++) params.push(VALTYPES[r.byte()] ?? "?");
        const nr = r.u32();
        const results: ValType[] = [];
        for (let j = 0; j < nr; j++) results.push(VALTYPES[r.byte()] ?? "?");
        types.push({ params, results });
      }
    } else if (id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) {
          const t = r.u32();
          imports.push({ module, name, kind: "function", sig: types[t] });
          funcTypeIndices.push(t);
        } else if (kind === 1) {
          r.byte();
          r.limits();
          imports.push({ module, name, kind: "table" });
        } else if (kind === 2) {
          r.limits();
          imports.push({ module, name, kind: "memory" });
        } else if (kind === 3) {
          r.byte();
          r.byte();
          imports.push({ module, name, kind: "global" });
        } else {
          r.byte();
          r.u32();
          imports.push({ module, name, kind: "tag" });
        }
      }
    } else if (id === 3) {
      const n = r.u32();
      for (let i = 0; i < n; i++) funcTypeIndices.push(r.u32());
    } else if (id === 7) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        exportsRaw.push([name, kind, index]);
      }
    } else if (id === 8) {
      hasStartSection = true;
    }
    r.pos = end;
  }
  const exports = new Map<string, FuncSig | null>();
  for (const [name, kind, index] of exportsRaw) {
    if (kind !== 0) {
      exports.set(name, null);
      continue;
    }
    const t = funcTypeIndices[index];
    exports.set(name, t === undefined ? null : types[t] ?? null);
  }
  return { imports, exports, hasStartSection };
}
