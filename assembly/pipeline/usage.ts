// Mapping rules → usage (docs/behaviour.md): rules in order (static, then fetched), deltas
// summed per metric in order of first appearance, `last` stops after its own usages.
import { MappingRule } from "../config/model";
import { matchPath, matchQuery } from "./rules";
import { RequestView } from "./request";

@final
export class UsageList {
  names: Array<string> = [];
  deltas: Array<i64> = [];

  add(name: string, delta: i64): void {
    const names = this.names;
    for (let i = 0, n = names.length; i < n; i++) {
      if (unchecked(names[i]) == name) {
        unchecked(this.deltas[i] += delta);
        return;
      }
    }
    names.push(name);
    this.deltas.push(delta);
  }

  get length(): i32 {
    return this.names.length;
  }
}

/** ruleMatches checks method, path and query of one rule. */
export function ruleMatches(rule: MappingRule, req: RequestView): bool {
  if (!rule.anyMethod && rule.method != req.method) return false;
  if (!matchPath(rule.pattern, req.path)) return false;
  // Split the request query only for rules that have a query part.
  if (rule.pattern.query === null) return true;
  return matchQuery(rule.pattern, req.queryItems);
}

/** computeUsage evaluates `rules`; an empty result means 404. */
export function computeUsage(rules: Array<MappingRule>, req: RequestView): UsageList {
  const usage = new UsageList();
  for (let i = 0, n = rules.length; i < n; i++) {
    const rule = unchecked(rules[i]);
    if (!ruleMatches(rule, req)) continue;
    const usages = rule.usages;
    for (let j = 0, m = usages.length; j < m; j++) {
      const u = unchecked(usages[j]);
      usage.add(u.name, u.delta);
    }
    if (rule.last) break;
  }
  return usage;
}
