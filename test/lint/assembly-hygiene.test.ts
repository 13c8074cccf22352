// CI guards for two classes of bug the filter has hit:
// - `Array#join` from AssemblyScript's std becomes quadratic under `--shrinkLevel >= 1`; product
//   code uses `joinStrings` (assembly/util/strings.ts), which is linear whatever the flags.
// - `throw` is a VM trap in AssemblyScript 0.28 (no exceptions), and a trap fails every request
//   on the worker; product code returns a status or null instead.
// assembly/testing/ holds test-only entries that never ship, so it is not checked.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findInCode, scanFiles, sourceFiles } from "./source-scan.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const STD_JOIN = /\.join\s*\(/;
const THROW = /\bthrow\b/;

describe("source scanner", () => {
  it.each([
    { name: "a join call", source: "const s = parts.join(\",\");", pattern: STD_JOIN, lines: [1] },
    { name: "a join call with a space before the parenthesis", source: "x = a.join (\"\")", pattern: STD_JOIN, lines: [1] },
    { name: "a join mentioned in a line comment", source: "// never call parts.join(\",\")\nf();", pattern: STD_JOIN, lines: [] },
    { name: "a join mentioned in a block comment", source: "/*\n parts.join(\",\")\n*/ g();", pattern: STD_JOIN, lines: [] },
    { name: "a join inside a string literal", source: "log(\"use .join( never\"); h('.join(');", pattern: STD_JOIN, lines: [] },
    { name: "code after an escaped quote", source: "a = \"\\\"\"; b = c.join(\"\");", pattern: STD_JOIN, lines: [1] },
    { name: "joinStrings (the linear helper)", source: "joinStrings(parts, \",\")", pattern: STD_JOIN, lines: [] },
    { name: "a throw statement on line 2", source: "function f(): void {\n  throw new Error(\"x\");\n}", pattern: THROW, lines: [2] },
    { name: "an identifier that starts with throw", source: "throwIfBad(x); const rethrown = 1;", pattern: THROW, lines: [] },
    { name: "throw in a comment", source: "// AssemblyScript: throw traps\nreturn null;", pattern: THROW, lines: [] },
  ])("finds $name on lines $lines", ({ source, pattern, lines }) => {
    expect(findInCode(source, pattern).map((f) => f.line)).toEqual(lines);
  });
});

describe("assembly/ product sources", () => {
  const files = sourceFiles(ROOT, "assembly", ["assembly/testing/"]);

  it("are found (the guard scans real files)", () => {
    expect(files).toContain("assembly/index.ts");
    expect(files).toContain("assembly/util/strings.ts");
    expect(files.some((f) => f.startsWith("assembly/testing/"))).toBe(false);
  });

  it.each([
    { rule: "never call the std Array#join (use joinStrings from util/strings)", pattern: STD_JOIN },
    { rule: "never throw (a throw is a VM trap)", pattern: THROW },
  ])("$rule", ({ pattern }) => {
    const offenders = scanFiles(ROOT, files, pattern).map((f) => `${f.file}:${f.line}: ${f.text}`);
    expect(offenders).toEqual([]);
  });
});
