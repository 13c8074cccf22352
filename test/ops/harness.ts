// Loads the ops test-only entry (assembly/testing/ops.ts) and wraps its JSON-string API.
// Log lines are captured per instance by the shared test-entry loader.
import { loadEntry, type LoadedEntry } from "../../src-host-sim/testing/load-entry.js";
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

/** OpsInstance is one fresh wasm instance of the ops entry. */
export class OpsInstance {
  private constructor(private readonly entry: LoadedEntry<RawExports>) {}

  /** create instantiates the debug test entry, or the .wasm at `wasmPath` (e.g. a release build of it). */
  static async create(wasmPath?: string): Promise<OpsInstance> {
    return new OpsInstance(await loadEntry<RawExports>(wasmPath ?? modulePath("testing/ops")));
  }

  /** Lines the instance logged (e.g. by the `log` and `values` ops). */
  get logs(): LogLine[] {
    return this.entry.logs;
  }

  private get raw(): RawExports {
    return this.entry.exports;
  }

  memoryBytes(): number {
    return this.entry.memoryBytes();
  }

  run(ops: unknown, stack: string[]): PipelineResult {
    return JSON.parse(this.raw.runPipeline(JSON.stringify(ops), JSON.stringify(stack)));
  }

  /** runRaw takes the ops document as text (for malformed or hand-written JSON). */
  runRaw(opsText: string, stack: string[]): PipelineResult {
    return JSON.parse(this.raw.runPipeline(opsText, JSON.stringify(stack)));
  }

  trace(ops: unknown, stack: string[]): TraceResult {
    return JSON.parse(this.raw.traceOps(JSON.stringify(ops), JSON.stringify(stack)));
  }

  compile(ops: unknown, path = "ops"): { errors: string[]; warnings: string[] } {
    return JSON.parse(this.raw.compileReport(JSON.stringify(ops), path));
  }

  glob(patterns: string[], input: string): boolean {
    const r = this.raw.globMatch(JSON.stringify(patterns), input);
    if (r < 0) throw new Error("bad pattern list");
    return r === 1;
  }

  globRepeat(patterns: string[], input: string, times: number): number {
    return this.raw.globMatchRepeat(JSON.stringify(patterns), input, times);
  }

  lookup(docText: string, path: string[], keys: string[]): string[] | null {
    return JSON.parse(this.raw.lookupJson(docText, JSON.stringify(path), JSON.stringify(keys)));
  }

  decodeMetadata(bytes: Uint8Array, ns: string): unknown {
    return JSON.parse(this.raw.decodeMetadataBytes(toBuffer(bytes), ns));
  }

  decodeStruct(bytes: Uint8Array): unknown {
    return JSON.parse(this.raw.decodeStructBytes(toBuffer(bytes)));
  }

  filterLookup(bytes: Uint8Array, path: string[], keys: string[]): string[] | null {
    return JSON.parse(this.raw.filterLookup(toBuffer(bytes), JSON.stringify(path), JSON.stringify(keys)));
  }

  base64(text: string, urlsafe: boolean): string | null {
    const r = this.raw.base64Probe(text, urlsafe);
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
