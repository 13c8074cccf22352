// Test-only entry (plain AssemblyScript, no SDK): exposes the op engine, globs, structured lookup
// and the protobuf decoders to vitest and to the CLI's `trace` command. Inputs and outputs are
// JSON strings; an abort surfaces as a JS error, which is how tests prove that no input traps.
import { JsonKind, JsonValue, parseJsonString } from "../config/json";
import { Diagnostics } from "../config/diagnostics";
import { dumpJsonValue } from "../config/report";
import { compileOps, OpProgram, runOps, traceOps as traceProgram } from "../ops/engine";
import { structuredLookup } from "../ops/lookup";
import { joinStrings, jsonQuote } from "../util/strings";
import { compileGlobSet } from "../util/glob";
import { decodeBase64 } from "../util/base64";
import { decodeMetadataNamespace, decodeStruct } from "../util/protobuf";
import { metadataLookup } from "../util/protobuf-lookup";

// Test inputs (a stack, a pattern list) may be large; nesting is what the depth limit guards.
const INPUT_DEPTH: i32 = 64;

/** Compiled holds one compiled `ops` document and its diagnostics. */
class Compiled {
  program: OpProgram = new OpProgram();
  diag: Diagnostics = new Diagnostics();
}

function compile(opsJson: string): Compiled {
  const c = new Compiled();
  const r = parseJsonString(opsJson, INPUT_DEPTH);
  if (r.value === null) {
    c.diag.error("", "malformed JSON at line " + r.line.toString() + ", column " + r.column.toString() + ": " + r.error);
    return c;
  }
  c.program = compileOps(r.value, "ops", c.diag);
  return c;
}

/** readStrings reads a JSON array of strings; null when it is not one. */
function readStrings(json: string): Array<string> | null {
  const r = parseJsonString(json, INPUT_DEPTH);
  const v = r.value;
  if (v === null || v.kind != JsonKind.Array) return null;
  const out = new Array<string>();
  for (let i = 0, n = v.items.length; i < n; i++) {
    const it = v.items[i];
    if (it.kind != JsonKind.String) return null;
    out.push(it.str);
  }
  return out;
}

function stringsJson(s: Array<string> | null): string {
  if (s === null) return "null";
  const parts = new Array<string>(s.length);
  for (let i = 0, n = s.length; i < n; i++) parts[i] = jsonQuote(s[i]);
  return "[" + joinStrings(parts, ",") + "]";
}

function diagJson(d: Diagnostics): string {
  return "\"errors\":" + stringsJson(d.errors) + ",\"warnings\":" + stringsJson(d.warnings);
}

/**
 * runPipeline compiles `opsJson` (an `ops` array; paths start at `ops`) and runs it on the stack
 * `stackJson` (array of strings, bottom first). Returns
 * {"ok":bool,"stack":[...]|null,"errors":[...],"warnings":[...]}; with errors nothing runs.
 */
export function runPipeline(opsJson: string, stackJson: string): string {
  const c = compile(opsJson);
  const stack = readStrings(stackJson);
  if (stack === null) c.diag.error("stack", "expected an array of strings");
  if (!c.diag.ok || stack === null) return "{\"ok\":false,\"stack\":null," + diagJson(c.diag) + "}";
  const out = runOps(c.program, stack);
  return "{\"ok\":" + (out !== null ? "true" : "false") + ",\"stack\":" + stringsJson(out) + "," + diagJson(c.diag) + "}";
}

/**
 * traceOps is runPipeline recording the stack after every top-level op:
 * {"ok":bool,"errors":[...],"warnings":[...],"steps":[{"op":"split","stack":[...]|null},...]}.
 * A failed op is the last step, with "stack": null.
 */
export function traceOps(opsJson: string, stackJson: string): string {
  const c = compile(opsJson);
  const stack = readStrings(stackJson);
  if (stack === null) c.diag.error("stack", "expected an array of strings");
  if (!c.diag.ok || stack === null) return "{\"ok\":false," + diagJson(c.diag) + ",\"steps\":[]}";
  const n = c.program.length;
  const steps = traceProgram(c.program, stack);
  const parts = new Array<string>(steps.length);
  for (let i = 0; i < steps.length; i++) {
    parts[i] = "{\"op\":" + jsonQuote(steps[i].op) + ",\"stack\":" + stringsJson(steps[i].stack) + "}";
  }
  const ok = stack.length > 0 && steps.length == n && (n == 0 || steps[n - 1].stack !== null);
  return "{\"ok\":" + (ok ? "true" : "false") + "," + diagJson(c.diag) + ",\"steps\":[" + joinStrings(parts, ",") + "]}";
}

/**
 * benchPipeline compiles once and runs the pipeline `iterations` times on fresh copies of the
 * stack (as a request would); returns the number of successful runs, or -1 on compile errors.
 */
export function benchPipeline(opsJson: string, stackJson: string, iterations: i32): i32 {
  const c = compile(opsJson);
  const stack = readStrings(stackJson);
  if (!c.diag.ok || stack === null) return -1;
  let ok = 0;
  for (let i = 0; i < iterations; i++) if (runOps(c.program, stack.slice(0)) !== null) ok++;
  return ok;
}

/** compileReport compiles `json` as the value of an `ops` member at `path` and reports diagnostics only. */
export function compileReport(opsJson: string, path: string): string {
  const diag = new Diagnostics();
  const r = parseJsonString(opsJson, INPUT_DEPTH);
  if (r.value === null) return "{\"errors\":[\"malformed JSON\"],\"warnings\":[]}";
  compileOps(r.value, path, diag);
  return "{" + diagJson(diag) + "}";
}

/** globMatch: 1 when `input` matches any pattern of the JSON array `patternsJson`, 0 if not, -1 on bad input. */
export function globMatch(patternsJson: string, input: string): i32 {
  const patterns = readStrings(patternsJson);
  if (patterns === null) return -1;
  return compileGlobSet(patterns).matches(input) ? 1 : 0;
}

/** globMatchRepeat matches `input` `times` times against one compiled set (for the benchmark). */
export function globMatchRepeat(patternsJson: string, input: string, times: i32): i32 {
  const patterns = readStrings(patternsJson);
  if (patterns === null) return -1;
  const set = compileGlobSet(patterns);
  let hits = 0;
  for (let i = 0; i < times; i++) if (set.matches(input)) hits++;
  return hits;
}

/** lookupJson parses `docJson` and runs structuredLookup; returns the JSON array of strings or null. */
export function lookupJson(docJson: string, pathJson: string, keysJson: string): string {
  const r = parseJsonString(docJson);
  const path = readStrings(pathJson);
  const keys = readStrings(keysJson);
  if (r.value === null || path === null || keys === null) return "null";
  return stringsJson(structuredLookup(r.value!, path, keys));
}

/** decodeMetadataProbe decodes base64 `Metadata` bytes and returns filter_metadata[ns] as JSON, or null. */
export function decodeMetadataProbe(bytesBase64: string, ns: string): string {
  const bytes = decodeBase64(bytesBase64, false);
  if (bytes === null) return "\"bad base64\"";
  const v = decodeMetadataNamespace(bytes, ns);
  return v === null ? "null" : dumpJsonValue(v);
}

/** decodeMetadataBytes is decodeMetadataProbe for raw bytes. */
export function decodeMetadataBytes(bytes: ArrayBuffer, ns: string): string {
  const v = decodeMetadataNamespace(bytes, ns);
  return v === null ? "null" : dumpJsonValue(v);
}

/** decodeStructBytes decodes a serialised google.protobuf.Struct and returns it as JSON, or null. */
export function decodeStructBytes(bytes: ArrayBuffer): string {
  const v = decodeStruct(bytes);
  return v === null ? "null" : dumpJsonValue(v);
}

/** filterLookup is the `filter` source: namespace path[0], then structuredLookup on path[1..]. */
export function filterLookup(bytes: ArrayBuffer, pathJson: string, keysJson: string): string {
  const path = readStrings(pathJson);
  const keys = readStrings(keysJson);
  if (path === null || keys === null || path.length == 0) return "null";
  const tree: JsonValue | null = decodeMetadataNamespace(bytes, path[0]);
  if (tree === null) return "null";
  return stringsJson(structuredLookup(tree, path.slice(1), keys));
}

/** metadataLookupBytes is the `filter` source as the filter runs it: the lookup walks the protobuf bytes in place. */
export function metadataLookupBytes(bytes: ArrayBuffer, pathJson: string, keysJson: string): string {
  const path = readStrings(pathJson);
  const keys = readStrings(keysJson);
  if (path === null || keys === null) return "null";
  return stringsJson(metadataLookup(bytes, path, keys));
}

/** base64Probe decodes with the chosen alphabet; returns the hex of the bytes, or "null". */
export function base64Probe(text: string, urlsafe: bool): string {
  const b = decodeBase64(text, urlsafe);
  if (b === null) return "null";
  const u = Uint8Array.wrap(b);
  let out = "";
  for (let i = 0; i < u.length; i++) {
    const h = u[i].toString(16);
    out += h.length == 1 ? "0" + h : h;
  }
  return out;
}
