// Schema and module agree: every valid fixture passes both the JSON Schema and the real module's
// proxy_on_configure (run in the host simulator); every invalid fixture is rejected by the module
// with the documented `<path>: <reason>` and by the CLI's static checks (schema or reader), except
// the lexical cases only the module can see, which are listed as such.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPath } from "../../src-host-sim/cli/lib/json-path.js";
import { readDiagnostics } from "../../src-host-sim/cli/lib/module-check.js";
import { validateSchema } from "../../src-host-sim/cli/lib/schema.js";
import { loadFile } from "../../src-host-sim/cli/lib/source.js";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { invalidFixtures, moduleText, splitProblem, validFixtures } from "./fixtures.js";

async function configure(text: string) {
  const sim = await ProxyWasmSimulator.create(modulePath("product"), { pluginConfiguration: text, clusters: {} });
  const started = sim.start();
  const logs = sim.logs.map((l) => l.message);
  return { ok: started.ok, trapped: started.trapped, ...readDiagnostics(logs) };
}

const text = (p: { pathText: string; reason: string }) => `${p.pathText}: ${p.reason}`;

describe("schema and module agree on valid configurations", () => {
  it.each(validFixtures)("both accept: $name", async (f) => {
    expect(validateSchema(f.config)).toEqual([]);
    const m = await configure(JSON.stringify(f.config));
    expect(m.problems.filter((p) => p.severity === "error").map(text)).toEqual([]);
    expect(m.ok).toBe(true);
    const warnings = m.problems.filter((p) => p.severity === "warning").map(text);
    for (const w of f.warnings ?? []) expect(warnings).toContain(w);
  });
});

describe("schema and module agree on invalid configurations", () => {
  it.each(invalidFixtures)("both reject: $name", async (f) => {
    const expected = splitProblem(f.problem);
    const m = await configure(moduleText(f));
    expect(m.trapped).toBeUndefined();
    expect(m.ok).toBe(false);
    const errors = m.problems.filter((p) => p.severity === "error");
    const hit = errors.find((p) => p.pathText === expected.path && (expected.prefix ? p.reason.startsWith(expected.reason) : p.reason === expected.reason));
    expect(hit, `module said: ${JSON.stringify(errors.map(text))}`).toBeDefined();

    if (f.caughtBy === "schema") {
      const schema = validateSchema(f.config).map((p) => ({ path: formatPath(p.path), reason: p.reason }));
      expect(schema.some((p) => p.path === expected.path && (expected.prefix ? p.reason.startsWith(expected.reason) : p.reason === expected.reason)), JSON.stringify(schema)).toBe(true);
    } else if (f.caughtBy === "parse") {
      const dir = mkdtempSync(join(tmpdir(), "tswa-agree-"));
      const file = join(dir, "config.json");
      writeFileSync(file, moduleText(f));
      const loaded = loadFile(file);
      const at = loaded.problems.map((p) => (p.path ? formatPath(p.path) : "(root)"));
      expect(at).toContain(expected.path);
    } else {
      // Only the module sees it: the value the schema would get is valid, or there is none.
      const t = moduleText(f);
      if (t.trim().length > 0) expect(validateSchema(JSON.parse(t))).toEqual([]);
    }
  });
});
