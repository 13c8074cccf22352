// Test-only entry (plain AssemblyScript, no SDK): exposes the configuration reader, compiler and
// porta-answer reader to vitest. Every export returns a JSON report string so tests compare data,
// and an abort surfaces as a JS error, which is how the tests prove that no input traps.
import { JsonKind, JsonValue, parseJsonBytes, parseJsonString, JSON_MAX_DEPTH } from "../config/json";
import { jsonQuote } from "../util/strings";
import { dumpJsonValue, dumpResult, reportConfig, reportPorta } from "../config/report";
import { compileConfig } from "../config/compile";
import { Diagnostics } from "../config/diagnostics";
import { parsePortaAnswer } from "../config/porta";

/** parseJsonProbe parses `text` and reports {ok, error, line, column, tooDeep, value (canonical JSON)}. */
export function parseJsonProbe(text: string, maxDepth: i32 = JSON_MAX_DEPTH): string {
  return dumpResult(parseJsonString(text, maxDepth));
}

/** parseJsonBytesProbe is parseJsonProbe for raw bytes (UTF-8 validation included). */
export function parseJsonBytesProbe(bytes: ArrayBuffer, maxDepth: i32 = JSON_MAX_DEPTH): string {
  return dumpResult(parseJsonBytes(bytes, maxDepth));
}

/** jsonNumberProbe reports how a number document was read: {ok, isInteger, num, line, column}. */
export function jsonNumberProbe(text: string): string {
  const r = parseJsonString(text);
  const v = r.value;
  if (v == null || v.kind != JsonKind.Number) return "{\"ok\":false,\"error\":" + jsonQuote(r.error) + "}";
  return "{\"ok\":true,\"isInteger\":" + (v.isInteger ? "true" : "false") + ",\"num\":" + numberText(v) + "}";
}

function numberText(v: JsonValue): string {
  if (!isFinite(v.num)) return jsonQuote(v.num.toString());
  return dumpJsonValue(v);
}

/** validateConfig compiles a configuration written as a JS string (sent as UTF-8). */
export function validateConfig(json: string): string {
  return validateConfigBytes(String.UTF8.encode(json));
}

/** validateConfigBytes compiles raw configuration bytes (e.g. invalid UTF-8). */
export function validateConfigBytes(bytes: ArrayBuffer): string {
  const diag = new Diagnostics();
  const config = compileConfig(bytes, diag);
  return reportConfig(config, diag);
}

/** parsePorta reads a porta proxy-config answer body given as a JS string. */
export function parsePorta(body: string): string {
  return reportPorta(parsePortaAnswer(String.UTF8.encode(body)));
}

/** parsePortaBytes reads a porta answer from raw bytes. */
export function parsePortaBytes(body: ArrayBuffer): string {
  return reportPorta(parsePortaAnswer(body));
}

/** parseJsonNodeCount parses `text` and returns the number of values in the tree, or -1 (for benchmarks). */
export function parseJsonNodeCount(text: string): i32 {
  const r = parseJsonString(text);
  const v = r.value;
  if (v == null) return -1;
  return countNodes(v);
}

function countNodes(v: JsonValue): i32 {
  let n = 1;
  for (let i = 0, m = v.items.length; i < m; i++) n += countNodes(unchecked(v.items[i]));
  for (let i = 0, m = v.values.length; i < m; i++) n += countNodes(unchecked(v.values[i]));
  return n;
}

/** portaRuleCount reads a porta answer and returns the number of usable rules, or -1 (for benchmarks: no report). */
export function portaRuleCount(body: string): i32 {
  const r = parsePortaAnswer(String.UTF8.encode(body));
  const a = r.answer;
  return a == null ? -1 : a.rules.length;
}

/** compileServiceCount compiles a configuration and returns its service count, or -(error count) (for benchmarks: no report). */
export function compileServiceCount(json: string): i32 {
  const diag = new Diagnostics();
  const config = compileConfig(String.UTF8.encode(json), diag);
  return config == null ? -diag.errors.length : config.services.length;
}

/** compileServiceCountBytes is compileServiceCount for raw bytes (for benchmarks: no string conversion). */
export function compileServiceCountBytes(bytes: ArrayBuffer): i32 {
  const diag = new Diagnostics();
  const config = compileConfig(bytes, diag);
  return config == null ? -diag.errors.length : config.services.length;
}

/** parseJsonNodeCountBytes is parseJsonNodeCount for raw bytes (for benchmarks: reading alone, without compiling). */
export function parseJsonNodeCountBytes(bytes: ArrayBuffer): i32 {
  const v = parseJsonBytes(bytes).value;
  return v == null ? -1 : countNodes(v);
}
