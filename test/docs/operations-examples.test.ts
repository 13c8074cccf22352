// docs/operations.md shows one worked example per operation, the glob table and the structured
// lookup table. Each row is parsed out of the Markdown and run through the module's own operation
// engine, so the documentation cannot drift from what the filter does.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OpsInstance } from "../ops/harness.js";
import { encodeStruct } from "../ops/protobuf-encode.js";
import { read } from "./scan.js";

const doc = read("docs/operations.md");

/** The rows of the first Markdown table after `heading`, as cells without their outer backticks. */
function tableAfter(heading: string): string[][] {
  const start = doc.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const lines = doc.slice(start).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(" | ").map((c) => c.trim()));
  }
  return rows;
}

const code = (cell: string): string[] => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);

const ALL_OPS = [
  "base64_standard", "base64_urlsafe", "strlen", "strrev", "split", "rsplit", "replace", "prefix", "suffix", "substr", "glob",
  "length", "join", "reverse", "contains", "push", "pop", "dup", "xchg", "take", "drop", "swap", "indexes", "flat_map", "select", "values",
  "ok", "fail", "any", "one_of", "all", "none", "assert", "refute",
  "test", "and", "or", "xor", "cloned", "partial", "top", "log",
  "json", "protobuf",
];

let ops: OpsInstance;
beforeAll(async () => {
  ops = await OpsInstance.create();
});

describe("one example per operation", () => {
  const rows = tableAfter("### One example per operation");

  it("covers each of the 44 operations exactly once", () => {
    expect(ALL_OPS).toHaveLength(44);
    expect(rows.map((r) => code(r[0]!)[0]).sort()).toEqual([...ALL_OPS].sort());
  });

  it.each(rows.map((r) => [code(r[0]!)[0]!, r] as const))("%s does what the table says", (name, [, before, written, after]) => {
    const op = parse(code(written!)[0]!) as unknown;
    // The protobuf row describes its input (a Struct encoding), which the test builds.
    const stack = name === "protobuf" ? [String.fromCharCode(...encodeStruct({ azp: "web" }))] : (parse(code(before!)[0]!) as string[]);
    const logsBefore = ops.logs.length;
    const result = ops.run([op], stack);
    expect(result.errors).toEqual([]);
    if (after!.startsWith("fails")) {
      expect(result.ok).toBe(false);
      return;
    }
    const [expected, logged] = code(after!);
    expect(result.stack).toEqual(parse(expected!) as string[]);
    if (after!.includes("logs")) expect(ops.logs.slice(logsBefore).map((l) => l.message).join("\n")).toContain(logged!);
  });
});

describe("glob table", () => {
  const rows = tableAfter("| in a pattern | matches |");
  const fixtures = tableAfter("| pattern | text | matches |");

  it.each(fixtures.map((r) => [code(r[0]!)[0]!, r] as const))("%s", (pattern, [, texts, answers]) => {
    const inputs = code(texts!);
    const expected = answers!.split(" / ").map((a) => a.startsWith("yes"));
    expect(inputs.map((t) => ops.glob([pattern], t))).toEqual(expected);
  });

  it("the element table's rows hold", () => {
    expect(rows.length).toBeGreaterThan(5);
    expect(ops.glob(["a*"], "a")).toBe(true);
    expect(ops.glob(["a+"], "a")).toBe(false);
    expect(ops.glob(["a?"], "a")).toBe(true);
    expect(ops.glob(["a\\"], "a\\")).toBe(true);
    expect(ops.glob(["*"], "a\nb")).toBe(false);
  });
});

describe("structured lookup examples", () => {
  const rows = tableAfter("| input | lookup | result |");

  it.each(rows.map((r, i) => [i, r] as const))("row %i", (_i, [input, lookup, result]) => {
    const inputText = code(input!)[0]!;
    if (input!.startsWith("the same")) {
      // "the same with … and no main_secret": the previous row's input, changed as described.
      expect(input).toMatch(/^the same/);
      const docText = JSON.stringify({ claims: { "my.domain": { secrets: { secondary: ["r1", "r2"] } } } });
      expect(ops.lookup(docText, ["claims", "my.domain", "secrets"], ["main_secret", "secondary"])).toEqual(parse(code(result!)[0]!));
      return;
    }
    type Lookup = { path?: string[]; keys?: string[] };
    const text = code(lookup!)[0]!;
    // A list of lookups is written as a YAML list; a single one as the members of a mapping.
    const lookups = text.startsWith("[") ? (parse(text) as Lookup[]) : [parse(`{${text}}`) as Lookup];
    const found = lookups.map((l) => ops.lookup(inputText, l.path ?? [], l.keys ?? [])).find((r) => r !== null) ?? null;
    if (result!.startsWith("fails")) expect(found).toBeNull();
    else expect(found).toEqual(parse(code(result!)[0]!));
  });
});
