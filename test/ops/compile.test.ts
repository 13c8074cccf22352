// How ops are written (docs/configuration.md) and the diagnostics of a bad `ops` array.
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";

type Row = { name: string; ops: unknown; errors?: string[]; warnings?: string[] };

const accepted: Row[] = [
  { name: "bare strings for ops with optional parameters", ops: ["base64_standard", "base64_urlsafe", "strrev", "reverse", "ok", "pop", "dup", "strlen", "split", "rsplit", "length", "take", "drop", "values", "fail"] },
  { name: "null parameters for the same ops", ops: [{ strlen: null }, { split: null }, { pop: null }, { dup: null }, { values: null }, { take: null }] },
  { name: "empty object parameters", ops: [{ reverse: {} }, { strlen: {} }, { drop: {} }, { length: {} }, { ok: {} }] },
  { name: "all 44 operations in their object form", ops: [
    "base64_standard", "base64_urlsafe",
    { strlen: { min: 0, max: 4294967295, mode: "bytes" } }, "strrev", { split: { separator: ",", max: 3 } }, { rsplit: { separator: ",", max: 3 } },
    { replace: { pattern: "a", with: "b", max: 1 } }, { prefix: "p" }, { suffix: "s" }, { substr: "m" }, { glob: ["*"] },
    { length: { min: 1, max: 2 } }, { join: "," }, "reverse", { contains: "x" }, { push: "x" }, { pop: 1 }, { dup: -2147483648 }, { xchg: "y" },
    { take: { head: 1, tail: 1 } }, { drop: { head: 0, tail: 0 } }, { swap: { from: 2147483647, to: -1 } }, { indexes: [0, -1] },
    { flat_map: ["ok"] }, { select: ["ok"] }, { values: { level: "critical", id: "here" } },
    "ok", "fail", { any: ["ok"] }, { one_of: ["ok"] }, { all: ["ok"] }, { none: ["fail"] }, { assert: ["ok"] }, { refute: ["fail"] },
    { test: { if: "ok", then: [], else: [] } }, { and: [] }, { or: ["ok"] }, { xor: ["ok"] }, { cloned: { ops: [], result: "append" } },
    { partial: { ops: [], result: "prepend", max: 4294967295 } }, { top: [] }, { log: { msg: "m", level: "error" } },
    { json: { path: [], keys: [] } }, { protobuf: [{ keys: ["a"] }] },
  ] },
  { name: "null ops list", ops: null },
];

const rejected: Row[] = [
  { name: "unknown operation", ops: ["len"], errors: ['ops[0]: unknown operation "len"'] },
  { name: "no aliases: true", ops: [{ true: null }], errors: ['ops[0]: unknown operation "true"'] },
  { name: "operation names are case-sensitive", ops: ["Reverse"], errors: ['ops[0]: unknown operation "Reverse"'] },
  { name: "object with two members", ops: [{ pop: 1, push: "x" }], errors: ["ops[0]: an operation must have exactly one member"] },
  { name: "object with no member", ops: [{}], errors: ["ops[0]: an operation must have exactly one member"] },
  { name: "an op that is a number", ops: [5], errors: ["ops[0]: expected object, got integer"] },
  { name: "ops that is not a list", ops: { reverse: null }, errors: ["ops: expected array, got object"] },
  { name: "missing required parameter (null)", ops: [{ join: null }], errors: ["ops[0].join: missing required field"] },
  { name: "bare string of an op with required parameters", ops: ["prefix"], errors: ["ops[0].prefix: missing required field"] },
  { name: "missing required member", ops: [{ replace: { pattern: "a" } }], errors: ["ops[0].replace.with: missing required field"] },
  { name: "swap requires both indexes", ops: [{ swap: {} }], errors: ["ops[0].swap.from: missing required field", "ops[0].swap.to: missing required field"] },
  { name: "json requires keys", ops: [{ json: { path: ["a"] } }], errors: ["ops[0].json.keys: missing required field"] },
  { name: "json list element requires keys", ops: [{ json: [{ keys: [] }, { path: [] }] }], errors: ["ops[0].json[1].keys: missing required field"] },
  { name: "json list element must be an object", ops: [{ json: [["a"], ["b"]] }], errors: ["ops[0].json[0]: expected object, got array", "ops[0].json[1]: expected object, got array"] },
  { name: "json path elements must be strings", ops: [{ json: { path: [0], keys: ["a"] } }], errors: ["ops[0].json.path[0]: expected string, got integer"] },
  { name: "wrong type: string parameter", ops: [{ prefix: 1 }], errors: ["ops[0].prefix: expected string, got integer"] },
  { name: "wrong type: integer written as string", ops: [{ pop: "1" }], errors: ["ops[0].pop: expected integer, got string"] },
  { name: "wrong type: fraction", ops: [{ pop: 1.5 }], errors: ["ops[0].pop: expected integer, got number"] },
  { name: "wrong type: boolean", ops: [{ strlen: { min: true } }], errors: ["ops[0].strlen.min: expected integer, got boolean"] },
  { name: "unsigned out of range (negative)", ops: [{ pop: -1 }], errors: ["ops[0].pop: integer out of range (0..4294967295)"] },
  { name: "unsigned out of range (too large)", ops: [{ take: { head: 4294967296 } }], errors: ["ops[0].take.head: integer out of range (0..4294967295)"] },
  { name: "signed out of range", ops: [{ dup: 2147483648 }], errors: ["ops[0].dup: integer out of range (-2147483648..2147483647)"] },
  { name: "signed list element out of range", ops: [{ indexes: [0, -2147483649] }], errors: ["ops[0].indexes[1]: integer out of range (-2147483648..2147483647)"] },
  { name: "invalid enumerated mode", ops: [{ strlen: { mode: "chars" } }], errors: ['ops[0].strlen.mode: invalid value "chars" (expected one of utf8, bytes)'] },
  { name: "invalid result", ops: [{ cloned: { ops: [], result: "middle" } }], errors: ['ops[0].cloned.result: invalid value "middle" (expected one of append, prepend)'] },
  { name: "invalid level", ops: [{ log: { msg: "x", level: "verbose" } }], errors: ['ops[0].log.level: invalid value "verbose" (expected one of trace, debug, info, warn, error, critical)'] },
  { name: "positional array for a struct parameter", ops: [{ take: [1, 1] }], errors: ["ops[0].take: expected object, got array"] },
  { name: "a parameter of the wrong type is one problem, not also its missing members", ops: [{ test: ["ok"] }, { replace: "x" }, { json: 5 }],
    errors: ["ops[0].test: expected object, got array", "ops[1].replace: expected object, got string", "ops[2].json: expected object, got integer"] },
  { name: "test.if takes one op, not a list", ops: [{ test: { if: ["ok"], then: [] } }], errors: ["ops[0].test.if: expected object, got array"] },
  { name: "test requires if and then", ops: [{ test: {} }], errors: ["ops[0].test.if: missing required field", "ops[0].test.then: missing required field"] },
  { name: "op lists must be arrays", ops: [{ any: "ok" }], errors: ["ops[0].any: expected array, got string"] },
  { name: "cloned requires ops", ops: [{ cloned: {} }], errors: ["ops[0].cloned.ops: missing required field"] },
  { name: "log requires msg", ops: [{ log: {} }], errors: ["ops[0].log.msg: missing required field"] },
  { name: "glob elements must be strings", ops: [{ glob: ["a", null] }], errors: ["ops[0].glob[1]: expected string, got null"] },
  { name: "reverse with a non-object parameter", ops: [{ reverse: 1 }], errors: ["ops[0].reverse: expected object, got integer"] },
  { name: "every problem is reported", ops: ["nope", { pop: -1 }, { join: 3 }], errors: ['ops[0]: unknown operation "nope"', "ops[1].pop: integer out of range (0..4294967295)", "ops[2].join: expected string, got integer"] },
  { name: "nested paths", ops: ["reverse", { test: { if: { length: { min: 2 } }, then: [{ strlen: { max: 63 } }, { or: [{ strlen: { min: "1" } }, { drop: { tail: 1 } }] }] } }],
    errors: ["ops[1].test.then[1].or[0].strlen.min: expected integer, got string"] },
  { name: "nested path inside if", ops: [{ test: { if: { bogus: 1 }, then: [] } }], errors: ['ops[0].test.if: unknown operation "bogus"'] },
  { name: "nested path inside flat_map", ops: [{ flat_map: [{ split: { max: -1 } }] }], errors: ["ops[0].flat_map[0].split.max: integer out of range (0..4294967295)"] },
];

const warned: Row[] = [
  { name: "unknown member inside a parameter object", ops: [{ split: { separator: " ", max: 2, indexes: [1] } }], warnings: ["ops[0].split.indexes: unknown field"] },
  { name: "unknown member in a no-parameter op", ops: [{ reverse: { x: 1 } }], warnings: ["ops[0].reverse.x: unknown field"] },
  { name: "unknown member in a lookup", ops: [{ json: { keys: ["a"], extra: true } }], warnings: ["ops[0].json.extra: unknown field"] },
  { name: "member names needing quotes", ops: [{ take: { "head-1": 1 } }], warnings: ['ops[0].take["head-1"]: unknown field'] },
  { name: "nested unknown member", ops: [{ test: { if: "ok", then: [{ log: { msg: "m", lvl: "x" } }], otherwise: [] } }], warnings: ["ops[0].test.then[0].log.lvl: unknown field", "ops[0].test.otherwise: unknown field"] },
];

describe("accepted forms", () => {
  it.each(accepted)("$name", async ({ ops }) => {
    expect((await fresh()).compile(ops)).toEqual({ errors: [], warnings: [] });
  });
});

describe("invalid ops", () => {
  it.each(rejected.filter((r) => r.errors!.length > 0))("$name", async ({ ops, errors }) => {
    const inst = await fresh();
    expect(inst.compile(ops).errors).toEqual(errors);
    // A program with errors never runs.
    expect(inst.run(ops, ["x"]).ok).toBe(false);
  });

  it("5000.0 and 5e3 are not integers", async () => {
    const inst = await fresh();
    expect(inst.runRaw('[{"pop": 1.0}]', ["a", "b"]).errors).toEqual(["ops[0].pop: expected integer, got number"]);
    expect(inst.runRaw('[{"pop": 1e0}]', ["a", "b"]).errors).toEqual(["ops[0].pop: expected integer, got number"]);
  });

  it("uses the caller's path prefix", async () => {
    const path = "services[0].credentials.app_id[0].header.ops";
    expect((await fresh()).compile([{ split: { max: "2" } }], path).errors).toEqual([`${path}[0].split.max: expected integer, got string`]);
  });
});

describe("warnings", () => {
  it.each(warned)("$name", async ({ ops, warnings }) => {
    expect((await fresh()).compile(ops)).toEqual({ errors: [], warnings });
  });
});
