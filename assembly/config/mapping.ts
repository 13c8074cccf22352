// Static mapping rules and their usages (docs/configuration.md). The method and pattern pieces are
// shared with fetched rules (rules.ts).
import { MappingRule, Usage } from "./model";
import { Diagnostics, indexPath, memberPath } from "./diagnostics";
import { JsonKind, JsonValue } from "./json";
import {
  arrayMember, boolMember, DELTA_MAX, expectedGot, integerMember, REQUIRED, stringMember, warnUnknownMembers,
} from "./fields";
import { compileMethod, compileRulePattern, isHttpToken } from "./rules";
import { compilePattern, PathPattern } from "../pipeline/rules";
import { asciiUpper } from "../util/ascii";

const RULE_FIELDS = "method|pattern|usages|last";
const USAGE_FIELDS = "name|delta";

/**
 * compileCleanRule compiles a rule that needs no diagnostic at all without building a single JSON
 * path (the paths of thousands of rules were most of the configure time). Null means "not
 * clean": the caller then runs compileMappingRule, which reports exactly as it always has.
 */
export function compileCleanRule(node: JsonValue): MappingRule | null {
  if (node.kind != JsonKind.Object || !onlyRuleMembers(node)) return null;
  const methodNode = node.get("method");
  if (methodNode == null || methodNode.kind != JsonKind.String) return null;
  const method = methodNode.str;
  if (method.length == 0 || !isHttpToken(method)) return null;
  const last = node.get("last");
  if (last != null && last.kind != JsonKind.Null && last.kind != JsonKind.Bool) return null;
  const usagesNode = node.get("usages");
  if (usagesNode == null || usagesNode.kind != JsonKind.Array) return null;
  const items = usagesNode.items;
  const n = items.length;
  for (let i = 0; i < n; i++) if (!isCleanUsage(unchecked(items[i]))) return null;
  const patternNode = node.get("pattern");
  if (patternNode == null || patternNode.kind != JsonKind.String) return null;
  const source = patternNode.str;
  const upper = asciiUpper(method); // as compileMethod
  const isLast = last != null && last.kind == JsonKind.Bool && last.bool;
  const table = sharedRules;
  let known: MappingRule | null = null;
  if (table !== null && table.has(source)) known = table.get(source);
  let pattern: PathPattern;
  if (known !== null) {
    if (known.method == upper && known.last == isLast && sameUsages(known.usages, items)) return known;
    pattern = known.pattern;
  } else {
    const p = compilePattern(source);
    if (p.pattern == null || p.error.length > 0 || p.neverMatches) return null;
    pattern = p.pattern!;
  }

  const rule = new MappingRule();
  rule.method = upper;
  rule.anyMethod = rule.method == "ANY";
  rule.pattern = pattern;
  for (let i = 0; i < n; i++) {
    const item = unchecked(items[i]);
    const u = new Usage();
    u.name = item.get("name")!.str;
    u.delta = <i64>item.get("delta")!.num;
    rule.usages.push(u);
  }
  rule.last = isLast;
  if (table !== null && known === null) table.set(source, rule);
  return rule;
}

// Identical clean rules are compiled once per configuration and shared, and rules with the same
// pattern text share its compiled pattern: a tenant's products often repeat the same paths and
// metrics, and the model is immutable once compiled. The table holds one rule per pattern text
// (the first seen) and lives for one compileConfig call (beginSharedRules/endSharedRules).
let sharedRules: Map<string, MappingRule> | null = null;

export function beginSharedRules(): void {
  sharedRules = new Map<string, MappingRule>();
}

export function endSharedRules(): void {
  sharedRules = null;
}

/** sameUsages: `usages` equals the (clean) usage nodes `items`, in order. */
function sameUsages(usages: Array<Usage>, items: Array<JsonValue>): bool {
  const n = items.length;
  if (usages.length != n) return false;
  for (let i = 0; i < n; i++) {
    const u = unchecked(usages[i]);
    const item = unchecked(items[i]);
    if (u.name != item.get("name")!.str || u.delta != <i64>item.get("delta")!.num) return false;
  }
  return true;
}

/** isCleanUsage: a usage compileUsage accepts without a diagnostic (known members, non-negative delta). */
function isCleanUsage(node: JsonValue): bool {
  if (node.kind != JsonKind.Object || !onlyUsageMembers(node)) return false;
  const name = node.get("name");
  if (name == null || name.kind != JsonKind.String || name.str.length == 0) return false;
  const delta = node.get("delta");
  if (delta == null || delta.kind != JsonKind.Number || !delta.isInteger) return false;
  return delta.num >= 0 && delta.num <= <f64>DELTA_MAX;
}

// The member-name checks of RULE_FIELDS and USAGE_FIELDS, spelled out for the fast path.
function onlyRuleMembers(node: JsonValue): bool {
  const keys = node.keys;
  for (let i = 0, n = keys.length; i < n; i++) {
    const k = unchecked(keys[i]);
    if (!(k == "method" || k == "pattern" || k == "usages" || k == "last")) return false;
  }
  return true;
}

function onlyUsageMembers(node: JsonValue): bool {
  const keys = node.keys;
  for (let i = 0, n = keys.length; i < n; i++) {
    const k = unchecked(keys[i]);
    if (!(k == "name" || k == "delta")) return false;
  }
  return true;
}

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
