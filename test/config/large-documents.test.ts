// How large configurations are read: UTF-8 bytes are read in place (never decoded as a whole), the
// items of "services" are checked first and built one at a time, and identical rules are compiled
// once and shared. None of that may change a single result, error, position or diagnostic.
import { describe, expect, it } from "vitest";
import { Prng } from "../support/prng.js";
import { freshEntry, minimalConfig, minimalService, toArrayBuffer, validate, type ConfigReport, type JsonProbe } from "./entry.js";

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));

describe("reading UTF-8 bytes in place gives what reading the decoded text gives", () => {
  // Every probe pair runs in one instance, as the configuration and porta answers share one VM.
  async function both(text: string): Promise<[JsonProbe, JsonProbe]> {
    const e = await freshEntry();
    return [JSON.parse(e.parseJsonProbe(text)) as JsonProbe, JSON.parse(e.parseJsonBytesProbe(toArrayBuffer(enc(text)))) as JsonProbe];
  }

  it.each([
    '{"é": "ü€😀", "k": ["a\\u00e9b", "\\ud83d\\ude00x", "x😀y\\n"]}',
    '\n  {"名前": "値"}',
    '["é😀", 1.5e3, -0, true, null, {"a": {"b": []}}]',
    '{"a": "é", "b": 😀}',
    '{"é😀": "x" "y"}',
    '["éééé", ]',
    '{"a":\n "é€😀" ,\n  "b": tru}',
    '"😀\\x"',
    '"é\\u12"',
    '"\\ud800 é"',
    '["é", "\u0001"]',
    '{"k": "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀"}',
    '{"services": [{"id": "é"}, {"id": "😀", "x": [1, {"y": "z"}]}, 3, {}]}',
    '{"services": [{"id": "é"}, {"id": "😀" "x": 1}]}',
    '   é',
  ])("%s", async (text) => {
    const [fromText, fromBytes] = await both(text);
    expect(fromBytes).toEqual(fromText);
  });

  it("generated documents with non-ASCII text and cuts agree (seed 20261206)", async () => {
    const prng = new Prng(20261206);
    const pieces = ["é", "😀", "€", "a", "\\u00e9", "\\n", "名"];
    const e = await freshEntry();
    for (let i = 0; i < 300; i++) {
      const str = (): string => Array.from({ length: 1 + Math.floor(prng.next() * 6) }, () => pieces[Math.floor(prng.next() * pieces.length)]!).join("");
      const doc = `{\n "${str()}": ["${str()}", {"${str()}": "${str()}"}],\n "services": [{"id": "${str()}"}, {"k": ["${str()}"]}]}`;
      // Cut the document somewhere (most cuts are malformed JSON at some position).
      const cut = prng.next() < 0.5 ? doc : doc.slice(0, Math.floor(prng.next() * doc.length));
      if (/[\ud800-\udfff]$/.test(cut)) continue; // half a surrogate pair has no UTF-8 form
      const fromText = JSON.parse(e.parseJsonProbe(cut)) as JsonProbe;
      const fromBytes = JSON.parse(e.parseJsonBytesProbe(toArrayBuffer(enc(cut)))) as JsonProbe;
      expect(fromBytes, cut).toEqual(fromText);
    }
  });

});

describe("services are built one at a time", () => {
  it("a syntax error inside a later service is reported at its line and column", async () => {
    const svc = JSON.stringify(minimalService());
    const text = `{"api": "v1", "backend": ${JSON.stringify(minimalConfig()["backend"])},\n"services": [${svc},\n${svc},\n  {"id": "é😀" "token": "t"}]}`;
    const r = await validate(text);
    expect(r.ok).toBe(false);
    // Column 15 in characters: "😀" is one character (two UTF-16 units, four bytes).
    expect(r.errors).toEqual(["(root): malformed JSON at line 4, column 15: unexpected character '\"', expected ',' or '}'"]);
  });

  it("duplicate members inside services are listed with the other duplicates, in document order", async () => {
    const base = minimalService();
    const text = `{"api": "v1", "api": "v1", "backend": ${JSON.stringify(minimalConfig()["backend"])}, "services": [` +
      `${JSON.stringify(base).replace(/^\{/, '{"environment": "staging", "environment": "staging", ')},` +
      `${JSON.stringify({ ...base, id: "2" }).replace(/^\{/, '{"token": "x", ')}]}`;
    const r = await validate(text);
    const duplicates = r.errors.filter((e) => e.endsWith("duplicate field"));
    expect(duplicates).toEqual(["api: duplicate field", "services[0].environment: duplicate field", "services[1].token: duplicate field"]);
    expect(r.errors.slice(0, 3)).toEqual(duplicates);
  });

  it("a services item that is not an object is still reported as such", async () => {
    const r = await validate({ ...minimalConfig(), services: [minimalService(), "x", 3] });
    expect(r.errors).toEqual(["services[1]: expected object, got string", "services[2]: expected object, got integer"]);
  });
});

describe("identical rules are shared without mixing services up", () => {
  it("services with the same patterns keep their own methods, usages and `last`", async () => {
    const rules = (metric: string, delta: number, last: boolean): unknown[] => [
      { method: "GET", pattern: "/a/{id}", usages: [{ name: metric, delta }], last },
      { method: "POST", pattern: "/a/{id}", usages: [{ name: metric, delta }] },
    ];
    const services = [
      { ...minimalService(), id: "1", mapping_rules: rules("hits", 1, false) },
      { ...minimalService(), id: "2", mapping_rules: rules("hits", 1, false) },
      { ...minimalService(), id: "3", mapping_rules: rules("hits", 2, false) },
      { ...minimalService(), id: "4", mapping_rules: rules("other", 1, true) },
    ];
    const r: ConfigReport = await validate({ ...minimalConfig(), services });
    expect(r.ok).toBe(true);
    const summary = r.config!.services.map((s) => s.mapping_rules.map((m) => [m.method, m.pattern, m.usages.map((u) => `${u.name}:${u.delta}`).join(","), m.last]));
    expect(summary).toEqual([
      [["GET", "/a/{id}", "hits:1", false], ["POST", "/a/{id}", "hits:1", false]],
      [["GET", "/a/{id}", "hits:1", false], ["POST", "/a/{id}", "hits:1", false]],
      [["GET", "/a/{id}", "hits:2", false], ["POST", "/a/{id}", "hits:2", false]],
      [["GET", "/a/{id}", "other:1", true], ["POST", "/a/{id}", "other:1", false]],
    ]);
  });
});
