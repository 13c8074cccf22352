// Format ops and structured lookup (docs/operations.md), protobuf decoding.
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";
import { encodeMetadata, encodeStruct, lenField, tag, varint } from "./protobuf-encode.js";

const example1 = JSON.stringify({
  claims: {
    "some.domain": {},
    "my.domain": { some_data: [], secrets: { main_secret: "an_important_secret", secondary_secrets: ["random_secret1", "random_secret2"] } },
  },
});
const example2 = JSON.stringify({ a7d12fba9c025e63: [{ name: "James" }, "a_s3kr3t", { address: {} }] });

describe("json op", () => {
  it.each([
    { name: "example 1 pushes the main secret", doc: example1, lookup: { path: ["claims", "my.domain", "secrets"], keys: ["main_secret", "secondary_secrets"] }, expected: ["an_important_secret"] },
    { name: "example 1 without main_secret pushes the list, last on top", doc: example1, lookup: { path: ["claims", "my.domain", "secrets"], keys: ["secondary_secrets"] }, expected: ["random_secret1", "random_secret2"] },
    { name: "example 2: \"0\" selects the single entry, key 1 the element", doc: example2, lookup: { path: ["0"], keys: ["1"] }, expected: ["a_s3kr3t"] },
    { name: "single entry with empty keys", doc: '{"only":"v"}', lookup: { path: ["0"], keys: [] }, expected: ["v"] },
    { name: "\"0\" fallback needs exactly one entry", doc: '{"a":"x","b":"y"}', lookup: { path: ["0"], keys: [] }, expected: null },
    { name: "a non-resolvable key moves on to the next", doc: '{"main":5,"alt":"s"}', lookup: { keys: ["main", "alt"] }, expected: ["s"] },
    { name: "a list mixing strings and numbers is not resolvable", doc: '{"aud":["a",1]}', lookup: { keys: ["aud"] }, expected: null },
    { name: "a single-entry object holding a string resolves", doc: '{"k":{"inner":"v"}}', lookup: { keys: ["k"] }, expected: ["v"] },
    { name: "a single-entry object holding a list resolves", doc: '{"k":{"inner":["v","w"]}}', lookup: { keys: ["k"] }, expected: ["v", "w"] },
    { name: "a two-entry object is not resolvable", doc: '{"k":{"a":"v","b":"w"}}', lookup: { keys: ["k"] }, expected: null },
    { name: "a list with empty keys", doc: '["x","y"]', lookup: { keys: [] }, expected: ["x", "y"] },
    { name: "a string matched by its own value", doc: '"abc"', lookup: { keys: ["abc"] }, expected: ["abc"] },
    { name: "a string not equal to the key", doc: '"abc"', lookup: { keys: ["abd"] }, expected: null },
    { name: "an empty list fails (G6)", doc: "[]", lookup: { keys: [] }, expected: null },
    { name: "an empty list value moves on to the next key", doc: '{"azp":[],"aud":"x"}', lookup: { keys: ["azp", "aud"] }, expected: ["x"] },
    { name: "invalid JSON fails", doc: "not json", lookup: { keys: ["a"] }, expected: null },
    { name: "numbers are never converted", doc: '{"a":1}', lookup: { keys: ["a"] }, expected: null },
    { name: "booleans are never converted", doc: '{"a":true}', lookup: { keys: ["a"] }, expected: null },
    { name: "null is not resolvable", doc: '{"a":null}', lookup: { keys: ["a"] }, expected: null },
    { name: "path \"\" stays in place", doc: '{"a":{"b":"x"}}', lookup: { path: ["", "a", ""], keys: ["b"] }, expected: ["x"] },
    { name: "path digits index a list (leading zeros allowed)", doc: '{"l":["p","q"]}', lookup: { path: ["l", "001"], keys: ["q"] }, expected: ["q"] },
    { name: "path index past the end fails", doc: '{"l":["p"]}', lookup: { path: ["l", "1"], keys: [] }, expected: null },
    { name: "path non-digit segment on a list fails", doc: '{"l":["p"]}', lookup: { path: ["l", "-0"], keys: [] }, expected: null },
    { name: "path into a number fails", doc: '{"n":1}', lookup: { path: ["n", "x"], keys: [] }, expected: null },
    { name: "path matching a string by value", doc: '{"s":"v"}', lookup: { path: ["s", "v"], keys: [] }, expected: ["v"] },
    { name: "path keys: an existing entry named 0 wins over the fallback", doc: '{"0":"zero"}', lookup: { keys: ["0"] }, expected: ["zero"] },
    { name: "key \"0\" fallback on a single-entry object", doc: '{"x":"v"}', lookup: { keys: ["0"] }, expected: ["v"] },
    { name: "key digits on a list picks the element", doc: '["a",["b","c"]]', lookup: { keys: ["1"] }, expected: ["b", "c"] },
    { name: "key digits on a list: a non-resolvable element moves on", doc: '[1,"b"]', lookup: { keys: ["0", "1"] }, expected: ["b"] },
    { name: "empty keys need a string or list, not an object", doc: '{"a":"x"}', lookup: { keys: [] }, expected: null },
    { name: "nesting of 64 levels is accepted", doc: "[".repeat(63) + '"deep"' + "]".repeat(63), lookup: { path: Array(62).fill("0"), keys: [] }, expected: ["deep"] },
    { name: "nesting over 64 levels fails (G1)", doc: "[".repeat(65) + '"deep"' + "]".repeat(65), lookup: { keys: [] }, expected: null },
  ])("$name", async ({ doc, lookup, expected }) => {
    const inst = await fresh();
    const r = inst.run([{ json: lookup }], ["below", doc]);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected === null ? null : ["below", ...expected]);
    // The same lookup through the exported structuredLookup.
    if (!doc.startsWith("[".repeat(65)) && doc !== "not json") {
      expect(inst.lookup(doc, (lookup as { path?: string[] }).path ?? [], lookup.keys)).toEqual(expected);
    }
  });

  it.each([
    { name: "list form: the first lookup that resolves wins", doc: '{"azp":"my-app","aud":"x"}', lookups: [{ keys: ["azp", "aud"] }], expected: ["my-app"] },
    { name: "list form: a failing lookup moves on", doc: '{"aud":["a","b"]}', lookups: [{ path: ["missing"], keys: ["x"] }, { keys: ["azp", "aud"] }], expected: ["a", "b"] },
    { name: "list form: nothing resolves", doc: '{"aud":1}', lookups: [{ keys: ["azp"] }, { keys: ["aud"] }], expected: null },
    { name: "list form: empty list never resolves", doc: '"x"', lookups: [], expected: null },
  ])("$name", async ({ doc, lookups, expected }) => {
    const r = (await fresh()).run([{ json: lookups }], [doc]);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
  });
});

describe("protobuf op", () => {
  // A Struct's bytes pass through the stack only when they are valid UTF-8.
  const structText = (obj: Record<string, unknown>) => Buffer.from(encodeStruct(obj as never)).toString("utf8");

  it.each([
    { name: "a string field", obj: { azp: "my-app" }, lookup: { keys: ["azp"] }, expected: ["my-app"] },
    { name: "a nested struct and a list", obj: { claims: { aud: ["a", "b"] } }, lookup: { path: ["claims"], keys: ["aud"] }, expected: ["a", "b"] },
    { name: "list form, first lookup fails", obj: { aud: "x" }, lookup: [{ keys: ["azp"] }, { keys: ["aud"] }], expected: ["x"] },
    { name: "a bool is not resolvable", obj: { flag: true }, lookup: { keys: ["flag"] }, expected: null },
  ])("$name", async ({ obj, lookup, expected }) => {
    const text = structText(obj);
    expect(Buffer.from(text, "utf8")).toEqual(Buffer.from(encodeStruct(obj as never)));
    const r = (await fresh()).run([{ protobuf: lookup }], [text]);
    expect(r.stack).toEqual(expected);
  });

  it("a value that is not a Struct encoding fails", async () => {
    const r = (await fresh()).run([{ protobuf: { keys: ["a"] } }], ["\u0007garbage"]);
    expect(r.stack).toBeNull();
  });
});

describe("protobuf decoders", () => {
  const jwt = { verified_jwt: { azp: "my-app", aud: ["a", "b"], exp: 1700000000, admin: false, nothing: null } };

  it("decodes filter_metadata[ns] to a JSON tree", async () => {
    const bytes = encodeMetadata({ "other.ns": { x: "y" }, "envoy.filters.http.jwt_authn": jwt });
    expect((await fresh()).decodeMetadata(bytes, "envoy.filters.http.jwt_authn")).toEqual(jwt);
  });

  it.each([
    { name: "namespace absent", path: ["missing.ns", "0"], keys: ["azp"], expected: null },
    { name: "\"0\" selects the single payload entry", path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"], expected: ["my-app"] },
    { name: "aud list", path: ["envoy.filters.http.jwt_authn", "verified_jwt"], keys: ["aud"], expected: ["a", "b"] },
    { name: "numbers are not resolvable", path: ["envoy.filters.http.jwt_authn", "0"], keys: ["exp"], expected: null },
    { name: "path[0] has no \"0\" fallback", path: ["0", "0"], keys: ["azp"], expected: null },
  ])("filter lookup: $name", async ({ path, keys, expected }) => {
    const bytes = encodeMetadata({ "envoy.filters.http.jwt_authn": jwt });
    expect((await fresh()).filterLookup(bytes, path, keys)).toEqual(expected);
  });

  it("ignores typed_filter_metadata and unknown fields", async () => {
    const typed = lenField(2, [...lenField(1, [...Buffer.from("k")]), ...lenField(2, [1, 2, 3])]);
    const unknownVarint = [...tag(9, 0), ...varint(300)];
    const unknownFixed = [...tag(10, 5), 1, 2, 3, 4, ...tag(11, 1), 1, 2, 3, 4, 5, 6, 7, 8];
    const bytes = encodeMetadata({ ns: { a: "b" } }, [...typed, ...unknownVarint, ...unknownFixed]);
    expect((await fresh()).decodeMetadata(bytes, "ns")).toEqual({ a: "b" });
  });

  it("a repeated map key: the last entry wins", async () => {
    const bytes = Uint8Array.from([...encodeMetadata({ ns: { a: "first" } }), ...encodeMetadata({ ns: { a: "second" } })]);
    expect((await fresh()).decodeMetadata(bytes, "ns")).toEqual({ a: "second" });
    const s = Uint8Array.from([...encodeStruct({ k: "1" }), ...encodeStruct({ k: "2" })]);
    expect((await fresh()).decodeStruct(s)).toEqual({ k: "2" });
  });

  it("many keys decode in linear time", async () => {
    const obj: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) obj["k" + i] = "v" + i;
    const out = (await fresh()).decodeStruct(Uint8Array.from(encodeStruct(obj))) as Record<string, string>;
    expect(Object.keys(out)).toHaveLength(5000);
    expect(out.k4999).toBe("v4999");
  });

  it.each([
    { name: "empty input is an empty Metadata (namespace absent)", bytes: [] },
    { name: "truncated varint", bytes: [0x0a] },
    { name: "length past the end", bytes: [0x0a, 0x05, 0x0a] },
    { name: "group wire type", bytes: [0x0b] },
    { name: "invalid UTF-8 key", bytes: lenField(1, [...lenField(1, [0xff]), ...lenField(2, [])]) },
    { name: "ten-byte varint overflow", bytes: [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] },
    { name: "struct value with a truncated double", bytes: lenField(1, [...lenField(1, [0x6e, 0x73]), ...lenField(2, lenField(1, [...lenField(1, [0x61]), ...lenField(2, [0x11, 1, 2])]))]) },
  ])("garbage gives null: $name", async ({ bytes }) => {
    expect((await fresh()).decodeMetadata(Uint8Array.from(bytes), "ns")).toBeNull();
  });

  it("nesting deeper than 64 gives null, 60 levels decode", async () => {
    const nest = (n: number): Record<string, unknown> => (n === 0 ? { leaf: "x" } : { d: nest(n - 1) });
    const inst = await fresh();
    expect(inst.decodeStruct(Uint8Array.from(encodeStruct(nest(30) as never)))).toEqual(nest(30));
    expect(inst.decodeStruct(Uint8Array.from(encodeStruct(nest(100) as never)))).toBeNull();
  });

  it("random garbage never traps", async () => {
    const inst = await fresh();
    let seed = 7;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) >>> 24);
    const valid = encodeMetadata({ ns: { a: ["b", { c: 1 }], d: { e: null } } });
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from(valid);
      for (let k = 0; k < 1 + (i % 4); k++) bytes[rnd() % bytes.length] = rnd();
      const out = inst.decodeMetadata(bytes.subarray(0, bytes.length - (i % 3)), "ns");
      expect(out === null || typeof out === "object").toBe(true);
    }
  });
});
