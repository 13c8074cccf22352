// "Nothing traps" (docs/behaviour.md) for the request pipeline: deterministic pseudo-random
// patterns, paths and queries through the pure functions, and hostile requests through the filter.
import { describe, expect, it } from "vitest";
import { pipelineEntry } from "./pipeline-entry.js";
import { config, send, startFilter } from "./harness.js";
import { Prng } from "../support/prng.js";

/** rng: a deterministic generator of floats in [0, 1), so a failure is reproducible. */
function rng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

const ALPHABET = ["/", "{", "}", "*", "$", "\\", "?", "&", "=", "%", "+", ".", "..", "a", "b", "1", "#", " ", "\u00e9", "\ud83d\ude00", "\ud800", "%zz", "%4", "//"];

function randomString(next: () => number, max: number): string {
  const n = Math.floor(next() * max);
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

describe("no input traps the pipeline", () => {
  it("2000 random pattern/path pairs: compile and match return a result", async () => {
    const e = await pipelineEntry();
    const next = rng(42);
    for (let i = 0; i < 2000; i++) {
      const pattern = "/" + randomString(next, 12);
      const path = "/" + randomString(next, 16);
      const r = e.matchRule("ANY", pattern, "GET", path);
      expect([-1, 0, 1]).toContain(r);
      expect(typeof e.normalizePath(path)).toBe("string");
      expect(e.queryParam(path, "a").length).toBeGreaterThan(0);
    }
  });

  it("300 random requests through the filter leave the VM healthy", async () => {
    const sim = await startFilter(config({}, {
      credentials: { user_key: [{ query_string: { keys: ["a", "user_key"] } }, { header: { keys: ["x-key"] } }] },
      mapping_rules: [
        { method: "ANY", pattern: "/{a}/*$", usages: [{ name: "m", delta: 1 }] },
        { method: "GET", pattern: "/?a={x}&*", usages: [{ name: "q", delta: 1 }] },
      ],
    }), { logLevel: "trace" });
    const next = rng(7);
    for (let i = 0; i < 300; i++) {
      send(sim, [[":method", next() < 0.5 ? "GET" : "post"], [":path", "/" + randomString(next, 20)], [":authority", randomString(next, 6)], ["x-key", randomString(next, 8)]]);
    }
    for (const c of sim.httpCalls.pending()) c.respond({ status: 200 });
    expect(sim.vmState.status).toBe("ok");
  });
});
