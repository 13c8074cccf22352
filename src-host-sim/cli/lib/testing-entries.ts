// Loads the filter's test-only entries (build/testing/<name>.wasm with their raw JS bindings) so
// `trace` can explain a decision with the module's OWN code: op pipelines (ops.traceOps), globs,
// structured lookups, mapping-rule matching, query decoding and authority normalisation.
import { existsSync } from "node:fs";
import { loadEntry } from "../../testing/load-entry.js";
import { packagePath } from "./root.js";
import { UsageError } from "./io.js";

export interface OpsEntry {
  traceOps(opsJson: string, stackJson: string): string;
  globMatch(patternsJson: string, input: string): number;
  lookupJson(docJson: string, pathJson: string, keysJson: string): string;
}

export interface PipelineEntry {
  matchRule(ruleMethod: string, pattern: string, method: string, path: string): number;
  queryParam(path: string, name: string): string;
  authority(authority: string, scheme: string): string;
}

export interface TraceStep {
  op: string;
  stack: string[] | null;
}

export interface TraceResult {
  ok: boolean;
  errors: string[];
  warnings: string[];
  steps: TraceStep[];
}

async function load<T extends object>(name: string): Promise<T> {
  const wasm = packagePath("build", "testing", `${name}.wasm`);
  const js = wasm.replace(/\.wasm$/, ".js");
  if (!existsSync(wasm) || !existsSync(js)) throw new UsageError(`build/testing/${name}.wasm is not built; run \`npm run build\` first`);
  // The entries log through proxy_log (e.g. the `values` op); trace does not show those lines.
  return (await loadEntry<T>(wasm)).exports;
}

export interface Entries {
  ops: OpsEntry;
  pipeline: PipelineEntry;
}

export async function loadEntries(): Promise<Entries> {
  const [ops, pipeline] = await Promise.all([load<OpsEntry>("ops"), load<PipelineEntry>("pipeline")]);
  return { ops, pipeline };
}

export function traceOps(ops: OpsEntry, program: unknown, stack: string[]): TraceResult {
  return JSON.parse(ops.traceOps(JSON.stringify(program ?? []), JSON.stringify(stack))) as TraceResult;
}
