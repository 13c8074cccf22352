// Test-only entry (plain AssemblyScript, no SDK): exposes the request pipeline's pure functions
// (mapping-rule patterns, request path normalisation, query decoding, percent-encoding, authority
// normalisation, answer classification) to vitest. An abort surfaces as a JS error, which is how
// tests prove that no input traps.
import { compilePattern, normalizeRequestPath } from "../pipeline/rules";
import { buildRequestView, NoMetadata, normalizeAuthority } from "../pipeline/request";
import { HeaderMap, serializePairs } from "../host/headers";
import { MappingRule } from "../config/model";
import { ruleMatches } from "../pipeline/usage";
import { percentEncodeValue } from "../util/percent";
import { classifyAnswer, parseStatus, verdictStatus, verdictText } from "../pipeline/verdict";
import { asciiUpper } from "../util/ascii";

function view(method: string, path: string): HeaderMap {
  return new HeaderMap(serializePairs([":method", ":path"], [method, path]));
}

/** matchRule: 1 when a rule (method, pattern) matches the request, 0 when not, -1 when the pattern is invalid. */
export function matchRule(ruleMethod: string, pattern: string, method: string, path: string): i32 {
  const c = compilePattern(pattern);
  const p = c.pattern;
  if (p === null) return -1;
  const rule = new MappingRule();
  rule.method = asciiUpper(ruleMethod);
  rule.anyMethod = rule.method == "ANY";
  rule.pattern = p;
  const v = buildRequestView(view(method, path), new NoMetadata());
  if (v === null) return -2;
  return ruleMatches(rule, v) ? 1 : 0;
}

/** patternError: "" for a valid pattern, else the reason; "never-matches" flags are appended as "|warn". */
export function patternError(pattern: string): string {
  const c = compilePattern(pattern);
  return c.error + (c.neverMatches ? "|warn" : "");
}

export function normalizePath(path: string): string {
  return normalizeRequestPath(path);
}

/** queryParam returns "=" + the decoded value of `name` in `:path`, or "!" when absent. */
export function queryParam(path: string, name: string): string {
  const v = buildRequestView(view("GET", path), new NoMetadata());
  if (v === null) return "!";
  const r = v.queryParam(name);
  return r === null ? "!" : "=" + r;
}

export function encodeValue(s: string): string {
  return percentEncodeValue(s);
}

export function authority(authority: string, scheme: string): string {
  return normalizeAuthority(authority, scheme);
}

/** classify: the local-reply status and text for a backend answer (status text as received). */
export function classify(numHeaders: u32, status: string, reason: string): string {
  const v = classifyAnswer(numHeaders, parseStatus(status), reason.length > 0 ? reason : null);
  return verdictStatus(v).toString() + " " + verdictText(v);
}
