// Mapping-rule tables of docs/behaviour.md, through the pipeline's pure functions (the
// same tables run through the whole filter in the simulator in rules.test.ts).
import { describe, expect, it } from "vitest";
import { pipelineEntry } from "./pipeline-entry.js";

type Row = [pattern: string, path: string, match: boolean];

const AUTO = "/auto?maybe_empty=&w=hello&color={color}";
const ABC = "/abc/v{version}/id\\$$?fmt={fmt}&l{an}g={code}&s=1&t=$9";
const ABC_REORDERED = "/abc/v{version}/id\\$$?t=$9&s=1&l{an}g={code}&fmt={fmt}";

const rows: Row[] = [
  ...["/", "/?", "/?a", "/?a=", "/?a=1", "/?a=1&", "/?a=1&b=2", "/some/path", "/some/path/", "/some/path/?a=1&b=2"]
    .map((p): Row => ["/", p, true]),
  ["/?required=1", "/test?optional=1&required=1&other=1", true],
  [AUTO, "/", false],
  [AUTO, "/auto", false],
  [AUTO, "/auto?", false],
  [AUTO, "/auto?w=hello&color=red&maybe_empty", false],
  [AUTO, "/auto?w=hello&color=red&maybe_empty=", true],
  [AUTO, "/auto-matic?w=hello&maybe_empty=&color=green", true],
  [AUTO, "/auto?maybe_empty=its-full-now&color=blue&w=hello", true],
  [AUTO, "/auto-matic?color=black&w=hello&maybe_empty=&", true],
  [AUTO, "/auto-matic?w=hello&color&maybe_empty=", false],
  ...[ABC, ABC_REORDERED].flatMap((p): Row[] => [
    [p, "/abc/v1/id$?fmt=html&lang=ca&s=1&t=$9", true],
    [p, "///abc/v1//id$?fmt=html&lang=ca&s=1&t=$9", true],
    [p, "/abc/v1/v2/id$?fmt=html&lang=ca&s=1&t=$9", false],
    [p, "/abc/v1./id$?fmt=html&lang=ca&other=70&s=1&z=2&t=$9", true],
    [p, "/abc//v2/id$?misc=1&t=$9&fmt=html&z=2&s=1&leng=en", true],
    [p, "/abc/v2/id$?misc=1&t=$998&fmt=html&z=2&s=1&l.g=ca", true],
    [p, "/abc/v1.1/id$?missing_required_params=1", false],
    [p, "/abc/v1/id$?fmt=html&lang=ca&other=70&s=2&z=1&t=$9", false],
    [p, "/abc/v1/id$?fmt=json&lang=ca&other=70&z=2", false],
    [p, "/abc/v1/id?fmt=json&lang=ca&other=70&s=1&z=2&t=$9", false],
  ]),
  ["/o{*}c", "/oidc", true],
  ["/o{*}c", "/oc", false],
  ["/o{*}c", "/o/c", false],
  ["/{anything}?bigsale={*}", "/some?bigsale=1", true],
  ["/{anything}?bigsale={*}", "/x?a=1&bigsale=yes&b=2", true],
  ["/{anything}?bigsale={*}", "/some?bigsale=", false],
  ["/{a}/{b}$", "/x/y", true],
  ["/{a}/{b}$", "/x%20y/z", true],
  ["/{a}/{b}$", "/x/y/z", false],
  ["/products/{id}/sold", "//products//1/sold", true],
  ["/abc$", "/abc?x=1", true],
  ["/abc$", "/abcd", false],
  ["/abc$", "/abc/", false],
  ["/a/c$", "/a/./b/../c", true],
  ["/v1.0/x", "/v1.0/x", true],
  ["/v1.0/x", "/v1X0/x", false],
  ["/foo(bar", "/foo(bar)", true],
  ["/x*$", "/x", true],
  ["/x*$", "/xyz", true],
  ["/x*$", "/x/y", false],
  ["/api/*/items", "/api/v1/items", true],
  ["/api/*/items", "/api/a/b/items", false],
  ["/api/*/items", "/api/items", false],
  ["/x\\*", "/x*", true],
  ["/x\\*", "/xx", false],
  ["/a+b", "/a+b", true],
  ["/a+b", "/aab", false],
  ["/price\\$", "/price$", true],
  ["/price\\$", "/price$x", true],
  ["/price\\$", "/price", false],
  ["/a$b", "/a$b", true],
  ["/{a}.json", "/x.y.json", true],
  ["/abc", "/abcd", true],
  ["/a\\\\b", "/a\\b", true],
  ["/a\\qb", "/a\\qb", true],
  ["/a\\", "/a\\", true],
  ["/{id}$", "/caf\u00e9", true],
  ["/x?q=*", "/x?q=", true],
  ["/x?*", "/x", false],
  ["/x?&&", "/x", true],
];

describe("mapping rules (docs/behaviour.md)", () => {
  it.each(rows)("pattern %j against %j matches: %s", async (pattern, path, match) => {
    const e = await pipelineEntry();
    expect(e.matchRule("ANY", pattern, "GET", path)).toBe(match ? 1 : 0);
  });
});

describe("method comparison", () => {
  it.each([
    ["get", "GET", 1],
    ["any", "DELETE", 1],
    ["POST", "GET", 0],
    ["GET", "get", 1],
  ])("rule method %s against request %s → %i", async (ruleMethod, method, expected) => {
    const e = await pipelineEntry();
    expect(e.matchRule(ruleMethod, "/", method, "/")).toBe(expected);
  });
});

describe("pattern compilation", () => {
  it.each([
    ["/foo{", "unterminated placeholder"],
    ["/foo{}", "empty placeholder"],
    ["/x?a={", "unterminated placeholder"],
    ["/ok/{id}", ""],
    ["noslash", "|warn"],
    ["/foo(bar", ""],
  ])("%j → %j", async (pattern, error) => {
    const e = await pipelineEntry();
    expect(e.patternError(pattern)).toBe(error);
  });
});

describe("request path normalisation", () => {
  it.each([
    ["/a/./b/../c", "/a/c"],
    ["/a/b/..", "/a/"],
    ["/..", "/"],
    ["//a///b", "/a/b"],
    ["/x y", "/x%20y"],
    ["/\u00e9", "/%C3%A9"],
    ["/a%2Fb", "/a%2Fb"],
    ["/a..b/.c", "/a..b/.c"],
    ["/a\tb", "/a%09b"],
  ])("%j → %j", async (input, expected) => {
    const e = await pipelineEntry();
    expect(e.normalizePath(input)).toBe(expected);
  });
});

describe("matching is bounded (no exponential backtracking)", () => {
  it("many placeholders against a long segment that almost matches", async () => {
    const e = await pipelineEntry();
    const pattern = "/" + "{a}".repeat(20) + "x$";
    const path = "/" + "a".repeat(5000) + "y";
    expect(e.matchRule("ANY", pattern, "GET", path)).toBe(0);
    expect(e.matchRule("ANY", pattern, "GET", "/" + "a".repeat(5000) + "x")).toBe(1);
  });

  it("many wildcards in query items", async () => {
    const e = await pipelineEntry();
    const pattern = "/?" + "*".repeat(30) + "z";
    expect(e.matchRule("ANY", pattern, "GET", "/?" + "b".repeat(3000))).toBe(0);
  });
});
