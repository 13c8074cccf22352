// A tiny WebAssembly binary builder for hand-made variant modules: other ABI markers, missing or
// mistyped imports, a start section that calls the host, a malloc that calls back. Only what the
// link and ABI conformance tests need (i32/i64 params, a few opcodes).
import { nameBytes as str, sleb32 as sleb, uleb } from "../../src-host-sim/abi/wasm-instrument.js";

type V = "i32" | "i64";
const VT: Record<V, number> = { i32: 0x7f, i64: 0x7e };

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Opcodes used by the tests' function bodies. */
export const op = {
  i32: (n: number) => [0x41, ...sleb(n)],
  call: (f: number) => [0x10, ...uleb(f)],
  drop: [0x1a],
  unreachable: [0x00],
  localGet: (i: number) => [0x20, ...uleb(i)],
  /** i32.store of `value` at `addr` */
  store: (addr: number, value: number) => [0x41, ...sleb(addr), 0x41, ...sleb(value), 0x36, 2, 0],
};

interface Func {
  type: number;
  body: number[];
}

export class WasmBuilder {
  private types: Array<{ params: V[]; results: V[] }> = [];
  private imports: Array<{ module: string; name: string; type: number }> = [];
  private funcs: Func[] = [];
  private exports: Array<{ name: string; kind: number; index: number }> = [];
  private startIndex: number | null = null;

  private type(params: V[], results: V[]): number {
    const key = JSON.stringify([params, results]);
    const i = this.types.findIndex((t) => JSON.stringify([t.params, t.results]) === key);
    if (i >= 0) return i;
    this.types.push({ params, results });
    return this.types.length - 1;
  }

  /** import adds a function import and returns its function index (imports must come first). */
  import(module: string, name: string, params: V[], results: V[] = ["i32"]): number {
    if (this.funcs.length) throw new Error("add imports before functions");
    this.imports.push({ module, name, type: this.type(params, results) });
    return this.imports.length - 1;
  }

  /** func adds a function (body without the final `end`) and optionally exports it. */
  func(params: V[], results: V[], body: number[], exportName?: string): number {
    this.funcs.push({ type: this.type(params, results), body });
    const index = this.imports.length + this.funcs.length - 1;
    if (exportName) this.exports.push({ name: exportName, kind: 0, index });
    return index;
  }

  start(index: number): this {
    this.startIndex = index;
    return this;
  }

  /** withBasics: memory export, a malloc that always answers 1024, and an ABI marker. */
  withBasics(marker = "proxy_abi_version_0_2_0", malloc = true): this {
    if (marker) this.func([], [], [], marker);
    if (malloc) this.func(["i32"], ["i32"], op.i32(1024), "malloc");
    return this;
  }

  build(): Uint8Array {
    const bytes: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    bytes.push(...section(1, [...uleb(this.types.length), ...this.types.flatMap((t) => [0x60, ...uleb(t.params.length), ...t.params.map((p) => VT[p]), ...uleb(t.results.length), ...t.results.map((r) => VT[r])])]));
    if (this.imports.length) bytes.push(...section(2, [...uleb(this.imports.length), ...this.imports.flatMap((i) => [...str(i.module), ...str(i.name), 0x00, ...uleb(i.type)])]));
    bytes.push(...section(3, [...uleb(this.funcs.length), ...this.funcs.flatMap((f) => uleb(f.type))]));
    bytes.push(...section(5, [1, 0x00, 1])); // one memory, min 1 page
    const exps = [...this.exports, { name: "memory", kind: 2, index: 0 }];
    bytes.push(...section(7, [...uleb(exps.length), ...exps.flatMap((e) => [...str(e.name), e.kind, ...uleb(e.index)])]));
    if (this.startIndex !== null) bytes.push(...section(8, uleb(this.startIndex)));
    bytes.push(...section(10, [...uleb(this.funcs.length), ...this.funcs.flatMap((f) => {
      const body = [0x00 /* no locals */, ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    })]));
    return Uint8Array.from(bytes);
  }
}
