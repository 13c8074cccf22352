// The limits table of docs/cache.md, measured: how many requests a proxy of two workers serves
// in one minute against a limit of 10 hits per minute, with the cache batching usage, at several
// rates and for the cases the guarantees name. Real HTTP to the apisonator-exact backend simulator
// on 127.0.0.1, virtual time. test/cache/limits.test.ts and test/cache/usage-safety.test.ts
// assert the same bounds; this prints the figures.
import { BackendSimulator, ManualClock } from "../src-host-sim/backend/index.js";
import { driveRate, filterConfig, Proxy, seed, SERVICE } from "../test/support/cache-proxy.js";

const LIMIT = 10;
const CACHE = { enabled: true, ttl: 60, report_interval: 5 };

export interface LimitsRow {
  label: string;
  /** requests served in the minute, per rate (null: not measured for that rate) */
  served: Array<number | null>;
  /** what the documented guarantee allows, per rate */
  bound: Array<number | null>;
}

export interface LimitsResult {
  rates: number[];
  rows: LimitsRow[];
  /** the three ways guarantee 1 used to break, each served count against the limit */
  exact: Array<{ label: string; served: number; counted: number }>;
}

async function withProxy<T>(wasm: string, cache: object | null, body: (p: Proxy, b: BackendSimulator) => Promise<T>): Promise<T> {
  const backend = new BackendSimulator({ seed: seed(LIMIT), clock: new ManualClock("2026-01-01T00:00:10Z") });
  await backend.start();
  try {
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, cache), "info", undefined, wasm);
    return await body(p, backend);
  } finally {
    await backend.stop();
  }
}

const servedOf = (outcomes: number[]) => outcomes.filter((s) => s === 200).length;

export async function measureLimits(wasm: string): Promise<LimitsResult> {
  const rates = [1, 2, 4, 8];
  const rows: LimitsRow[] = [];
  const perRate = async (label: string, cache: object | null, opts: { strip?: boolean; paths?: string[] }, bound: (rate: number) => number | null) => {
    const served: number[] = [];
    for (const rate of rates) {
      served.push(await withProxy(wasm, cache, async (p) => {
        p.stripLimitHeaders = opts.strip ?? false;
        return servedOf(await driveRate(p, rate, 30, opts.paths));
      }));
    }
    rows.push({ label, served, bound: rates.map(bound) });
  };
  const interval = CACHE.report_interval;
  await perRate("one key, limit headers", CACHE, {}, () => LIMIT);
  await perRate("one key, no limit headers", CACHE, { strip: true }, (r) => LIMIT + r * interval);
  await perRate("two keys on one limit, limit headers", CACHE, { paths: ["/?user_key=uk-a", "/search?user_key=uk-a"] }, (r) => LIMIT + r * interval);
  await perRate("no cache (authrep per request)", null, {}, () => LIMIT);

  const exact: LimitsResult["exact"] = [];
  exact.push(await withProxy(wasm, { enabled: true, ttl: 2, report_interval: 10 }, async (p, b) => {
    const outcomes: number[] = [];
    for (let i = 0; i < 60; i++) {
      outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
      await p.advance(500);
    }
    await p.advance(10_000);
    return { label: "ttl 2 s with report_interval 10 s, 2 req/s for 30 s", served: servedOf(outcomes), counted: b.usage(SERVICE, "A", "hits", "minute") };
  }));
  exact.push(await withProxy(wasm, CACHE, async (p, b) => {
    const outcomes: number[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
    p.holdCalls();
    await p.advance(5000);
    p.resumeCalls();
    for (let i = 0; i < 6; i++) outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
    await p.answerHeld("forward");
    for (let i = 0; i < 6; i++) outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
    await p.advance(5000);
    return { label: "requests served while a report is in flight", served: servedOf(outcomes), counted: b.usage(SERVICE, "A", "hits", "minute") };
  }));
  exact.push(await withProxy(wasm, CACHE, async (p, b) => {
    b.addUsage(SERVICE, "A", "hits", LIMIT - 1);
    const both = await Promise.all([p.send(0, "/?user_key=uk-a"), p.send(1, "/?user_key=uk-a")]);
    await p.advance(5000);
    return { label: "two concurrent misses with 1 call left (9 used before)", served: LIMIT - 1 + servedOf(both), counted: b.usage(SERVICE, "A", "hits", "minute") };
  }));
  return { rates, rows, exact };
}

export function formatLimits(r: LimitsResult): string {
  const lines = [
    `Limits while batching: limit ${LIMIT} hits/minute, ttl ${CACHE.ttl} s, report_interval ${CACHE.report_interval} s, two workers, 30 s at each rate`,
    `  requests served in the minute (bound)     ${r.rates.map((x) => `${x}/s`.padStart(10)).join("")}`,
  ];
  for (const row of r.rows) {
    const cells = row.served.map((s, i) => `${s ?? "-"} (${row.bound[i] ?? "-"})`.padStart(10)).join("");
    lines.push(`  ${row.label.padEnd(40)} ${cells}`);
  }
  lines.push(`  guarantee 1 (one key, same usage, limit headers), each served / counted by 3scale / limit:`);
  for (const e of r.exact) lines.push(`    ${e.label.padEnd(58)} ${e.served} / ${e.counted} / ${LIMIT}  ${e.served <= LIMIT && e.counted === e.served ? "exact" : "OVERSHOOT"}`);
  return lines.join("\n");
}
