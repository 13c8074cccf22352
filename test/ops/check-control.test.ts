// Check ops (docs/operations.md: S never changes, each evaluation on a copy) and control ops.
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";

type Row = { name: string; ops: unknown; stack?: string[]; expected: string[] | null };
const S = ["a", "b", "c"];

const checkRows: Row[] = [
  { name: "ok passes", ops: ["ok"], expected: S },
  { name: "fail fails", ops: ["fail"], expected: null },
  { name: "any passes when one element passes", ops: [{ any: [{ contains: "z" }, { contains: "b" }] }], expected: S },
  { name: "any fails when none passes", ops: [{ any: [{ contains: "z" }, "fail"] }], expected: null },
  { name: "any [] fails", ops: [{ any: [] }], expected: null },
  { name: "any leaves S unchanged after a changing element", ops: [{ any: ["pop"] }], expected: S },
  { name: "one_of fails with two successes", ops: [{ one_of: [{ contains: "a" }, { contains: "b" }] }], expected: null },
  { name: "one_of passes with exactly one success", ops: [{ one_of: [{ contains: "a" }, { contains: "z" }] }], expected: S },
  { name: "one_of [] fails", ops: [{ one_of: [] }], expected: null },
  { name: "all passes when every element passes", ops: [{ all: [{ contains: "a" }, { length: { min: 3 } }] }], expected: S },
  { name: "all fails at the first failure", ops: [{ all: [{ contains: "a" }, { contains: "z" }] }], expected: null },
  { name: "all [] passes", ops: [{ all: [] }], expected: S },
  { name: "all elements run alone, not chained", ops: [{ all: ["pop", "pop", { length: { min: 3 } }] }], expected: S },
  { name: "none passes when every element fails", ops: [{ none: [{ contains: "z" }, { pop: 3 }] }], expected: S },
  { name: "none fails at a success", ops: [{ none: [{ contains: "z" }, { contains: "a" }] }], expected: null },
  { name: "none [] passes", ops: [{ none: [] }], expected: S },
  { name: "an element emptying its copy counts as a failure", ops: [{ none: [{ pop: 3 }] }], expected: S },
  { name: "assert pipeline passes and leaves S", ops: [{ assert: ["pop", { length: { max: 2 } }] }], expected: S },
  { name: "assert pipeline fails", ops: [{ assert: ["pop", { length: { max: 1 } }] }], expected: null },
  { name: "assert [] passes", ops: [{ assert: [] }], expected: S },
  { name: "refute [pop: 3] passes", ops: [{ refute: [{ pop: 3 }] }], expected: S },
  { name: "refute [pop] fails", ops: [{ refute: ["pop"] }], expected: null },
  { name: "refute [] fails", ops: [{ refute: [] }], expected: null },
];

const controlRows: Row[] = [
  { name: "test: then branch when the condition holds", ops: [{ test: { if: { contains: "a" }, then: ["pop"], else: [{ push: "x" }] } }], expected: ["a", "b"] },
  { name: "test: else branch when the condition fails", ops: [{ test: { if: { contains: "a" }, then: ["pop"], else: [{ push: "x" }] } }], stack: ["z", "b", "c"], expected: ["z", "b", "c", "x"] },
  { name: "test: missing else leaves S unchanged", ops: [{ test: { if: "fail", then: ["pop"] } }], expected: S },
  { name: "test: empty then leaves S unchanged", ops: [{ test: { if: "ok", then: [] } }], expected: S },
  { name: "test: the condition's output is discarded", ops: [{ test: { if: "pop", then: [] } }], expected: S },
  { name: "test: a failing branch fails the op", ops: [{ test: { if: "ok", then: ["fail"] } }], expected: null },
  { name: "test: bare-string condition", ops: [{ test: { if: "reverse", then: [{ push: "y" }] } }], expected: ["a", "b", "c", "y"] },
  { name: "and groups a pipeline on S", ops: [{ and: ["pop", { push: "z" }] }], expected: ["a", "b", "z"] },
  { name: "and fails when a step fails", ops: [{ and: ["pop", "fail"] }], expected: null },
  { name: "and [] is a no-op", ops: [{ and: [] }], expected: S },
  { name: "or: the first success's output", ops: [{ or: [{ pop: 3 }, "pop"] }], expected: ["a", "b"] },
  { name: "or: stops at the first success", ops: [{ or: ["pop", { push: "d" }] }], expected: ["a", "b"] },
  { name: "or: no success fails", ops: [{ or: ["fail", { pop: 3 }] }], expected: null },
  { name: "or [] fails", ops: [{ or: [] }], expected: null },
  { name: "xor: exactly one success", ops: [{ xor: [{ pop: 3 }, { push: "d" }] }], expected: ["a", "b", "c", "d"] },
  { name: "xor: two successes fail", ops: [{ xor: ["pop", { push: "d" }] }], expected: null },
  { name: "xor: no success fails", ops: [{ xor: ["fail"] }], expected: null },
  { name: "xor [] fails", ops: [{ xor: [] }], expected: null },
  { name: "cloned append", ops: [{ cloned: { ops: [{ join: ":" }] } }], expected: ["a", "b", "c", "a:b:c"] },
  { name: "cloned prepend", ops: [{ cloned: { result: "prepend", ops: ["split"] } }], stack: ["user:password"], expected: ["user", "password", "user:password"] },
  { name: "cloned result is case-insensitive", ops: [{ cloned: { result: "PREPEND", ops: [{ xchg: "x" }] } }], stack: ["v"], expected: ["x", "v"] },
  { name: "cloned fails when its pipeline fails", ops: [{ cloned: { ops: ["fail"] } }], expected: null },
  { name: "partial max 2 append", ops: [{ partial: { max: 2, ops: [{ join: "-" }] } }], expected: ["a", "b-c"] },
  { name: "partial max 2 prepend", ops: [{ partial: { max: 2, result: "prepend", ops: [{ join: "-" }] } }], expected: ["b-c", "a"] },
  { name: "partial max 5 takes the whole stack", ops: [{ partial: { max: 5, ops: [{ join: "-" }] } }], expected: ["a-b-c"] },
  { name: "partial max 0 fails", ops: [{ partial: { max: 0, ops: [] } }], expected: null },
  { name: "partial default max 1", ops: [{ partial: { ops: ["strrev"] } }], stack: ["ab", "cd"], expected: ["ab", "dc"] },
  { name: "partial sub-pipeline failing fails", ops: [{ partial: { ops: ["pop"] } }], expected: null },
  { name: "top splits the top value", ops: [{ top: ["split"] }], stack: ["x", "a:b"], expected: ["x", "a", "b"] },
  { name: "top fails when its pipeline fails", ops: [{ top: ["fail"] }], expected: null },
  { name: "log leaves S unchanged", ops: [{ log: { msg: "hello" } }], expected: S },
];

describe("check ops", () => {
  it.each(checkRows)("$name", async ({ ops, stack, expected }) => {
    const r = (await fresh()).run(ops, stack ?? S);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
  });
});

describe("control ops", () => {
  it.each(controlRows)("$name", async ({ ops, stack, expected }) => {
    const r = (await fresh()).run(ops, stack ?? S);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
  });

  it.each([
    { level: undefined, expected: 2 },
    { level: "trace", expected: 0 },
    { level: "Warn", expected: 3 },
    { level: "CRITICAL", expected: 5 },
  ])("log writes [3scale-auth/config] <msg> at level $level", async ({ level, expected }) => {
    const inst = await fresh();
    inst.run([{ log: { msg: "checking the key", level } }], ["k"]);
    expect(inst.logs).toEqual([{ level: expected, message: "[3scale-auth/config] checking the key" }]);
  });

  it("log inside an untaken branch writes nothing", async () => {
    const inst = await fresh();
    inst.run([{ test: { if: "fail", then: [{ log: { msg: "then" } }], else: [{ log: { msg: "else" } }] } }], ["k"]);
    expect(inst.logs.map((l) => l.message)).toEqual(["[3scale-auth/config] else"]);
  });
});

describe("pipeline invariants", () => {
  it("an empty op list returns the stack unchanged", async () => {
    expect((await fresh()).run([], S).stack).toEqual(S);
  });
  it("a pipeline failing at one step stops there (trace)", async () => {
    const t = (await fresh()).trace(["pop", { contains: "c" }, { push: "x" }], S);
    expect(t.ok).toBe(false);
    expect(t.steps).toEqual([
      { op: "pop", stack: ["a", "b"] },
      { op: "contains", stack: null },
    ]);
  });
  it("trace records every top-level step", async () => {
    const t = (await fresh()).trace([{ split: { separator: " ", max: 2 } }, { drop: { head: 1 } }, "base64_urlsafe"], ["Basic YWRtaW4="]);
    expect(t.ok).toBe(true);
    expect(t.steps).toEqual([
      { op: "split", stack: ["Basic", "YWRtaW4="] },
      { op: "drop", stack: ["YWRtaW4="] },
      { op: "base64_urlsafe", stack: ["admin"] },
    ]);
  });
  it("trace reports compile errors without steps", async () => {
    const t = (await fresh()).trace(["nope"], S);
    expect(t).toEqual({ ok: false, errors: ['ops[0]: unknown operation "nope"'], warnings: [], steps: [] });
  });
});
