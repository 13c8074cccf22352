// `npm run fuzz -- [--minutes N] [--seed S] [--areas config,request,backend,ledger] [--replay area:seed]`:
// the robustness fuzzer of test/robustness/fuzz.test.ts, and the usage ledger of
// test/cache/ledger.test.ts, for longer local runs. Prints progress, the iteration count and every
// failing seed with the inputs that led to it. Exit code 1 on failure.
import { pathToFileURL } from "node:url";
import { runLedger } from "./lib/ledger.js";
import { FUZZ_AREAS, formatFailure, loadInputs, runFuzz, runIteration, type FuzzArea, type FuzzReport } from "./lib/fuzz-engine.js";
import { ensureProductModule } from "./lib/paths.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function summary(r: FuzzReport): string {
  return `${r.iterations} iterations (config ${r.perArea.config}, request ${r.perArea.request}, backend ${r.perArea.backend}) in ${(r.elapsedMs / 1000).toFixed(0)} s: ` +
    `${r.configsAccepted} configurations accepted, ${r.configsRejected} rejected, ${r.streams} streams, ${r.backendAnswers} backend/system answers, ` +
    `max ${r.maxPages} pages, ${r.failures.length} failure(s)`;
}

/** ledgerFuzz runs usage-ledger schedules for `budgetMs`, one seed after another; returns the failing seeds. */
async function ledgerFuzz(product: string, firstSeed: number, budgetMs: number): Promise<number> {
  const end = Date.now() + budgetMs;
  let runs = 0;
  let failures = 0;
  let requests = 0;
  for (let seed = firstSeed; Date.now() < end; seed++) {
    const r = await runLedger(product, { seed, steps: 200 });
    runs++;
    requests += r.requests;
    if (r.violations.length > 0) {
      failures++;
      console.log(`ledger seed ${seed}: ${r.violations.join("; ")}\n  replay: npm run fuzz -- --replay ledger:${seed}`);
    }
    if (runs % 20 === 0) console.log(`  … ledger: ${runs} schedules, ${requests} requests, ${failures} failure(s)`);
  }
  console.log(`ledger: ${runs} schedules (${requests} requests) from seed ${firstSeed}, ${failures} failure(s)`);
  return failures;
}

async function main(): Promise<void> {
  const product = await ensureProductModule();
  const replay = arg("--replay");
  if (replay?.startsWith("ledger:")) {
    const seed = Number(replay.slice("ledger:".length));
    const r = await runLedger(product, { seed, steps: 200, debugApp: arg("--debug-app") });
    console.log(r.trail.map((t) => `  | ${t}`).join("\n"));
    console.log(r.violations.length > 0 ? `violations:\n  ${r.violations.join("\n  ")}` : `ok: ${r.requests} requests, ${r.allowed} allowed, ${r.reports} report calls`);
    process.exitCode = r.violations.length > 0 ? 1 : 0;
    return;
  }
  if (replay) {
    const [area, seed] = replay.split(":");
    if (!FUZZ_AREAS.includes(area as FuzzArea) || !seed) throw new Error("--replay expects <config|request|backend>:<seed>");
    const { failure, it } = await runIteration(area as FuzzArea, Number(seed), loadInputs());
    console.log(failure ? formatFailure(failure) : `ok: ${it.trail.length} steps\n${it.trail.map((t) => `  | ${t}`).join("\n")}`);
    process.exitCode = failure ? 1 : 0;
    return;
  }
  const minutes = Number(arg("--minutes") ?? 1);
  const seed = Number(arg("--seed") ?? Date.now() % 2 ** 31);
  const requested = arg("--areas")?.split(",") ?? [...FUZZ_AREAS, "ledger"];
  const withLedger = requested.includes("ledger");
  const areas = requested.filter((a) => a !== "ledger") as FuzzArea[];
  console.log(`fuzzing for ${minutes} minute(s), seed ${seed}, areas ${requested.join(",")}`);
  // The ledger gets its share of the time (all of it when it is the only area).
  const ledgerMs = withLedger ? (areas.length === 0 ? minutes * 60_000 : (minutes * 60_000) / (areas.length + 1)) : 0;
  let failed = 0;
  if (areas.length > 0) {
    const r = await runFuzz({ seed, budgetMs: minutes * 60_000 - ledgerMs, areas, maxFailures: 20, onProgress: (p) => console.log(`  … ${summary(p)}`) });
    console.log(summary(r));
    for (const f of r.failures) console.log(formatFailure(f));
    failed += r.failures.length;
  }
  if (withLedger) failed += await ledgerFuzz(product, seed, ledgerMs);
  process.exitCode = failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
