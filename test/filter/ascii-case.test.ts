// Protocol tokens are case-mapped in ASCII only (docs/behaviour.md "lower-cased (ASCII)" method
// upper-cased): a non-ASCII letter keeps its case whatever else the token contains, so Unicode
// rules ("ß" → "SS", "É" → "é") never decide whether a service or a mapping rule matches.
import { describe, expect, it } from "vitest";
import { pipelineEntry } from "./pipeline-entry.js";

describe("authority lower-casing is ASCII-only", () => {
  it.each([
    ["ÉXAMPLE.COM", "http", "Éxample.com"],
    ["STRAẞE.DE:443", "https", "straẞe.de"],
    ["Bücher.Example:80", "http", "bücher.example"],
    ["ÄÖÜ", "https", "ÄÖÜ"],
  ])("%j over %s → %j", async (input, scheme, expected) => {
    const e = await pipelineEntry();
    expect(e.authority(input, scheme)).toBe(expected);
  });
});

describe("method upper-casing is ASCII-only", () => {
  it.each([
    { rule: "get", method: "GeT", matches: 1 },
    { rule: "getß", method: "GETß", matches: 1 },
    { rule: "getß", method: "GETSS", matches: 0 },
    { rule: "GETSS", method: "getß", matches: 0 },
    { rule: "pÓst", method: "PÓST", matches: 1 },
    { rule: "pÓst", method: "PóST", matches: 0 },
  ])("rule $rule vs request $method → $matches", async ({ rule, method, matches }) => {
    const e = await pipelineEntry();
    expect(e.matchRule(rule, "/", method, "/")).toBe(matches);
  });
});
