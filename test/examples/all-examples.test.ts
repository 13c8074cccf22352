// Every configuration a user may copy is checked with the JSON Schema and the compiled module
// (`validate`): each example file (bare configurations and WasmPlugin manifests, found by listing
// examples/, so a new file cannot be forgotten) and each complete configuration shown in README or
// docs/ (a YAML block with `api:`, or the JSON string of an Envoy filter in a YAML block).
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";

interface Report {
  valid: boolean;
  documents: Array<{ problems: Array<{ severity: string }>; module: string }>;
}

async function validate(file: string): Promise<Report> {
  const io = new BufferIo();
  await runCli(["validate", file, "--json"], io);
  return JSON.parse(io.stdout) as Report;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = `${dir}/${f}`;
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// seed.yaml seeds the simulators; it is not a filter configuration.
const exampleFiles = walk("examples").filter((f) => f.endsWith(".yaml") && f !== "examples/seed.yaml");
const isConfiguration = (file: string): boolean =>
  parseAllDocuments(readFileSync(file, "utf8")).some((d) => {
    const js = d.toJS() as Record<string, unknown> | null;
    return js !== null && (js.kind === "WasmPlugin" || "api" in js);
  });

describe("every example configuration", () => {
  const configs = exampleFiles.filter(isConfiguration);

  it("finds the examples", () => {
    expect(configs.length).toBeGreaterThanOrEqual(25);
    // Every YAML file in examples/ is a configuration, a manifest with other Istio resources, or the seed.
    for (const f of exampleFiles.filter((x) => !configs.includes(x))) expect(readFileSync(f, "utf8")).toMatch(/kind: (ServiceEntry|DestinationRule)/);
  });

  it.each(configs)("%s is accepted by the schema and the module, with no error", async (file) => {
    const report = await validate(file);
    expect(report.documents.length).toBeGreaterThan(0);
    for (const d of report.documents) {
      expect(d.problems.filter((p) => p.severity === "error")).toEqual([]);
      expect(d.module).toMatch(/^configuration accepted: api v1/);
    }
    expect(report.valid).toBe(true);
  });
});

// ---------------------------------------------------------------- configurations shown in the docs

const dir = mkdtempSync(join(tmpdir(), "docs-configs-"));
const markdown = ["README.md", ...readdirSync("docs").map((f) => `docs/${f}`)];

/** Complete configurations in the fenced YAML blocks of a Markdown file. */
function configurationsIn(file: string): Array<{ name: string; json: unknown }> {
  const out: Array<{ name: string; json: unknown }> = [];
  const text = readFileSync(file, "utf8");
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)];
  blocks.forEach((m, i) => {
    // A block introduced as one with mistakes is meant to fail (docs/cli.md shows validate on it).
    if (/with mistakes[^\n]*\n+$/.test(text.slice(0, m.index))) return;
    let doc: unknown;
    try {
      doc = parse(m[1]!);
    } catch {
      return; // fragments with placeholders are not complete configurations
    }
    const complete = doc !== null && typeof doc === "object" && ["api", "backend", "services"].every((k) => k in doc);
    if (complete) out.push({ name: `${file} block ${i + 1}`, json: doc });
    const envoyJson = /"@type": type\.googleapis\.com\/google\.protobuf\.StringValue\n\s*value: \|\n([\s\S]*?)\n\s*(?:failure_policy|- name)/.exec(m[1]!);
    if (envoyJson) out.push({ name: `${file} block ${i + 1} (Envoy)`, json: JSON.parse(envoyJson[1]!.replace("<service token>", "service_token")) });
  });
  return out;
}

describe("configurations shown in README and docs/", () => {
  const shown = markdown.flatMap(configurationsIn);

  it("finds the README's configuration and the Envoy wrapper of docs/configuration.md", () => {
    expect(shown.map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^README\.md/), expect.stringMatching(/^docs\/configuration\.md .*\(Envoy\)/)]));
  });

  it.each(shown.map((s) => [s.name, s.json] as const))("%s is accepted with no error", async (name, json) => {
    const file = join(dir, `${name.replace(/[^\w]+/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(json));
    const report = await validate(file);
    expect(report.documents[0]!.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(report.valid).toBe(true);
  });
});
