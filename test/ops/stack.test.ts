// Stack ops (docs/operations.md), including Ruby-style indexing.
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";

type Row = { name: string; ops: unknown; stack?: string[]; expected: string[] | null };
const S = ["a", "b", "c"];

const rows: Row[] = [
  { name: "length min 4 fails on 3 values", ops: [{ length: { min: 4 } }], expected: null },
  { name: "length min 3 max 3 passes", ops: [{ length: { min: 3, max: 3 } }], expected: S },
  { name: "length max 2 fails", ops: [{ length: { max: 2 } }], expected: null },
  { name: "bare length passes", ops: ["length"], expected: S },
  { name: "join with comma", ops: [{ join: "," }], expected: ["a,b,c"] },
  { name: "join with empty separator", ops: [{ join: "" }], expected: ["abc"] },
  { name: "join of one value", ops: [{ join: "-" }], stack: ["x"], expected: ["x"] },
  { name: "reverse", ops: ["reverse"], expected: ["c", "b", "a"] },
  { name: "reverse written with {}", ops: [{ reverse: {} }], expected: ["c", "b", "a"] },
  { name: "reverse written with null", ops: [{ reverse: null }], expected: ["c", "b", "a"] },
  { name: "contains d fails", ops: [{ contains: "d" }], expected: null },
  { name: "contains b passes", ops: [{ contains: "b" }], expected: S },
  { name: "contains compares exactly", ops: [{ contains: "B" }], expected: null },
  { name: "push d", ops: [{ push: "d" }], expected: ["a", "b", "c", "d"] },
  { name: "pop (default 1)", ops: ["pop"], expected: ["a", "b"] },
  { name: "pop null means 1", ops: [{ pop: null }], expected: ["a", "b"] },
  { name: "pop 2", ops: [{ pop: 2 }], expected: ["a"] },
  { name: "pop 0 is a no-op", ops: [{ pop: 0 }], expected: S },
  { name: "pop 3 empties the stack and fails", ops: [{ pop: 3 }], expected: null },
  { name: "pop 4294967295 fails", ops: [{ pop: 4294967295 }], expected: null },
  { name: "dup (no argument) duplicates the top", ops: ["dup"], expected: ["a", "b", "c", "c"] },
  { name: "dup -1", ops: [{ dup: -1 }], expected: ["a", "b", "c", "c"] },
  { name: "dup 0", ops: [{ dup: 0 }], expected: ["a", "b", "c", "a"] },
  { name: "dup -3", ops: [{ dup: -3 }], expected: ["a", "b", "c", "a"] },
  { name: "dup -2", ops: [{ dup: -2 }], expected: ["a", "b", "c", "b"] },
  { name: "dup 3 fails", ops: [{ dup: 3 }], expected: null },
  { name: "dup -4 fails", ops: [{ dup: -4 }], expected: null },
  { name: "dup -2147483648 fails", ops: [{ dup: -2147483648 }], expected: null },
  { name: "xchg z", ops: [{ xchg: "z" }], expected: ["a", "b", "z"] },
  { name: "take head 1", ops: [{ take: { head: 1 } }], expected: ["a"] },
  { name: "take head 1 tail 1", ops: [{ take: { head: 1, tail: 1 } }], expected: ["a", "c"] },
  { name: "take head 2 tail 2 takes nothing twice", ops: [{ take: { head: 2, tail: 2 } }], expected: S },
  { name: "take tail 2", ops: [{ take: { tail: 2 } }], expected: ["b", "c"] },
  { name: "take head larger than the stack takes all", ops: [{ take: { head: 10 } }], expected: S },
  { name: "take {} fails (empty result)", ops: [{ take: {} }], expected: null },
  { name: "bare take fails (empty result)", ops: ["take"], expected: null },
  { name: "drop head 1 tail 1", ops: [{ drop: { head: 1, tail: 1 } }], expected: ["b"] },
  { name: "drop head 3 fails", ops: [{ drop: { head: 3 } }], expected: null },
  { name: "drop tail 1", ops: [{ drop: { tail: 1 } }], expected: ["a", "b"] },
  { name: "drop {} is a no-op", ops: [{ drop: {} }], expected: S },
  { name: "drop head 2 tail 2 fails", ops: [{ drop: { head: 2, tail: 2 } }], expected: null },
  { name: "swap bottom and top", ops: [{ swap: { from: 0, to: -1 } }], expected: ["c", "b", "a"] },
  { name: "swap same index is a no-op", ops: [{ swap: { from: 1, to: -2 } }], expected: S },
  { name: "swap checks bounds even when equal", ops: [{ swap: { from: 3, to: 3 } }], expected: null },
  { name: "swap with -4 fails", ops: [{ swap: { from: 0, to: -4 } }], expected: null },
  { name: "indexes [-2]", ops: [{ indexes: [-2] }], expected: ["b"] },
  { name: "indexes with duplicates in list order", ops: [{ indexes: [2, 0, 0] }], expected: ["c", "a", "a"] },
  { name: "indexes [] is a no-op", ops: [{ indexes: [] }], expected: S },
  { name: "indexes out of range fails", ops: [{ indexes: [0, 3] }], expected: null },
  { name: "flat_map documented example", ops: [{ flat_map: ["strrev", "split", "reverse"] }], stack: ["abc:123", "def:456"], expected: ["cba", "321", "fed", "654"] },
  { name: "flat_map fails when any run fails", ops: [{ flat_map: [{ prefix: "a" }] }], stack: ["ab", "cd"], expected: null },
  { name: "flat_map with [] keeps the values", ops: [{ flat_map: [] }], expected: S },
  { name: "flat_map run that empties its stack fails", ops: [{ flat_map: ["pop"] }], expected: null },
  { name: "select keeps originals of length ≥ 6", ops: [{ select: [{ strlen: { min: 6 } }] }], stack: ["abc", "abcdef", "abcdefgh"], expected: ["abcdef", "abcdefgh"] },
  { name: "select discards outputs", ops: [{ select: ["split"] }], stack: ["a:b", "c"], expected: ["a:b", "c"] },
  { name: "select keeping nothing fails", ops: [{ select: ["fail"] }], expected: null },
  { name: "select keeps order and duplicates", ops: [{ select: [{ glob: ["a", "c"] }] }], stack: ["a", "b", "c", "a"], expected: ["a", "c", "a"] },
  { name: "values leaves the stack unchanged", ops: ["values"], expected: S },
];

describe("stack ops", () => {
  it.each(rows)("$name", async ({ ops, stack, expected }) => {
    const r = (await fresh()).run(ops, stack ?? S);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
  });
});

describe("values logging", () => {
  it.each([
    { name: "masks every value and quotes the id", params: { id: "creds" }, stack: ["1234567890", "abcd", "é1234"], level: 2, line: '[3scale-auth/stack] values at "creds": ["***7890", "***", "***1234"]' },
    { name: "empty id prints an empty string", params: null, stack: ["secret-key"], level: 2, line: '[3scale-auth/stack] values at "": ["***-key"]' },
    { name: "level is honoured (case-insensitive)", params: { level: "DEBUG", id: "x" }, stack: ["ab"], level: 1, line: '[3scale-auth/stack] values at "x": ["***"]' },
    { name: "surrogate pairs are one character of the 4", params: { level: "error" }, stack: ["abc😀😀😀😀"], level: 4, line: '[3scale-auth/stack] values at "": ["***😀😀😀😀"]' },
  ])("$name", async ({ params, stack, level, line }) => {
    const inst = await fresh();
    const r = inst.run([{ values: params }], stack);
    expect(r.stack).toEqual(stack);
    expect(inst.logs).toEqual([{ level, message: line }]);
  });

  it("never logs a value in clear", async () => {
    const inst = await fresh();
    inst.run(["values", { values: { level: "trace" } }], ["supersecretuserkey"]);
    expect(inst.logs).toHaveLength(2);
    for (const l of inst.logs) expect(l.message).not.toContain("supersecret");
  });
});
