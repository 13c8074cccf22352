// Usage parsing and hierarchy propagation (apisonator's Metric::Collection#process_usage):
// every value is checked first (usage_value_invalid), then every metric (metric_invalid), then
// usage is added to all ancestors unless flat_usage.
import { err } from "./errors.js";
import type { ParamHash } from "./query.js";
import { rubyToS } from "./query.js";
import type { MetricIndex } from "./store.js";

export interface UsageValue {
  /** `#N`: set the counter to N instead of incrementing it */
  set: boolean;
  value: number;
}

export type Usage = Map<string, UsageValue>;

const RUBY_WS = "[\\t\\n\\v\\f\\r ]";
const SANE = new RegExp(`^${RUBY_WS}*#?\\d+${RUBY_WS}*$`);
const STRIP = /^[\0\t\n\v\f\r ]+|[\0\t\n\v\f\r ]+$/g;

export function rubyStrip(s: string): string {
  return s.replace(STRIP, "");
}

/** Parses `usage` (already known to be a hash) into metric → value; throws BackendError. */
export function parseUsage(raw: ParamHash, metrics: MetricIndex): Usage {
  const out: Usage = new Map();
  for (const rawName of Object.keys(raw)) {
    const name = rubyStrip(rawName);
    const v = raw[rawName]!;
    if (typeof v !== "string" || rubyStrip(v) === "") throw err.usageValueEmpty(name);
    if (!SANE.test(v)) throw err.usageValueInvalid(rubyToS(v), name);
    const t = rubyStrip(v);
    out.set(name, { set: t.startsWith("#"), value: Number(t.replace("#", "")) });
  }
  for (const name of out.keys()) if (!metrics.has(name)) throw err.metricInvalid(name);
  return out;
}

/** Adds each entry's usage to its ancestors; `#N` sets every ancestor to N (last one wins). */
export function propagate(usage: Usage, metrics: MetricIndex): Usage {
  const out: Usage = new Map();
  for (const [k, v] of usage) out.set(k, { ...v });
  for (const [name, v] of usage) {
    for (const ancestor of metrics.ancestors(name)) {
      const cur = out.get(ancestor);
      if (v.set) out.set(ancestor, { set: true, value: v.value });
      else if (cur) cur.value += v.value;
      else out.set(ancestor, { set: false, value: v.value });
    }
  }
  return out;
}

/** apisonator's Usage.get_from: `#N` replaces the previous value, N adds to it. */
export function getFrom(v: UsageValue | undefined, previous: number): number {
  if (v === undefined) return previous;
  return v.set ? v.value : previous + v.value;
}

/**
 * `base` with this call's usage of `metric` and then of each descendant applied in turn, as
 * apisonator's UsageReport computes the shown current value (base = stored value) and the usage
 * per call for limit headers (base = 0). It ignores flat_usage, as apisonator does.
 */
export function usageWithDescendants(metric: string, usage: Usage, metrics: MetricIndex, base = 0): number {
  let acc = getFrom(usage.get(metric), base);
  for (const d of metrics.descendants(metric)) acc = getFrom(usage.get(d), acc);
  return acc;
}
