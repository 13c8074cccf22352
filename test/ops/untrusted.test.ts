// Untrusted input (header values, metadata) and hostile pipelines: every case must end in an
// ordinary success or failure — never a trap (a trap surfaces as a thrown JS error here) — and
// the engine's limits (step budget, stack size, value size) must stop blow-ups.
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";

const K64 = 65536;
const big = "x".repeat(K64);

describe("large values", () => {
  it.each([
    { name: "split into characters (65538 values), then join back", ops: [{ split: { separator: "" } }, { join: "" }], expected: [big] },
    { name: "strrev", ops: ["strrev"], expected: [big] },
    { name: "strlen counts 65536 characters", ops: [{ strlen: { min: K64, max: K64 } }], expected: [big] },
    { name: "glob with wildcards", ops: [{ glob: ["*x*x*x*y"] }], expected: null },
    { name: "base64 of 64 KiB of non-alphabet characters", ops: ["base64_standard"], input: "!".repeat(K64), expected: null },
    { name: "replace every character", ops: [{ replace: { pattern: "x", with: "yy" } }], expected: ["yy".repeat(K64)] },
    { name: "json of 64 KiB that is not JSON", ops: [{ json: { keys: ["a"] } }], expected: null },
    { name: "protobuf of 64 KiB that is not a Struct", ops: [{ protobuf: { keys: ["a"] } }], input: "\u0007".repeat(K64), expected: null },
    { name: "select over 65538 values", ops: [{ split: { separator: "" } }, { select: [{ strlen: { min: 1 } }] }, { length: { min: K64, max: K64 } }, { take: { head: 1 } }], expected: ["x"] },
  ])("$name", async ({ ops, input, expected }) => {
    const r = (await fresh()).run(ops, [input ?? big]);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
  });

  it("a 64 KiB base64 value decodes", async () => {
    const payload = "é".repeat(K64 / 4);
    const r = (await fresh()).run(["base64_standard"], [Buffer.from(payload).toString("base64")]);
    expect(r.stack).toEqual([payload]);
  });

  it("a JSON document of 64 KiB with a list of 10,000 strings resolves", async () => {
    const list = Array.from({ length: 10000 }, (_, i) => "v" + i);
    const r = (await fresh()).run([{ json: { keys: ["aud"] } }, { length: { min: 10000 } }, { take: { tail: 1 } }], [JSON.stringify({ aud: list })]);
    expect(r.stack).toEqual(["v9999"]);
  });
});

describe("malformed and hostile documents", () => {
  it.each([
    { name: "10,000 nested arrays", doc: "[".repeat(10000) + "]".repeat(10000) },
    { name: "10,000 nested objects", doc: '{"a":'.repeat(10000) + '"x"' + "}".repeat(10000) },
    { name: "10,000 unterminated arrays", doc: "[".repeat(10000) },
    { name: "truncated string", doc: '{"a":"x' },
    { name: "trailing garbage", doc: '{"a":"x"} y' },
    { name: "lone surrogate escape", doc: '{"a":"\\ud800"}' },
    { name: "control character in a string", doc: '{"a":"\u0001"}' },
    { name: "a number too large", doc: '{"a":1e999999}' },
    { name: "empty document", doc: "" },
  ])("json op fails on $name", async ({ doc }) => {
    const r = (await fresh()).run([{ json: { path: [], keys: ["a"] } }], [doc]);
    expect(r.ok).toBe(false);
    expect(r.stack).toBeNull();
  });

  it("refute cannot turn a malformed document into a success for the wrong reason", async () => {
    // refute passes because the json op fails: that is the documented meaning.
    const r = (await fresh()).run([{ refute: [{ json: { keys: ["a"] } }] }], ["[".repeat(10000)]);
    expect(r.stack).toEqual(["[".repeat(10000)]);
  });
});

describe("resource limits stop blow-ups", () => {
  const doubling = (n: number) => Array.from({ length: n }, () => ({ cloned: { ops: [] } }));
  it.each([
    { name: "stack doubling 40 times (cloned)", ops: doubling(40) },
    { name: "flat_map nesting that triples the stack each level", ops: [{ split: { separator: "" } }, ...Array.from({ length: 12 }, () => ({ flat_map: [{ split: { separator: "" } }] }))] },
    { name: "value doubling by replace", ops: Array.from({ length: 40 }, () => ({ replace: { pattern: "", with: "ab" } })) },
    { name: "join of a huge stack", ops: [{ split: { separator: "" } }, ...doubling(6), { join: "--------" }] },
    { name: "many nested check ops over a large stack", ops: [{ split: { separator: "" } }, ...Array.from({ length: 200 }, () => ({ all: ["ok", "ok", "reverse", { contains: "zz" }] }))] },
  ])("$name fails instead of running away", async ({ ops }) => {
    const inst = await fresh();
    const started = Date.now();
    const r = inst.run(ops, [big.slice(0, 4096)]);
    expect(r.errors).toEqual([]);
    expect(r.stack).toBeNull();
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("a limit hit inside refute/none/test is not read as an ordinary failure", async () => {
    const inst = await fresh();
    const runaway = { and: Array.from({ length: 40 }, () => ({ cloned: { ops: [] } })) };
    for (const ops of [[{ refute: [runaway] }], [{ none: [runaway] }], [{ test: { if: runaway, then: [], else: [] } }], [{ select: [runaway] }]]) {
      expect(inst.run(ops, ["v"]).stack).toBeNull();
    }
  });

  it("memory stays bounded across many hostile runs in one instance", async () => {
    const inst = await fresh();
    for (let i = 0; i < 30; i++) {
      inst.run([{ split: { separator: "" } }, { cloned: { ops: [] } }, { join: "," }], [big]);
      inst.run([{ json: { keys: ["a"] } }], ["[".repeat(10000)]);
    }
    expect(inst.memoryBytes()).toBeLessThan(256 * 1024 * 1024);
  });
});

// Lone surrogates cannot reach the engine: values come from UTF-8 bytes (headers, metadata,
// strictly decoded base64), so the odd strings here are valid Unicode.
describe("odd strings", () => {
  it.each([
    { name: "NUL characters split", ops: [{ split: { separator: "\u0000" } }], input: "a\u0000b", expected: ["a", "b"] },
    { name: "astral characters through rsplit with empty separator", ops: [{ rsplit: { separator: "" } }], input: "😀é", expected: ["", "é", "😀", ""] },
    { name: "noncharacters and BOM are ordinary characters", ops: [{ strlen: { min: 2, max: 2 } }, "strrev"], input: "\ufeff\uffff", expected: ["\uffff\ufeff"] },
  ])("$name", async ({ ops, input, expected }) => {
    expect((await fresh()).run(ops, [input]).stack).toEqual(expected);
  });
});
