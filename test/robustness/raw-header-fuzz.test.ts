// The fuzzer's request and backend areas send header values as raw bytes that are not UTF-8
// (Envoy's HTTP/1 codec passes obs-text 0x80-0xFF through): a few fixed-seed iterations must
// actually exercise that input, and the module must survive it.
import { describe, expect, it } from "vitest";
import { formatFailure, loadInputs, runFuzz } from "../../bench/lib/fuzz-engine.js";
import { modulePath } from "../support/modules.js";

describe("fuzzing with raw (invalid UTF-8) header values", () => {
  it.each([["request", 4242], ["backend", 4243]] as const)(
    "the %s area sends raw-byte header values (seed %i) and nothing traps",
    async (area, seed) => {
      loadInputs(modulePath("product"));
      const r = await runFuzz({ seed, budgetMs: 15_000, maxIterations: 3, areas: [area], wasmPath: modulePath("product") });
      expect(r.failures.map(formatFailure).join("\n\n")).toBe("");
      expect(r.iterations).toBeGreaterThan(0);
      expect(r.rawHeaderValues).toBeGreaterThan(0);
    },
    45_000,
  );
});
