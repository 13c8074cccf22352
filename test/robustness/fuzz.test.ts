// Robustness fuzzing of the product module in the host simulator (bench/lib/fuzz-engine.ts):
// random and mutated configurations, request headers, metadata, backend and system answers.
// Bounded for CI: FUZZ_SECONDS (default 20) of wall time shared by the three areas, each with a
// fixed seed (FUZZ_SEED overrides) so a CI failure replays with `npm run fuzz -- --replay area:seed`.
// Longer runs: `npm run fuzz -- --minutes N`.
import { describe, expect, it } from "vitest";
import { FUZZ_AREAS, formatFailure, runFuzz, runIteration, loadInputs, type FuzzArea } from "../../bench/lib/fuzz-engine.js";
import { modulePath } from "../support/modules.js";

const TOTAL_SECONDS = Math.min(Number(process.env["FUZZ_SECONDS"] ?? 20), 55);
const BASE_SEED = Number(process.env["FUZZ_SEED"] ?? 20261122);
const PER_AREA_MS = (TOTAL_SECONDS * 1000) / FUZZ_AREAS.length;

describe("fuzzing the filter never traps, leaks or loses a configuration diagnostic", () => {
  it.each(FUZZ_AREAS.map((area, i) => [area, BASE_SEED + i] as [FuzzArea, number]))(
    "%s inputs (seed %i) keep the VM alive, memory bounded and diagnostics complete",
    async (area, seed) => {
      const r = await runFuzz({ seed, budgetMs: PER_AREA_MS, maxIterations: 5000, areas: [area], wasmPath: modulePath("product"), pageLimit: 512 });
      expect(r.failures.map(formatFailure).join("\n\n")).toBe("");
      // The budget was spent on real work: at least a few iterations ran and, for the
      // configuration area, both outcomes were exercised.
      expect(r.iterations).toBeGreaterThan(2);
      if (area === "config") {
        expect(r.configsAccepted).toBeGreaterThan(0);
        expect(r.configsRejected).toBeGreaterThan(0);
      } else {
        expect(r.streams).toBeGreaterThan(10);
      }
      expect(r.maxPages).toBeLessThanOrEqual(512);
    },
    PER_AREA_MS + 30_000,
  );

  it("replays an iteration identically from its seed", async () => {
    const inputs = loadInputs(modulePath("product"));
    const a = await runIteration("backend", 12345, inputs);
    const b = await runIteration("backend", 12345, inputs);
    expect(a.failure).toBeNull();
    expect(b.it.trail).toEqual(a.it.trail);
    expect(a.it.streams).toBeGreaterThan(0);
  });

  it("reports a module that accepts a configuration without the diagnostic line (the no-op floor module)", async () => {
    const r = await runFuzz({ seed: 7, budgetMs: 10_000, maxIterations: 1, areas: ["config"], wasmPath: modulePath("noop"), maxFailures: 1 });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.problem).toMatch(/accepted without a "configuration accepted" line/);
    expect(formatFailure(r.failures[0]!)).toContain(`--replay config:${r.failures[0]!.seed}`);
  });
});
