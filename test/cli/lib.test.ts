// The CLI's small pure helpers: path notation, masking, request lines, diagnostic lines.
import { describe, expect, it } from "vitest";
import { formatPath, parsePath, pointerToSegments } from "../../src-host-sim/cli/lib/json-path.js";
import { readDiagnostics, splitPathReason } from "../../src-host-sim/cli/lib/module-check.js";
import { parseHeader, parseRequestLine } from "../../src-host-sim/cli/lib/request-line.js";
import { mask, maskAuthrepPath, Secrets } from "../../src-host-sim/cli/lib/secrets.js";

describe("JSON path notation (docs/configuration.md)", () => {
  it.each([
    [[], "(root)"],
    [["api"], "api"],
    [["backend", "upstream", "timeout"], "backend.upstream.timeout"],
    [["services", 0, "credentials", "app_id", 1, "header", "ops", 2], "services[0].credentials.app_id[1].header.ops[2]"],
    [["services", 0, "x-y"], 'services[0]["x-y"]'],
    [["a b", "c"], '["a b"].c'],
    [["q\"uote"], '["q\\"uote"]'],
    [["_ok9"], "_ok9"],
    [["9lives"], '["9lives"]'],
  ] as Array<[Array<string | number>, string]>)("%j ↔ %s", (segments, text) => {
    expect(formatPath(segments)).toBe(text);
    expect(parsePath(text)).toEqual(segments);
  });

  it.each(["", ".a", "a..b", "a[", "a[x]", 'a["x"', "a b"])("rejects %j", (text) => {
    expect(parsePath(text)).toBeNull();
  });

  it("reads a JSON pointer using the data to tell indexes from digit-named members", () => {
    expect(pointerToSegments("/services/0/x~1y/0", { services: [{ "x/y": { "0": 1 } }] })).toEqual(["services", 0, "x/y", "0"]);
  });
});

describe("diagnostic lines", () => {
  it("splits at the first ': ' after a readable path", () => {
    expect(splitPathReason('services[0]["a: b"]: unknown field')).toEqual({ path: ["services", 0, "a: b"], pathText: 'services[0]["a: b"]', reason: "unknown field" });
  });

  it("picks errors, warnings and the summary out of the module's log", () => {
    const r = readDiagnostics(["something else", "configuration warning: x: unknown field", "invalid configuration: api: missing required field", "configuration rejected: 1 problem(s)"]);
    expect(r.problems.map((p) => [p.severity, p.pathText, p.reason])).toEqual([["warning", "x", "unknown field"], ["error", "api", "missing required field"]]);
    expect(r.summary).toBe("configuration rejected: 1 problem(s)");
  });
});

describe("secrets", () => {
  it.each([["service_token", "***oken"], ["abcd", "***"], ["", "***"], ["añbcdé", "***bcdé"]])("mask(%j) = %j", (v, m) => {
    expect(mask(v)).toBe(m);
  });

  it("masks service_token, user_key and app_key in an authrep path, decoded, and nothing else", () => {
    const path = "/transactions/authrep.xml?service_id=1&service_token=tok_secret&app_id=app1&app_key=pa%20ss1234&usage[hits]=1";
    expect(maskAuthrepPath(path, new Secrets(false))).toBe("/transactions/authrep.xml?service_id=1&service_token=***cret&app_id=app1&app_key=***1234&usage[hits]=1");
    expect(maskAuthrepPath(path, new Secrets(true))).toBe(path);
  });
});

describe("trace request line", () => {
  it.each([
    ["GET https://API.example.com:8443/a/./b?x=1#frag", { method: "GET", scheme: "https", authority: "API.example.com:8443", path: "/a/./b?x=1" }],
    ["post http://h", { method: "POST", scheme: "http", authority: "h", path: "/" }],
    ["GET http://h?user_key=k", { method: "GET", scheme: "http", authority: "h", path: "/?user_key=k" }],
  ])("%s", (text, expected) => {
    expect(parseRequestLine(text)).toEqual(expected);
  });

  it("keeps header values as written and lower-cases names", () => {
    expect(parseHeader("Authorization:  Basic a:b ")).toEqual(["authorization", "Basic a:b"]);
    expect(parseHeader(":authority: h")).toEqual([":authority", "h"]);
  });
});
