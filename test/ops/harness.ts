// Loads the ops test-only entry (assembly/testing/ops.ts) and wraps its JSON-string API.
// The raw bindings resolve the module's `env.proxy_log` import as a global, so a global
// dispatcher forwards each log line to the instance whose export is running.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { modulePath } from "../support/modules.js";

export interface LogLine { level: number; message: string }

export interface PipelineResult {
  ok: boolean;
  stack: string[] | null;
  errors: string[];
  warnings: string[];
}

export interface TraceResult extends Omit<PipelineResult, "stack"> {
  steps: Array<{ op: string; stack: string[] | null }>;
}

interface RawExports {
  memory: WebAssembly.Memory;
  runPipeline(ops: string, stack: string): string;
  traceOps(ops: string, stack: string): string;
  compileReport(ops: string, path: string): string;
  globMatch(patterns: string, input: string): number;
  globMatchRepeat(patterns: string, input: string, times: number): number;
  lookupJson(doc: string, path: string, keys: string): string;
  decodeMetadataBytes(bytes: ArrayBuffer, ns: string): string;
  decodeStructBytes(bytes: ArrayBuffer): string;
  filterLookup(bytes: ArrayBuffer, path: string, keys: string): string;
  base64Probe(text: string, urlsafe: boolean): string;
}

let current: OpsInstance | null = null;
(globalThis as Record<string, unknown>).proxy_log = (level: number, ptr: number, size: number): number => {
  current?.capture(level, ptr, size);
  return 0;
};

const cache = new Map<string, Promise<{ loader: { instantiate: Function }; module: WebAssembly.Module }>>();
function load(wasm: string) {
  let entry = cache.get(wasm);
  if (!entry) {
    entry = (async () => {
      const loader = await import(pathToFileURL(wasm.replace(/\.wasm$/, ".js")).href);
      const module = await WebAssembly.compile(readFileSync(wasm));
      return { loader, module };
    })();
    cache.set(wasm, entry);
  }
  return entry;
}

/** OpsInstance is one fresh wasm instance of the ops entry. */
export class OpsInstance {
  readonly logs: LogLine[] = [];
  private constructor(private readonly raw: RawExports) {}

  /** create instantiates the debug test entry, or the .wasm at `wasmPath` (e.g. a release build of it). */
  static async create(wasmPath?: string): Promise<OpsInstance> {
    const { loader, module } = await load(wasmPath ?? modulePath("testing/ops"));
    const raw = (await loader.instantiate(module, {})) as RawExports;
    return new OpsInstance(raw);
  }

  capture(level: number, ptr: number, size: number): void {
    const bytes = new Uint8Array(this.raw.memory.buffer, ptr >>> 0, size >>> 0);
    this.logs.push({ level, message: new TextDecoder().decode(bytes) });
  }

  private call<T>(f: () => T): T {
    current = this;
    try {
      return f();
    } finally {
      current = null;
    }
  }

  memoryBytes(): number {
    return this.raw.memory.buffer.byteLength;
  }

  run(ops: unknown, stack: string[]): PipelineResult {
    return JSON.parse(this.call(() => this.raw.runPipeline(JSON.stringify(ops), JSON.stringify(stack))));
  }

  /** runRaw takes the ops document as text (for malformed or hand-written JSON). */
  runRaw(opsText: string, stack: string[]): PipelineResult {
    return JSON.parse(this.call(() => this.raw.runPipeline(opsText, JSON.stringify(stack))));
  }

  trace(ops: unknown, stack: string[]): TraceResult {
    return JSON.parse(this.call(() => this.raw.traceOps(JSON.stringify(ops), JSON.stringify(stack))));
  }

  compile(ops: unknown, path = "ops"): { errors: string[]; warnings: string[] } {
    return JSON.parse(this.call(() => this.raw.compileReport(JSON.stringify(ops), path)));
  }

  glob(patterns: string[], input: string): boolean {
    const r = this.call(() => this.raw.globMatch(JSON.stringify(patterns), input));
    if (r < 0) throw new Error("bad pattern list");
    return r === 1;
  }

  globRepeat(patterns: string[], input: string, times: number): number {
    return this.call(() => this.raw.globMatchRepeat(JSON.stringify(patterns), input, times));
  }

  lookup(docText: string, path: string[], keys: string[]): string[] | null {
    return JSON.parse(this.call(() => this.raw.lookupJson(docText, JSON.stringify(path), JSON.stringify(keys))));
  }

  decodeMetadata(bytes: Uint8Array, ns: string): unknown {
    return JSON.parse(this.call(() => this.raw.decodeMetadataBytes(toBuffer(bytes), ns)));
  }

  decodeStruct(bytes: Uint8Array): unknown {
    return JSON.parse(this.call(() => this.raw.decodeStructBytes(toBuffer(bytes))));
  }

  filterLookup(bytes: Uint8Array, path: string[], keys: string[]): string[] | null {
    return JSON.parse(this.call(() => this.raw.filterLookup(toBuffer(bytes), JSON.stringify(path), JSON.stringify(keys))));
  }

  base64(text: string, urlsafe: boolean): string | null {
    const r = this.call(() => this.raw.base64Probe(text, urlsafe));
    return r === "null" ? null : r;
  }
}

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** fresh: a new instance per test case. */
export function fresh(): Promise<OpsInstance> {
  return OpsInstance.create();
}
