// The authorization cache's figures (docs/cache.md): per-request cost of a cache hit against the
// uncached authrep path (same run, interleaved rounds, ratio per round), and backend calls per
// 1,000 requests with and without the cache. Figures, not tests: nothing here fails a run.
//
//   node dist/bench/cache.js [--quick]
// Wiring: bench/run.ts may call `runCacheBenchmark({ quick })` and print `formatCacheBench(result)`.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { formatLimits, measureLimits } from "./cache-limits.js";
import { LogLevel, ProxyWasmSimulator } from "../src-host-sim/index.js";
import { CASE_REQUESTS, userKeyConfig } from "./lib/configs.js";
import { BenchCase, RESPONSE_HEADERS } from "./lib/cycle.js";
import { interleavedRounds } from "./lib/measure.js";
import { ROOT, ensureNoopModule, ensureProductModule } from "./lib/paths.js";

type Json = Record<string, unknown>;

const RULES = 3;

export interface CacheBenchOptions {
  quick?: boolean;
}

export interface CallsRow {
  label: string;
  requests: number;
  authorize: number;
  authrep: number;
  reports: number;
  /** backend calls (all kinds) per 1,000 requests */
  per1000: number;
  /** report calls per 1,000 requests, and the most sent in one interval (one per application with usage) */
  reportsPer1000: number;
  maxReportsPerInterval: number;
}

export interface CacheBenchResult {
  /** CPU µs per request cycle (median over rounds) */
  hitMicros: number;
  uncachedMicros: number;
  /** the same cycle through the no-op proxy-runtime module: the simulator's own share */
  floorMicros: number;
  /** median over rounds of hit / uncached in the same round */
  ratio: number;
  ratioRange: [number, number];
  /** median over rounds of (hit − floor) / (uncached − floor): the module's own work */
  moduleRatio: number;
  rounds: number;
  cyclesPerRound: number;
  calls: CallsRow[];
}

/** withCache adds backend.cache (and a failure mode) to a bench configuration. */
function withCache(config: Json, cache: Json | null): Json {
  const backend = { ...(config.backend as Json) };
  if (cache !== null) backend.cache = cache;
  return { ...config, backend };
}

const CACHE = { enabled: true, ttl: 60, report_interval: 10, max_entries: 1000 };

/** callsPer1000 drives `requests` requests of `apps` applications at `perSecond` on one VM, answering every call at once. */
async function callsPer1000(product: string, label: string, cache: Json | null, apps: number, perSecond: number, requests: number): Promise<CallsRow> {
  const sim = await ProxyWasmSimulator.create(product, {
    rootId: "threescale-wasm-auth",
    pluginConfiguration: withCache(userKeyConfig(RULES), cache) as never,
    logLevel: LogLevel.Info,
    trace: false,
    watchdog: false, // the module as built, as Envoy runs it (the watchdog's loop polls are a test aid)
    keepLogs: false,
    httpCallHistory: false,
  });
  if (!sim.start().ok) throw new Error(`${label}: the module did not start`);
  const row: CallsRow = { label, requests, authorize: 0, authrep: 0, reports: 0, per1000: 0, reportsPer1000: 0, maxReportsPerInterval: 0 };
  const answerAll = () => {
    let reports = 0;
    for (const call of sim.httpCalls.pending()) {
      if (call.path.startsWith("/transactions/authorize.xml")) row.authorize++;
      else if (call.path.startsWith("/transactions/authrep.xml")) row.authrep++;
      else if (call.path.startsWith("/transactions.xml")) reports++;
      call.respond({ status: call.path.startsWith("/transactions.xml") ? 202 : 200 });
    }
    row.reports += reports;
    row.maxReportsPerInterval = Math.max(row.maxReportsPerInterval, reports);
  };
  const base = CASE_REQUESTS.userKey(RULES);
  for (let i = 0; i < requests; i++) {
    const headers = base.map(([k, v]): [string, string] => (k === ":path" ? [k, v.replace("user_key_demo", `app-${i % apps}`)] : [k, v]));
    const s = sim.newHttpStream();
    s.sendRequestHeaders(headers);
    answerAll();
    if (s.status !== "active") throw new Error(`${label}: request ${i} was not allowed (${s.status})`);
    s.sendResponseHeaders(RESPONSE_HEADERS, { endOfStream: true });
    s.complete();
    sim.advanceTime(1000 / perSecond);
    answerAll();
  }
  // The last batch: one more interval.
  sim.advanceTime(11_000);
  answerAll();
  row.per1000 = ((row.authorize + row.authrep + row.reports) * 1000) / requests;
  row.reportsPer1000 = (row.reports * 1000) / requests;
  return row;
}

export async function runCacheBenchmark(options: CacheBenchOptions = {}): Promise<CacheBenchResult> {
  const product = await ensureProductModule();
  const request = CASE_REQUESTS.userKey(RULES);
  const uncached = await BenchCase.create({ name: "uncached", wasmPath: product, config: userKeyConfig(RULES), request, expect: "continued" });
  // The cached case answers its first request (a miss: one authorize call), then every cycle is a hit.
  const cached = await BenchCase.create({ name: "cache hit", wasmPath: product, config: withCache(userKeyConfig(RULES), CACHE), request, expect: "continued" });
  cached.cycle();
  cached.spec.expect = "passthrough";
  cached.cycle();
  if (cached.sim.httpCalls.pending().length > 0) throw new Error("cache hit: a backend call was made on a hit");
  const floor = await BenchCase.create({ name: "floor", wasmPath: await ensureNoopModule(), rootId: "floor", request, expect: "passthrough" });
  const rounds = options.quick ? 3 : 7;
  const n = options.quick ? 2_000 : 10_000;
  const r = interleavedRounds({ uncached: () => uncached.cycle(), hit: () => cached.cycle(), floor: () => floor.cycle() }, "uncached", rounds, n);
  const own: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const f = r.perRound.floor![i]!;
    own.push((r.perRound.hit![i]! - f) / (r.perRound.uncached![i]! - f));
  }
  own.sort((a, b) => a - b);
  const requests = 1000;
  const calls = [
    await callsPer1000(product, "no cache, 1 application, 10 req/s", null, 1, 10, requests),
    await callsPer1000(product, "cache, 1 application, 10 req/s", CACHE, 1, 10, requests),
    await callsPer1000(product, "cache, 1 application, 100 req/s", CACHE, 1, 100, requests),
    await callsPer1000(product, "cache, 10 applications, 100 req/s", CACHE, 10, 100, requests),
    await callsPer1000(product, "cache, 100 applications, 100 req/s", CACHE, 100, 100, requests),
  ];
  return {
    hitMicros: r.medianMicros.hit!,
    uncachedMicros: r.medianMicros.uncached!,
    floorMicros: r.medianMicros.floor!,
    ratio: r.ratio.hit!,
    ratioRange: r.ratioRange.hit!,
    moduleRatio: own[own.length >> 1]!,
    rounds,
    cyclesPerRound: n,
    calls,
  };
}

export function formatCacheBench(r: CacheBenchResult): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    `Authorization cache (ttl ${CACHE.ttl} s, report_interval ${CACHE.report_interval} s; ${r.rounds} rounds × ${r.cyclesPerRound.toLocaleString("en-US")} cycles, CPU µs per request)`,
    `  uncached (authrep per request, answered in-process)  ${f(r.uncachedMicros, 1)} µs`,
    `  cache hit (no call)                                  ${f(r.hitMicros, 1)} µs   hit/uncached ${f(r.ratio)} (rounds ${f(r.ratioRange[0])}–${f(r.ratioRange[1])})`,
    `  floor (no-op module, same cycle)                     ${f(r.floorMicros, 1)} µs   module's own work, hit/uncached ${f(r.moduleRatio)}`,
    `  (the uncached path also waits one network round trip to 3scale per request; a hit waits none)`,
    ``,
    `  backend calls per 1,000 requests                     authorize  authrep  reports  per 1,000  reports/1,000  most reports in one interval`,
  ];
  for (const c of r.calls) {
    lines.push(`  ${c.label.padEnd(52)} ${String(c.authorize).padStart(9)}  ${String(c.authrep).padStart(7)}  ${String(c.reports).padStart(7)}  ${f(c.per1000, 1).padStart(9)}  ` +
      `${f(c.reportsPer1000, 1).padStart(13)}  ${String(c.maxReportsPerInterval).padStart(28)}`);
  }
  lines.push(`  (one report per application with usage in an interval: at most min(applications, max_entries) report calls per interval)`);
  return lines.join("\n");
}

const CACHE_DOCS_BEGIN = "<!-- bench:cache -->";
const CACHE_DOCS_END = "<!-- /bench:cache -->";

/**
 * updateCacheDocs replaces the generated block of docs/cache.md with `figures` (the output of
 * formatCacheBench and formatLimits), headed by when and where they were measured.
 */
export function updateCacheDocs(figures: string): void {
  const file = resolve(ROOT, "docs/cache.md");
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(CACHE_DOCS_BEGIN);
  const b = text.indexOf(CACHE_DOCS_END);
  if (a < 0 || b < a) {
    console.error(`docs/cache.md has no ${CACHE_DOCS_BEGIN} … ${CACHE_DOCS_END} block; not updated`);
    return;
  }
  const cpu = cpus();
  const head = `measured ${new Date().toISOString()} by npm run bench — node ${process.version} — ${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length} cores`;
  const block = `${CACHE_DOCS_BEGIN}\n\`\`\`text\n${head}\n\n${figures}\n\`\`\`\n${CACHE_DOCS_END}`;
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + CACHE_DOCS_END.length));
  console.error("updated the figures block of docs/cache.md");
}

/** runCacheFigures: the cache's CPU and call figures and the limits table, as printed, and the raw cache result. */
export async function runCacheFigures(quick: boolean): Promise<{ text: string; cache: CacheBenchResult }> {
  const product = await ensureProductModule();
  const cache = await runCacheBenchmark({ quick });
  return { text: formatCacheBench(cache) + "\n\n" + formatLimits(await measureLimits(product)), cache };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCacheFigures(process.argv.includes("--quick"))
    .then(({ text: out }) => {
      console.log(out);
      if (process.argv.includes("--update-docs")) updateCacheDocs(out);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
