// The worked examples of docs/operations.md and docs/configuration.md
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";
import { BASIC_EXTENDED_OPS as basicExtended, BASIC_SIMPLE_OPS as basicSimple } from "../support/basic-auth-ops.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("Authorization: Basic, simple", () => {
  it.each([
    { header: "Basic YWxhZGRpbjpvcGVuc2VzYW1l", expected: ["aladdin", "opensesame"] },
    { header: "Basic YWRtaW4=", expected: ["admin"] },
    { header: "Basic", expected: null },
    { header: "Basic !!!", expected: null },
  ])("$header → $expected", async ({ header, expected }) => {
    expect((await fresh()).run(basicSimple, [header]).stack).toEqual(expected);
  });

  it("each step's stack matches the table", async () => {
    const t = (await fresh()).trace(basicSimple, ["Basic YWxhZGRpbjpvcGVuc2VzYW1l"]);
    expect(t.steps.map((s) => s.stack)).toEqual([
      ["Basic", "YWxhZGRpbjpvcGVuc2VzYW1l"],
      ["Basic", "YWxhZGRpbjpvcGVuc2VzYW1l"],
      ["YWxhZGRpbjpvcGVuc2VzYW1l"],
      ["aladdin:opensesame"],
      ["aladdin", "opensesame"],
    ]);
  });
});

describe("Authorization: Basic, extended", () => {
  it.each([
    { name: "aladdin:opensesame", header: "Basic YWxhZGRpbjpvcGVuc2VzYW1l", expected: ["aladdin", "opensesame"] },
    { name: "admin: drops the empty key", header: "Basic YWRtaW46", expected: ["admin"] },
    { name: "bob:secret fails the assert", header: "Basic Ym9iOnNlY3JldA==", expected: null },
    { name: "longenusername alone passes", header: "Basic bG9uZ2VudXNlcm5hbWU=", expected: ["longenusername"] },
    { name: "Bearer fails at glob", header: "Bearer YWxhZGRpbjpvcGVuc2VzYW1l", expected: null },
    { name: "lower-case basic fails at glob", header: "basic YWxhZGRpbjpvcGVuc2VzYW1l", expected: null },
    { name: "aladdin with a 64-character key fails at strlen", header: "Basic " + b64("aladdin:" + "k".repeat(64)), expected: null },
    { name: "aladdin with a 63-character key passes", header: "Basic " + b64("aladdin:" + "k".repeat(63)), expected: ["aladdin", "k".repeat(63)] },
    { name: "unpadded admin:pass1 decodes", header: "Basic YWRtaW46cGFzczE", expected: ["admin", "pass1"] },
    { name: "short user and key fails the assert", header: "Basic " + b64("short:key"), expected: null },
    { name: "a key containing ':' stays whole", header: "Basic " + b64("aladdin:a:b"), expected: ["aladdin", "a:b"] },
  ])("$name", async ({ header, expected }) => {
    expect((await fresh()).run(basicExtended, [header]).stack).toEqual(expected);
  });

  it("the stacks of the admin: case follow the table", async () => {
    const t = (await fresh()).trace(basicExtended, ["Basic YWRtaW46"]);
    expect(t.steps.map((s) => [s.op, s.stack])).toEqual([
      ["split", ["Basic", "YWRtaW46"]],
      ["length", ["Basic", "YWRtaW46"]],
      ["reverse", ["YWRtaW46", "Basic"]],
      ["glob", ["YWRtaW46", "Basic"]],
      ["drop", ["YWRtaW46"]],
      ["base64_urlsafe", ["admin:"]],
      ["split", ["admin", ""]],
      ["test", ["admin"]],
      ["assert", ["admin"]],
    ]);
  });
});

describe("x-jwt-payload", () => {
  const listForm = ["base64_urlsafe", { json: [{ keys: ["azp", "aud"] }] }, { take: { head: 1 } }];
  const objectForm = ["base64_urlsafe", { json: { path: [], keys: ["azp", "aud"] } }, { take: { head: 1 } }];
  it.each([
    { name: "padded payload, list form", ops: listForm, value: "eyJhenAiOiJteS1hcHAiLCJhdWQiOiJ4In0=", expected: ["my-app"] },
    { name: "unpadded payload, list form", ops: listForm, value: "eyJhenAiOiJteS1hcHAiLCJhdWQiOiJ4In0", expected: ["my-app"] },
    { name: "padded payload, object form", ops: objectForm, value: "eyJhenAiOiJteS1hcHAiLCJhdWQiOiJ4In0=", expected: ["my-app"] },
    { name: "aud list, take the first", ops: listForm, value: "eyJhdWQiOlsiYSIsImIiXX0", expected: ["a"] },
    { name: "aud list, object form", ops: objectForm, value: "eyJhdWQiOlsiYSIsImIiXX0", expected: ["a"] },
    { name: "no azp nor aud fails", ops: listForm, value: Buffer.from('{"sub":"x"}').toString("base64url"), expected: null },
  ])("$name", async ({ ops, value, expected }) => {
    expect((await fresh()).run(ops, [value]).stack).toEqual(expected);
  });

  it("without take, both aud values are pushed, the last on top", async () => {
    expect((await fresh()).run(["base64_urlsafe", { json: [{ keys: ["azp", "aud"] }] }], ["eyJhdWQiOlsiYSIsImIiXX0"]).stack).toEqual(["a", "b"]);
  });
});

describe("other documented examples", () => {
  it.each([
    { name: "flat_map", ops: [{ flat_map: ["strrev", "split", "reverse"] }], stack: ["abc:123", "def:456"], expected: ["cba", "321", "fed", "654"] },
    { name: "cloned with prepend", ops: [{ cloned: { result: "prepend", ops: ["split"] } }], stack: ["user:password"], expected: ["user", "password", "user:password"] },
    { name: "select", ops: [{ select: [{ strlen: { min: 6 } }] }], stack: ["abc", "abcdef", "abcdefgh"], expected: ["abcdef", "abcdefgh"] },
    { name: "split max 2 then indexes [0] (user_key example)", ops: [{ split: { separator: ":", max: 2 } }, { indexes: [0] }], stack: ["key:extra:more"], expected: ["key"] },
  ])("$name", async ({ ops, stack, expected }) => {
    expect((await fresh()).run(ops, stack).stack).toEqual(expected);
  });
});
