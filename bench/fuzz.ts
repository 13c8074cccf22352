// `npm run fuzz -- [--minutes N] [--seed S] [--areas config,request,backend] [--replay area:seed]`:
// the robustness fuzzer of test/robustness/fuzz.test.ts for longer local runs. Prints progress,
// the iteration count and every failing seed with the inputs that led to it. Exit code 1 on failure.
import { pathToFileURL } from "node:url";
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

async function main(): Promise<void> {
  await ensureProductModule();
  const replay = arg("--replay");
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
  const areas = (arg("--areas")?.split(",") ?? [...FUZZ_AREAS]) as FuzzArea[];
  console.log(`fuzzing for ${minutes} minute(s), seed ${seed}, areas ${areas.join(",")}`);
  const r = await runFuzz({ seed, budgetMs: minutes * 60_000, areas, maxFailures: 20, onProgress: (p) => console.log(`  … ${summary(p)}`) });
  console.log(summary(r));
  for (const f of r.failures) console.log(formatFailure(f));
  process.exitCode = r.failures.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
