// `npm run bench`: the filter's cost in the host simulator, as ratios to the no-op proxy-runtime
// module built with the same compiler and flags (measured in the same run), plus configure time,
// module size, memory over 1,000,000 requests and host calls per request. Figures, not tests:
// targets are printed with PASS/MISS beside them and never fail the run.
//
//   node dist/bench/run.js [--quick] [--cycles N] [--write-configs]
//     --quick          fewer rounds and 100,000 memory cycles (a smoke run)
//     --cycles N       request cycles of the memory figure (default 1,000,000)
//     --write-configs  also write the benchmark configurations to bench/configs/
//     --update-docs    also replace the generated blocks of docs/bench.md (the full output) and of
//                      README.md (the headline figures) with this run's figures
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import { LogLevel, ProxyWasmSimulator } from "../src-host-sim/index.js";
import {
  CASE_REQUESTS,
  JWT_METADATA,
  basicAuthExtendedConfig,
  largeConfig,
  oidcConfig,
  userKeyConfig,
} from "./lib/configs.js";
import { BenchCase, type CaseSpec } from "./lib/cycle.js";
import { guestRounds } from "./lib/guest-timer.js";
import { countCalls, type CallCounts } from "./lib/hostcalls.js";
import { interleavedRounds, median, nowMs } from "./lib/measure.js";
import { ROOT, ensureNoopModule, ensureProductModule } from "./lib/paths.js";
import { formatFloor, runFloorBenchmark } from "./floor.js";
import { runCacheFigures, updateCacheDocs } from "./cache.js";
import { formatRealHostBench, runRealHostBenchmark } from "./real-host.js";
import { SCALING_TARGETS, formatBreakdown, formatScaling, measureScaling, moduleBreakdown, namedReleaseModule } from "./scaling.js";

interface Options {
  quick: boolean;
  memoryCycles: number;
  writeConfigs: boolean;
  updateDocs: boolean;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const i = argv.indexOf("--cycles");
  const memoryCycles = i >= 0 ? Number(argv[i + 1]) : quick ? 100_000 : 1_000_000;
  return { quick, memoryCycles, writeConfigs: argv.includes("--write-configs"), updateDocs: argv.includes("--update-docs") };
}

const KIB = 1024;
const verdict = (ok: boolean): string => (ok ? "PASS" : "MISS");
const fmt = (n: number, d = 2): string => n.toFixed(d);

interface CaseDef {
  key: string;
  label: string;
  spec: CaseSpec;
  target?: number;
}

function caseDefs(product: string, noop: string): CaseDef[] {
  return [
    { key: "floor", label: "floor: no-op proxy-runtime module", spec: { name: "floor", wasmPath: noop, rootId: "floor", request: CASE_REQUESTS.userKey(3), expect: "passthrough" } },
    { key: "a", label: "(a) user_key in query, 3 rules", target: 2.0, spec: { name: "(a)", wasmPath: product, config: userKeyConfig(3), request: CASE_REQUESTS.userKey(3), expect: "continued" } },
    { key: "b", label: "(b) Basic-auth extended pipeline, 10 rules", spec: { name: "(b)", wasmPath: product, config: basicAuthExtendedConfig(10), request: CASE_REQUESTS.basicAuth(10), expect: "continued" } },
    { key: "c", label: "(c) OIDC jwt_authn metadata, 50 rules", target: 3.0, spec: { name: "(c)", wasmPath: product, config: oidcConfig(50), request: CASE_REQUESTS.oidc(50), metadata: JWT_METADATA, expect: "continued" } },
    { key: "d", label: "(d) denied: no credentials → 403", spec: { name: "(d)", wasmPath: product, config: userKeyConfig(3), request: CASE_REQUESTS.denied(3), expect: "local-reply", expectStatus: 403 } },
    { key: "a-debug", label: "(a) at log level debug (diagnosis)", spec: { name: "(a) debug", wasmPath: product, config: userKeyConfig(3), request: CASE_REQUESTS.userKey(3), expect: "continued", logLevel: LogLevel.Debug } },
  ];
}

function writeConfigs(): void {
  const dir = resolve(ROOT, "bench/configs");
  mkdirSync(dir, { recursive: true });
  const files: Record<string, unknown> = {
    "a-user-key-3-rules.json": userKeyConfig(3),
    "b-basic-auth-extended-10-rules.json": basicAuthExtendedConfig(10),
    "c-oidc-50-rules.json": oidcConfig(50),
    "large-10-services.json": largeConfig(10),
  };
  for (const [name, doc] of Object.entries(files)) writeFileSync(resolve(dir, name), JSON.stringify(doc, null, 2) + "\n");
  console.log(`wrote ${Object.keys(files).length} configurations to bench/configs/`);
}

interface ConfigureFigure {
  services: number;
  bytes: number;
  firstMs: number;
  firstMinMs: number;
  medianMs: number;
  pages: number;
  pagesAfter: number;
  accepted: boolean;
}

async function configureTime(product: string, services: number, repeats: number): Promise<ConfigureFigure> {
  const bytes = new TextEncoder().encode(JSON.stringify(largeConfig(services)));
  // Fresh VMs (what every Envoy worker does at start): `repeats` first configures. Wall time: CPU
  // time would also count V8 compiling the module in background threads.
  const firsts: number[] = [];
  let sim: ProxyWasmSimulator | null = null;
  let accepted = true;
  for (let i = 0; i < repeats; i++) {
    sim = await ProxyWasmSimulator.create(product, { rootId: "threescale-wasm-auth", pluginConfiguration: bytes, logLevel: LogLevel.Info, trace: false, keepLogs: true, watchdog: false });
    const t0 = nowMs();
    const r = sim.start();
    firsts.push(nowMs() - t0);
    const ok = r.ok && sim.logs.some((l) => l.message.startsWith("configuration accepted"));
    if (!ok && accepted) {
      const errs = sim.logs.filter((l) => l.message.startsWith("invalid configuration")).slice(0, 3).map((l) => l.message);
      console.log(`  ! the ${services}-service configuration was rejected: ${errs.join("; ")}`);
    }
    accepted &&= ok;
  }
  const pagesFirst = sim!.memoryPages;
  // Re-configures of the same VM (an xDS update): the previous model is garbage to collect.
  const again: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = nowMs();
    sim!.reconfigure(bytes);
    again.push(nowMs() - t0);
  }
  return { services, bytes: bytes.length, firstMs: median(firsts), firstMinMs: Math.min(...firsts), medianMs: median(again), pages: pagesFirst, pagesAfter: sim!.memoryPages, accepted };
}

interface MemoryFigure {
  cycles: number;
  pagesBefore: number;
  pagesAfter1000: number;
  pagesAfter: number;
  seconds: number;
}

async function memoryRun(spec: CaseSpec, cycles: number): Promise<MemoryFigure> {
  const c = await BenchCase.create(spec);
  const pagesBefore = c.sim.memoryPages;
  let pagesAfter1000 = pagesBefore;
  const t0 = nowMs();
  for (let i = 1; i <= cycles; i++) {
    c.cycle();
    if (i === 1000) pagesAfter1000 = c.sim.memoryPages;
  }
  if (c.sim.vmState.status !== "ok") throw new Error(`VM failed during the memory run: ${c.sim.vmState.reason}`);
  return { cycles, pagesBefore, pagesAfter1000, pagesAfter: c.sim.memoryPages, seconds: (nowMs() - t0) / 1000 };
}

function header(): string {
  const cpu = cpus();
  return `threescale-wasm-auth bench — ${new Date().toISOString()} — node ${process.version} — ${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length} cores`;
}

/** Everything printed, kept for --update-docs. */
const printed: string[] = [];
const print = (line = ""): void => {
  printed.push(line);
  process.stdout.write(line + "\n");
};

/** replaceBlock swaps the text between `<!-- name -->` and `<!-- /name -->` in a repository file. */
function replaceBlock(relPath: string, name: string, body: string): void {
  const file = resolve(ROOT, relPath);
  const [begin, end] = [`<!-- ${name} -->`, `<!-- /${name} -->`];
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`${relPath} has no ${begin} … ${end} block; not updated`);
    return;
  }
  writeFileSync(file, text.slice(0, a) + `${begin}\n${body}\n${end}` + text.slice(b + end.length));
  console.error(`updated the ${name} block of ${relPath}`);
}

/** The headline figures README shows, one table row each, collected while the run prints. */
const summary: Array<[figure: string, result: string, target: string]> = [];
/** The same figures in one sentence, for README's introduction. */
const headline: string[] = [];

function updateDocs(): void {
  replaceBlock("docs/bench.md", "bench:figures", `\`\`\`text\n${printed.join("\n").replace(/^\n+/, "")}\n\`\`\``);
  const cpu = cpus();
  const when = new Date().toISOString().replace("T", " ").slice(0, 16);
  const rows = summary.map(([f, r, t]) => `| ${f} | ${r} | ${t || "—"} |`);
  replaceBlock("README.md", "bench:headline", `Measured by \`npm run bench\` (${when.slice(0, 10)}, Node ${process.version}): ${headline.join("; ")}.`);
  replaceBlock(
    "README.md",
    "bench:summary",
    [
      `Recorded by \`npm run bench\` on ${when} UTC, Node ${process.version}, ${cpu[0]?.model.trim() ?? "unknown CPU"} × ${cpu.length} cores.`,
      `Cost ratios compare the whole request cycle with a no-op Proxy-Wasm filter measured in the same run.`,
      "",
      "| figure | result | target |",
      "|---|---|---|",
      ...rows,
    ].join("\n"),
  );
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = nowMs();
  if (opts.writeConfigs) writeConfigs();
  print(header());
  const [product, noop] = [await ensureProductModule(), await ensureNoopModule()];
  let defs = caseDefs(product, noop);

  // ---- per-request cost -------------------------------------------------------------------
  const cases: Record<string, BenchCase> = {};
  const broken: Array<[CaseDef, string]> = [];
  for (const d of defs) {
    try {
      const c = await BenchCase.create(d.spec);
      c.cycle(); // validates the case (throws if it does not end as expected)
      cases[d.key] = c;
    } catch (e) {
      // A case the filter cannot run yet is reported, not fatal: the other figures still print.
      if (d.key === "floor") throw e;
      broken.push([d, (e as Error).message.split("\n")[0]!]);
    }
  }
  defs = defs.filter((d) => cases[d.key] !== undefined);
  const warm = opts.quick ? 1000 : 5000;
  for (const d of defs) for (let i = 0; i < warm; i++) cases[d.key]!.cycle();
  const rounds = opts.quick ? 5 : 15;
  const perRound = opts.quick ? 1000 : 3000;
  const fns = Object.fromEntries(defs.map((d) => [d.key, () => cases[d.key]!.cycle()]));
  const res = interleavedRounds(fns, "floor", rounds, perRound);
  const counts: Record<string, CallCounts> = {};
  for (const d of defs) counts[d.key] = await countCalls(d.spec);
  // The guest/host split: a separate instrumented pass (its stopwatch adds a little to each call).
  const guest = await guestRounds(Object.fromEntries(defs.map((d) => [d.key, d.spec])), "floor", rounds, perRound);

  print(`\nPer-request cost (${rounds} interleaved rounds × ${perRound} cycles after ${warm} warm-up; ratio = median of per-round case/floor)`);
  print(`${"case".padEnd(42)} ${"µs/req".padStart(8)} ${"ratio".padStart(7)} ${"range".padStart(13)} ${"target".padStart(7)}  ${"".padEnd(4)}  ${"guest µs".padStart(8)} ${"g.ratio".padStart(7)} ${"host".padStart(5)} ${"vm".padStart(4)} ${"malloc".padStart(6)}`);
  for (const d of defs) {
    const k = d.key;
    const [lo, hi] = res.ratioRange[k]!;
    const ratio = res.ratio[k]!;
    const target = d.target !== undefined ? `≤ ${fmt(d.target, 1)}×` : "";
    const pass = d.target !== undefined ? verdict(ratio <= d.target) : "";
    const c = counts[k]!;
    print(
      `${d.label.padEnd(42)} ${fmt(res.medianMicros[k]!).padStart(8)} ${(fmt(ratio) + "×").padStart(7)} ${`${fmt(lo)}–${fmt(hi)}`.padStart(13)} ${target.padStart(7)}  ${pass.padEnd(4)}  ${fmt(guest.guestMicros[k]!).padStart(8)} ${(fmt(guest.ratio[k]!) + "×").padStart(7)} ${fmt(c.hostCalls, 1).padStart(5)} ${fmt(c.vmCalls, 1).padStart(4)} ${fmt(c.mallocs, 1).padStart(6)}`,
    );
  }
  for (const d of defs.filter((x) => ["a", "c", "d"].includes(x.key))) {
    const target = d.target !== undefined ? `≤ ${fmt(d.target, 1)}× ${verdict(res.ratio[d.key]! <= d.target)}` : "";
    summary.push([`${d.label}: CPU per request vs no-op filter`, `${fmt(res.ratio[d.key]!)}× (${fmt(res.medianMicros[d.key]!, 1)} µs vs ${fmt(res.medianMicros.floor!, 1)} µs)`, target]);
  }
  const costs = [["a", "a user_key request"], ["c", "an OIDC request with 50 rules"], ["d", "a local denial"]]
    .filter(([k]) => res.ratio[k!] !== undefined)
    .map(([k, what]) => `${what} ${fmt(res.ratio[k!]!)}×`);
  if (costs.length > 0) headline.push(`per request, ${costs.join(", ")} the CPU of a no-op Proxy-Wasm filter`);
  for (const [d, why] of broken) print(`${d.label.padEnd(42)} NOT RUN: ${why}`);
  print(`  µs/req and ratio: CPU time of the whole cycle in the simulator (JavaScript host + module); guest µs: time inside the module's own code`);
  print(`  (instrumented interleaved pass, wall time), g.ratio: median per-round guest µs / floor guest µs; host/vm/malloc: VM→host calls, host→VM calls, host mallocs per request`);
  print(`\nHost calls per request by kind (traced steady-state cycles; "host" = VM→host imports, "vm" = host→VM exports)`);
  for (const d of defs) {
    print(`  ${d.key.padEnd(8)} ${counts[d.key]!.byName.map(([n, v]) => `${n.replace(/^proxy_/, "")} ${Number.isInteger(v) ? v : fmt(v, 1)}`).join(", ")}`);
  }

  // ---- configure time ---------------------------------------------------------------------
  print(`\nConfigure time (services × 50 rules × 3 credential sources with 5-op pipelines): ms of on_configure on a fresh VM (median, min) and of a re-configure of a running one (median)`);
  print(`${"services".padStart(8)} ${"JSON".padStart(10)} ${"fresh ms".padStart(9)} ${"min".padStart(7)} ${"again ms".padStart(9)} ${"pages".padStart(12)}  target`);
  for (const n of opts.quick ? [10, 100] : [10, 100, 1000]) {
    const f = await configureTime(product, n, n >= 1000 ? 2 : 5);
    const target = n === 100 ? `≤ 50 ms  ${verdict(f.accepted && f.firstMs <= 50)}` : "";
    if (n === 100) summary.push(["configure 100 services × 50 rules (fresh VM)", `${fmt(f.firstMs, 1)} ms`, target.replace("  ", " ")]);
    print(`${String(n).padStart(8)} ${`${fmt(f.bytes / KIB, 0)} KiB`.padStart(10)} ${fmt(f.firstMs, 1).padStart(9)} ${fmt(f.firstMinMs, 1).padStart(7)} ${fmt(f.medianMs, 1).padStart(9)} ${`${f.pages}→${f.pagesAfter}`.padStart(12)}  ${target}${f.accepted ? "" : " (REJECTED)"}`);
  }
  print(`  pages: linear memory after the first configure → after the re-configures (64 KiB pages)`);

  // ---- module size ------------------------------------------------------------------------
  const wasm = readFileSync(product);
  const gz = gzipSync(wasm, { level: 9 }).length;
  const noopBytes = statSync(noop).size;
  print(`\nModule size`);
  print(`  build/threescale_wasm_auth.wasm  ${fmt(wasm.length / KIB, 1)} KiB (gzip -9: ${fmt(gz / KIB, 1)} KiB)  target ≤ ${SCALING_TARGETS.moduleKiB} KiB  ${verdict(wasm.length <= SCALING_TARGETS.moduleKiB * KIB)}`);
  print(`  build/test/noop.wasm (floor)     ${fmt(noopBytes / KIB, 1)} KiB`);
  headline.push(`the module is ${fmt(wasm.length / KIB, 1)} KiB (${fmt(gz / KIB, 1)} KiB gzipped)`);

  // ---- large tenants: memory and configure time by service count, module size by source area --
  const scaling = await measureScaling(product, noop, opts.quick);
  print("");
  print(formatScaling(scaling));
  const largest = scaling.product[scaling.product.length - 1]!;
  summary.push([
    `linear memory after configuring ${largest.services} services (${fmt(largest.jsonBytes / KIB / KIB, 1)} MiB of JSON)`,
    `${fmt((largest.pagesFirst * 64 * KIB) / largest.jsonBytes, 1)}× the JSON, ${largest.pagesFirst} → ${largest.pagesAfterReconfigures} pages after 10 re-configures`,
    `≤ ${SCALING_TARGETS.memoryPerJsonByte}×, ≤ +25 %`,
  ]);
  print("");
  print(formatBreakdown(moduleBreakdown(wasm, readFileSync(await namedReleaseModule()))));
  summary.push(["release module size", `${fmt(wasm.length / KIB, 1)} KiB (gzip -9: ${fmt(gz / KIB, 1)} KiB)`, `≤ ${SCALING_TARGETS.moduleKiB} KiB ${verdict(wasm.length <= SCALING_TARGETS.moduleKiB * KIB)}`]);

  // ---- memory -----------------------------------------------------------------------------
  const caseA = defs.find((d) => d.key === "a");
  if (caseA) {
    const mem = await memoryRun(caseA.spec, opts.memoryCycles);
    const ratio = mem.pagesAfter / mem.pagesAfter1000;
    print(`\nMemory: ${mem.cycles.toLocaleString("en-US")} request cycles of case (a) in ${fmt(mem.seconds, 1)} s`);
    print(`  linear memory pages: ${mem.pagesBefore} after configure, ${mem.pagesAfter1000} after 1,000 cycles, ${mem.pagesAfter} after ${mem.cycles.toLocaleString("en-US")} (${fmt(ratio)}× ≤ 2× → ${verdict(ratio <= 2)})`);
    headline.push(`its memory stays at ${mem.pagesAfter} pages of 64 KiB over ${mem.cycles.toLocaleString("en-US")} requests`);
    summary.push([`memory over ${mem.cycles.toLocaleString("en-US")} requests of (a)`, `${mem.pagesAfter1000} → ${mem.pagesAfter} pages of 64 KiB`, `≤ 2× ${verdict(ratio <= 2)}`]);
  } else {
    print(`\nMemory: case (a) could not run (see above)`);
  }
  const floor = await runFloorBenchmark(opts.quick ? 20_000 : 100_000, noop);
  print("  " + formatFloor(floor).split("\n").join("\n  "));
  // The authorization cache: hit vs uncached in the same run, and backend calls.
  print("");
  const { text: cacheFigures, cache } = await runCacheFigures(opts.quick);
  print(cacheFigures);
  summary.push(["cache hit vs uncached request (CPU; a hit also skips the network round trip)", `${fmt(cache.ratio)}×`, ""]);
  const calls = (label: string): string => fmt(cache.calls.find((c) => c.label.startsWith(label))?.per1000 ?? NaN, 0);
  headline.push(`with the authorization cache, 1,000 requests of one application at 100 req/s need ${calls("cache, 1 application, 100")} calls to 3scale instead of ${Number(calls("no cache")).toLocaleString("en-US")}`);
  summary.push(["calls to 3scale per 1,000 requests, 1 application at 100 req/s", `${calls("cache, 1 application, 100")} with the cache, ${calls("no cache")} without`, ""]);
  // The same cycles in Envoy's own Proxy-Wasm host (proxy-wasm-cpp-host + WAMR), when built.
  print("");
  print(formatRealHostBench(await runRealHostBenchmark({ quick: opts.quick, product, noop })));
  const seconds = (nowMs() - started) / 1000;
  print(`\nRun time: ${fmt(seconds, 0)} s`);
  summary.push(["duration of this `npm run bench` run", `${fmt(seconds, 0)} s`, ""]);
  if (opts.updateDocs) {
    updateDocs();
    updateCacheDocs(cacheFigures);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
