// docs/behaviour.md's service-selection and mapping-rule tables, parsed from the Markdown and run
// through the module's own functions, so the documented examples stay true.
import { beforeAll, describe, expect, it } from "vitest";
import { OpsInstance } from "../ops/harness.js";
import { pipelineEntry, type PipelineEntry } from "../filter/pipeline-entry.js";
import { read } from "./scan.js";

const doc = read("docs/behaviour.md");

function tableAfter(headerRow: string): string[][] {
  const start = doc.indexOf(headerRow);
  expect(start, headerRow).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of doc.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(" | ").map((c) => c.trim()));
  }
  return rows;
}

const code = (cell: string): string[] => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);

let pipeline: PipelineEntry;
let ops: OpsInstance;
beforeAll(async () => {
  pipeline = await pipelineEntry();
  ops = await OpsInstance.create();
});

describe("service selection table", () => {
  const header = "| scheme | `:authority` | normalised | matches `[\"*.app\", \"0.0.0.0\", \"0.0.0.0:8443\"]` |";
  const rows = tableAfter(header);
  const set = ["*.app", "0.0.0.0", "0.0.0.0:8443"];

  it("has rows", () => expect(rows.length).toBeGreaterThanOrEqual(5));

  it.each(rows.map((r) => [`${r[0]} ${r[1]}`, r] as const))("%s", (_name, [scheme, authority, normalised, matches]) => {
    const n = pipeline.authority(code(authority!)[0]!, scheme!);
    expect(n).toBe(code(normalised!)[0]);
    expect(ops.glob(set, n)).toBe(matches!.startsWith("yes"));
  });
});

describe("mapping-rule table", () => {
  const rows = tableAfter("| pattern | request | matches |");

  it("has rows", () => expect(rows.length).toBeGreaterThanOrEqual(10));

  it.each(rows.map((r) => [code(r[0]!)[0]!, r] as const))("%s", (pattern, [, requests, matches]) => {
    const paths = code(requests!);
    const answers = matches!.split(" / ");
    const expected = paths.map((_, i) => (answers.length === 1 ? answers[0]! : answers[i]!).startsWith("yes") ? 1 : 0);
    expect(paths.map((p) => pipeline.matchRule("ANY", pattern, "GET", p))).toEqual(expected);
  });
});
