// The usage ledger over randomized schedules (bench/lib/ledger.ts, docs/cache.md "Guarantees"):
// every valid application is counted by 3scale exactly as often as the filter allowed it (a
// report or authrep whose answer was lost after 3scale took it: at most once more, and the
// schedule says exactly which), no application's count moves with another's transactions,
// identity headers appear only on verified credentials, and shared data stays within its byte
// bound. A bounded number of seeds here; `npm run fuzz -- --areas ledger` runs any number.
import { describe, expect, it } from "vitest";
import { runLedger } from "../../bench/lib/ledger.js";
import { productModule } from "./helpers.js";

const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i * 7919);

describe("usage ledger", () => {
  it.each(SEEDS)("seed %i: what 3scale counted is what the filter allowed", async (seed) => {
    const r = await runLedger(productModule(), { seed, steps: 120, workers: 3 });
    expect(r.violations, `replay: npm run fuzz -- --replay ledger:${seed}\n${r.trail.join("\n")}`).toEqual([]);
    expect(r.requests).toBeGreaterThan(50);
    expect(r.allowed).toBeGreaterThan(0);
  });
});
