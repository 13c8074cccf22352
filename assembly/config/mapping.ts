// Static mapping rules and their usages (configuration.md §9). The method and pattern pieces are
// shared with fetched rules (rules.ts).
import { MappingRule, Usage } from "./model";
import { Diagnostics, indexPath, memberPath } from "./diagnostics";
import { JsonKind, JsonValue } from "./json";
import {
  arrayMember, boolMember, DELTA_MAX, expectedGot, integerMember, REQUIRED, stringMember, warnUnknownMembers,
} from "./fields";
import { compileMethod, compileRulePattern } from "./rules";

const RULE_FIELDS = "method|pattern|usages|last";
const USAGE_FIELDS = "name|delta";

export function compileMappingRule(node: JsonValue, path: string, diag: Diagnostics): MappingRule | null {
  if (node.kind != JsonKind.Object) {
    diag.error(path, expectedGot("object", node));
    return null;
  }
  warnUnknownMembers(node, path, RULE_FIELDS, diag);
  const rule = new MappingRule();
  let ok = true;

  const method = stringMember(node, "method", path, REQUIRED, true, diag);
  if (method != null) {
    const m = compileMethod(method);
    rule.method = m.method;
    rule.anyMethod = m.any;
    if (!m.isToken) diag.warn(memberPath(path, "method"), "never matches (not an HTTP token)");
  } else ok = false;

  const pattern = stringMember(node, "pattern", path, REQUIRED, false, diag);
  if (pattern != null) {
    const p = compileRulePattern(pattern);
    const patternPath = memberPath(path, "pattern");
    if (p.pattern == null) {
      diag.error(patternPath, "invalid pattern: " + p.error);
      ok = false;
    } else {
      rule.pattern = p.pattern!;
      if (p.neverMatches) diag.warn(patternPath, "never matches (does not start with \"/\")");
    }
  } else ok = false;

  const usagesPath = memberPath(path, "usages");
  const usages = arrayMember(node, "usages", path, REQUIRED, diag);
  if (usages != null) {
    const items = usages.items;
    for (let i = 0, n = items.length; i < n; i++) {
      const usage = compileUsage(unchecked(items[i]), indexPath(usagesPath, i), diag);
      if (usage != null) rule.usages.push(usage);
    }
  }

  const last = boolMember(node, "last", path, diag);
  if (last.ok) rule.last = last.value;
  return ok ? rule : null;
}

function compileUsage(node: JsonValue, path: string, diag: Diagnostics): Usage | null {
  if (node.kind != JsonKind.Object) {
    diag.error(path, expectedGot("object", node));
    return null;
  }
  warnUnknownMembers(node, path, USAGE_FIELDS, diag);
  const name = stringMember(node, "name", path, REQUIRED, true, diag);
  const delta = integerMember(node, "delta", path, REQUIRED, -DELTA_MAX, DELTA_MAX, diag);
  if (name == null || isNaN(delta)) return null;
  if (delta < 0) diag.warn(memberPath(path, "delta"), "negative usage: the backend rejects it");
  const u = new Usage();
  u.name = name;
  u.delta = <i64>delta;
  return u;
}
