// JSON reports of the configuration reader's results, for the test-only entry and tooling (never
// logged by the filter: the compiled-model report contains tokens). Writing JSON by hand keeps
// the report free of any library that could abort.
import { JsonKind, JsonParseResult, JsonValue } from "./json";
import { Diagnostics } from "./diagnostics";
import { Config, CredentialSource, MappingRule, SourceKind, Upstream } from "./model";
import { PortaParseResult } from "./porta";

/**
 * jsonQuote writes `s` as a JSON string literal, copying runs that need no escape in one piece
 * (reports can hold megabytes of text; per-character concatenation would be quadratic in GC work).
 */
export function jsonQuote(s: string): string {
  const parts = new Array<string>();
  parts.push("\"");
  let runStart = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    if (i > runStart) parts.push(s.substring(runStart, i));
    runStart = i + 1;
    if (c == 0x22) parts.push("\\\"");
    else if (c == 0x5c) parts.push("\\\\");
    else if (c == 0x0a) parts.push("\\n");
    else if (c == 0x0d) parts.push("\\r");
    else if (c == 0x09) parts.push("\\t");
    else {
      const hex = c.toString(16);
      parts.push("\\u" + "0000".substring(hex.length) + hex);
    }
  }
  if (runStart == 0) return "\"" + s + "\"";
  if (n > runStart) parts.push(s.substring(runStart, n));
  parts.push("\"");
  return parts.join("");
}

/** dumpJsonValue writes a value as compact JSON, members in document order (duplicates kept). */
export function dumpJsonValue(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return v.bool ? "true" : "false";
    case JsonKind.Number: {
      if (!isFinite(v.num)) return "null";
      if (v.isInteger && Math.abs(v.num) <= 9007199254740991) return (<i64>v.num).toString();
      return v.num.toString();
    }
    case JsonKind.String: return jsonQuote(v.str);
    case JsonKind.Array: {
      const parts = new Array<string>();
      for (let i = 0, n = v.items.length; i < n; i++) parts.push(dumpJsonValue(unchecked(v.items[i])));
      return "[" + parts.join(",") + "]";
    }
    default: {
      const parts = new Array<string>();
      const n = v.keys.length < v.values.length ? v.keys.length : v.values.length;
      for (let i = 0; i < n; i++) parts.push(jsonQuote(unchecked(v.keys[i])) + ":" + dumpJsonValue(unchecked(v.values[i])));
      return "{" + parts.join(",") + "}";
    }
  }
}

export function dumpResult(r: JsonParseResult): string {
  const v = r.value;
  if (v == null) {
    return "{\"ok\":false,\"error\":" + jsonQuote(r.error) + ",\"line\":" + r.line.toString() + ",\"column\":" + r.column.toString() +
      ",\"tooDeep\":" + (r.tooDeep ? "true" : "false") + "}";
  }
  return "{\"ok\":true,\"kind\":" + v.kind.toString() + ",\"line\":" + v.line.toString() + ",\"column\":" + v.column.toString() +
    ",\"value\":" + dumpJsonValue(v) + "}";
}

function strings(list: Array<string>): string {
  const parts = new Array<string>();
  for (let i = 0, n = list.length; i < n; i++) parts.push(jsonQuote(unchecked(list[i])));
  return "[" + parts.join(",") + "]";
}

function field(name: string, json: string): string {
  return jsonQuote(name) + ":" + json;
}

function upstreamReport(u: Upstream): string {
  return "{" + [
    field("name", jsonQuote(u.name)), field("url", jsonQuote(u.url)), field("timeout", u.timeoutMs.toString()),
    field("scheme", jsonQuote(u.scheme)), field("authority", jsonQuote(u.authority)),
    field("basePath", jsonQuote(u.basePath)), field("query", jsonQuote(u.query)),
  ].join(",") + "}";
}

function sourcesReport(list: Array<CredentialSource> | null): string {
  if (list == null) return "null";
  const parts = new Array<string>();
  for (let i = 0, n = list.length; i < n; i++) {
    const s = unchecked(list[i]);
    const kind = s.kind == SourceKind.Header ? "header" : s.kind == SourceKind.QueryString ? "query_string" : "filter";
    parts.push("{" + [field("kind", jsonQuote(kind)), field("keys", strings(s.keys)), field("path", strings(s.path)), field("ops", s.ops.length.toString())].join(",") + "}");
  }
  return "[" + parts.join(",") + "]";
}

export function rulesReport(rules: Array<MappingRule>): string {
  const parts = new Array<string>();
  for (let i = 0, n = rules.length; i < n; i++) {
    const r = unchecked(rules[i]);
    const usages = new Array<string>();
    for (let k = 0, m = r.usages.length; k < m; k++) {
      const u = unchecked(r.usages[k]);
      usages.push("{" + field("name", jsonQuote(u.name)) + "," + field("delta", u.delta.toString()) + "}");
    }
    parts.push("{" + [
      field("method", jsonQuote(r.method)), field("any", r.anyMethod ? "true" : "false"),
      field("pattern", jsonQuote(r.pattern.source)), field("usages", "[" + usages.join(",") + "]"),
      field("last", r.last ? "true" : "false"),
    ].join(",") + "}");
  }
  return "[" + parts.join(",") + "]";
}

/** reportConfig: {ok, errors, warnings, config: summary of the compiled model or null}. */
export function reportConfig(config: Config | null, diag: Diagnostics): string {
  let summary = "null";
  if (config != null) {
    const services = new Array<string>();
    for (let i = 0, n = config.services.length; i < n; i++) {
      const s = unchecked(config.services[i]);
      const globs = new Array<string>();
      for (let k = 0, m = s.authorities.globs.length; k < m; k++) globs.push(unchecked(s.authorities.globs[k]).source);
      services.push("{" + [
        field("id", jsonQuote(s.id)), field("token", jsonQuote(s.token)), field("environment", jsonQuote(s.environment)),
        field("authorities", strings(globs)),
        field("credentials", "{" + [
          field("user_key", sourcesReport(s.credentials.userKey)), field("app_id", sourcesReport(s.credentials.appId)),
          field("app_key", sourcesReport(s.credentials.appKey)),
        ].join(",") + "}"),
        field("mapping_rules", rulesReport(s.mappingRules)),
      ].join(",") + "}");
    }
    const system = config.system;
    const systemReport = system == null ? "null" : "{" + [
      field("upstream", upstreamReport(system.upstream)), field("token", jsonQuote(system.token)),
      field("ttl", system.ttlSeconds.toString()),
    ].join(",") + "}";
    summary = "{" + [
      field("backend", "{" + field("upstream", upstreamReport(config.backend.upstream)) + "," + field("optionsHeader", jsonQuote(config.backend.optionsHeader)) + "}"),
      field("system", systemReport),
      field("services", "[" + services.join(",") + "]"),
    ].join(",") + "}";
  }
  return "{" + [
    field("ok", config != null && diag.ok ? "true" : "false"), field("errors", strings(diag.errors)),
    field("warnings", strings(diag.warnings)), field("config", summary),
  ].join(",") + "}";
}

/** reportPorta: {ok, error, token, rules, warnings}. */
export function reportPorta(r: PortaParseResult): string {
  const a = r.answer;
  if (a == null) return "{" + field("ok", "false") + "," + field("error", jsonQuote(r.error)) + "}";
  return "{" + [
    field("ok", "true"), field("token", jsonQuote(a.token)), field("rules", rulesReport(a.rules)), field("warnings", strings(a.warnings)),
  ].join(",") + "}";
}
