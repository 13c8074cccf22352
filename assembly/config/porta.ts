// Reads a porta proxy-config answer (docs/behaviour.md) into a PortaAnswer, never trapping.
// Other areas import the public API below; keep it stable.
//
// Only the fields the module uses are read (G8). A rule that cannot be used is skipped with a
// warning, so one bad rule does not discard the others (D32); the answer as a whole fails only
// when it is not JSON or has no proxy_config.content object. The HTTP status is the caller's.
import { MappingRule, PortaAnswer, Usage } from "./model";
import { JsonKind, JsonValue, JSON_MAX_DEPTH, parseJsonBytes, jsonTypeName } from "./json";
import { compileMethod, compileRulePattern } from "./rules";
import { DELTA_MAX } from "./fields";
import { readPortaFeatures } from "./features";

/** PortaParseResult: `answer` on success, else `error` (the `invalid answer: <why>` text). */
export class PortaParseResult {
  answer: PortaAnswer | null = null;
  error: string = "";
}

export function parsePortaAnswer(body: ArrayBuffer): PortaParseResult {
  const r = new PortaParseResult();
  const parsed = parseJsonBytes(body, JSON_MAX_DEPTH);
  const root = parsed.value;
  if (root == null) {
    r.error = "not JSON (line " + parsed.line.toString() + ", column " + parsed.column.toString() + ": " + parsed.error + ")";
    return r;
  }
  const proxyConfig = root.get("proxy_config");
  if (proxyConfig == null || proxyConfig.kind == JsonKind.Null) {
    r.error = "proxy_config.content is missing";
    return r;
  }
  if (proxyConfig.kind != JsonKind.Object) {
    r.error = "proxy_config is not an object (got " + jsonTypeName(proxyConfig) + ")";
    return r;
  }
  const content = proxyConfig.get("content");
  if (content == null || content.kind == JsonKind.Null) {
    r.error = "proxy_config.content is missing";
    return r;
  }
  if (content.kind != JsonKind.Object) {
    r.error = "proxy_config.content is not an object (got " + jsonTypeName(content) + ")";
    return r;
  }

  const answer = new PortaAnswer();
  answer.token = fetchedToken(content);
  answer.features = readPortaFeatures(content, answer.warnings);

  const proxy = content.get("proxy");
  if (proxy != null && proxy.kind != JsonKind.Null) {
    if (proxy.kind != JsonKind.Object) {
      r.error = "proxy_config.content.proxy is not an object (got " + jsonTypeName(proxy) + ")";
      return r;
    }
    const rules = proxy.get("proxy_rules");
    if (rules != null && rules.kind != JsonKind.Null) {
      if (rules.kind != JsonKind.Array) {
        r.error = "proxy_config.content.proxy.proxy_rules is not an array (got " + jsonTypeName(rules) + ")";
        return r;
      }
      const items = rules.items;
      for (let i = 0, n = items.length; i < n; i++) {
        const why = readRule(unchecked(items[i]), answer.rules);
        if (why.length > 0) answer.warnings.push("proxy_rules[" + i.toString() + "] skipped: " + why);
      }
    }
  }
  r.answer = answer;
  return r;
}

/** fetchedToken: the service token when the service authenticates with one; "" otherwise (S8). */
function fetchedToken(content: JsonValue): string {
  const type = content.get("backend_authentication_type");
  if (type == null || type.kind != JsonKind.String || type.str != "service_token") return "";
  const value = content.get("backend_authentication_value");
  if (value == null || value.kind != JsonKind.String) return "";
  return value.str;
}

/** readRule appends the rule built from one proxy_rules element, or returns why it is skipped. */
function readRule(node: JsonValue, out: Array<MappingRule>): string {
  if (node.kind != JsonKind.Object) return "expected object, got " + jsonTypeName(node);
  const method = node.get("http_method");
  if (method == null || method.kind != JsonKind.String || method.str.length == 0) return "http_method is not a non-empty string";
  const pattern = node.get("pattern");
  if (pattern == null || pattern.kind != JsonKind.String) return "pattern is not a string";
  const compiled = compileRulePattern(pattern.str);
  if (compiled.pattern == null) return "invalid pattern: " + compiled.error;
  const metric = node.get("metric_system_name");
  if (metric == null || metric.kind != JsonKind.String || metric.str.length == 0) return "metric_system_name is not a non-empty string";
  const delta = node.get("delta");
  if (delta == null || delta.kind != JsonKind.Number || !delta.isInteger || !(delta.num >= 0 && delta.num <= <f64>DELTA_MAX)) {
    return "delta is not an integer >= 0";
  }
  const last = node.get("last");
  let isLast = false;
  if (last != null && last.kind != JsonKind.Null) {
    if (last.kind != JsonKind.Bool) return "last is not a boolean";
    isLast = last.bool;
  }

  const rule = new MappingRule();
  const m = compileMethod(method.str);
  rule.method = m.method;
  rule.anyMethod = m.any;
  rule.pattern = compiled.pattern!;
  const usage = new Usage();
  usage.name = metric.str;
  usage.delta = <i64>delta.num;
  rule.usages.push(usage);
  rule.last = isLast;
  out.push(rule);
  return "";
}
