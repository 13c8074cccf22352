// JSON reports of the configuration reader's results, for the test-only entry and tooling (never
// logged by the filter: the compiled-model report contains tokens). Writing JSON by hand keeps
// the report free of any library that could abort.
import { JsonKind, JsonParseResult, JsonValue } from "./json";
import { Diagnostics } from "./diagnostics";
import { Config, CredentialSource, MappingRule, SourceKind, Upstream } from "./model";
import { PortaParseResult } from "./porta";
import { joinStrings, jsonQuote } from "../util/strings";

function jsonObject(members: Array<string>): string {
  return "{" + joinStrings(members, ",") + "}";
}

function jsonArray(items: Array<string>): string {
  return "[" + joinStrings(items, ",") + "]";
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
      return jsonArray(parts);
    }
    default: {
      const parts = new Array<string>();
      const n = v.keys.length < v.values.length ? v.keys.length : v.values.length;
      for (let i = 0; i < n; i++) parts.push(jsonQuote(unchecked(v.keys[i])) + ":" + dumpJsonValue(unchecked(v.values[i])));
      return jsonObject(parts);
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
  return jsonArray(parts);
}

function field(name: string, json: string): string {
  return jsonQuote(name) + ":" + json;
}

function upstreamReport(u: Upstream): string {
  return jsonObject([
    field("name", jsonQuote(u.name)), field("url", jsonQuote(u.url)), field("timeout", u.timeoutMs.toString()),
    field("scheme", jsonQuote(u.scheme)), field("authority", jsonQuote(u.authority)),
    field("basePath", jsonQuote(u.basePath)), field("query", jsonQuote(u.query)),
  ]);
}

function sourcesReport(list: Array<CredentialSource> | null): string {
  if (list == null) return "null";
  const parts = new Array<string>();
  for (let i = 0, n = list.length; i < n; i++) {
    const s = unchecked(list[i]);
    const kind = s.kind == SourceKind.Header ? "header" : s.kind == SourceKind.QueryString ? "query_string" : "filter";
    parts.push(jsonObject([field("kind", jsonQuote(kind)), field("keys", strings(s.keys)), field("path", strings(s.path)), field("ops", s.ops.length.toString())]));
  }
  return jsonArray(parts);
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
    parts.push(jsonObject([
      field("method", jsonQuote(r.method)), field("any", r.anyMethod ? "true" : "false"),
      field("pattern", jsonQuote(r.pattern.source)), field("usages", jsonArray(usages)),
      field("last", r.last ? "true" : "false"),
    ]));
  }
  return jsonArray(parts);
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
      services.push(jsonObject([
        field("id", jsonQuote(s.id)), field("token", jsonQuote(s.token)), field("environment", jsonQuote(s.environment)),
        field("authorities", strings(globs)),
        field("credentials", jsonObject([
          field("user_key", sourcesReport(s.credentials.userKey)), field("app_id", sourcesReport(s.credentials.appId)),
          field("app_key", sourcesReport(s.credentials.appKey)),
        ])),
        field("mapping_rules", rulesReport(s.mappingRules)),
      ]));
    }
    const system = config.system;
    const systemReport = system == null ? "null" : jsonObject([
      field("upstream", upstreamReport(system.upstream)), field("token", jsonQuote(system.token)),
      field("ttl", system.ttlSeconds.toString()),
    ]);
    summary = jsonObject([
      field("backend", "{" + field("upstream", upstreamReport(config.backend.upstream)) + "," + field("optionsHeader", jsonQuote(config.backend.optionsHeader)) + "}"),
      field("system", systemReport),
      field("services", jsonArray(services)),
    ]);
  }
  return jsonObject([
    field("ok", config != null && diag.ok ? "true" : "false"), field("errors", strings(diag.errors)),
    field("warnings", strings(diag.warnings)), field("config", summary),
  ]);
}

/** reportPorta: {ok, error, token, rules, warnings}. */
export function reportPorta(r: PortaParseResult): string {
  const a = r.answer;
  if (a == null) return "{" + field("ok", "false") + "," + field("error", jsonQuote(r.error)) + "}";
  return jsonObject([
    field("ok", "true"), field("token", jsonQuote(a.token)), field("rules", rulesReport(a.rules)), field("warnings", strings(a.warnings)),
  ]);
}
