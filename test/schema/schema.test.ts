// The JSON Schema (schema/threescale-wasm-auth.schema.json) accepts every valid fixture and
// rejects every invalid one on the path, and with the reason, the module reports.
import { readdirSync, readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { formatPath } from "../../src-host-sim/cli/lib/json-path.js";
import { loadSchema, validateSchema } from "../../src-host-sim/cli/lib/schema.js";
import { invalidFixtures, splitProblem, validFixtures } from "./fixtures.js";

const schemaFixtures = invalidFixtures.filter((f) => f.caughtBy === "schema");

describe("JSON Schema", () => {
  it.each(validFixtures)("accepts: $name", ({ config }) => {
    expect(validateSchema(config)).toEqual([]);
  });

  it.each(schemaFixtures)("rejects with exactly the module's problem: $name", (fixture) => {
    const expected = splitProblem(fixture.problem);
    const problems = validateSchema(fixture.config).map((p) => ({ path: formatPath(p.path), reason: p.reason }));
    // One mistake gives one line: the combinators' inner errors are folded into one reason.
    expect(problems, `schema problems: ${JSON.stringify(problems)}`).toHaveLength(1);
    const [p] = problems;
    expect(p.path).toBe(expected.path);
    if (expected.prefix) expect(p.reason.startsWith(expected.reason), p.reason).toBe(true);
    else expect(p.reason).toBe(expected.reason);
  });

  it("is draft 2020-12 and documents every field it declares", () => {
    const schema = loadSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    const undocumented: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (node === null || typeof node !== "object") return;
      const props = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
      if (props && !where.includes("/if")) {
        for (const [name, sub] of Object.entries(props)) {
          const documented = typeof sub.description === "string" || typeof sub.$ref === "string";
          if (!documented && !where.includes("serviceWithToken") && !where.includes("/then") && !where.includes("/anyOf")) undocumented.push(`${where}/${name}`);
        }
      }
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk(v, `${where}/${k}`);
    };
    walk(schema, "#");
    expect(undocumented).toEqual([]);
  });

  it("declares the 44 operations, and exactly the all-optional ones as bare names", () => {
    const defs = loadSchema().$defs as Record<string, { properties?: object; enum?: string[] }>;
    expect(Object.keys(defs.operationObject.properties ?? {})).toHaveLength(44);
    expect([...(defs.operationName.enum ?? [])].sort()).toEqual(
      ["base64_standard", "base64_urlsafe", "strrev", "reverse", "ok", "fail", "pop", "dup", "strlen", "split", "rsplit", "length", "take", "drop", "values"].sort(),
    );
  });

  it("gives defaults for the optional fields with documented defaults", () => {
    const defs = loadSchema().$defs as Record<string, { properties: Record<string, { default?: unknown }> }>;
    expect(defs.upstream.properties.timeout.default).toBe(1000);
    expect(defs.system.properties.ttl.default).toBe(600);
    expect(defs.service.properties.authorities.default).toEqual(["*"]);
    expect(defs.service.properties.environment.default).toBe("production");
    expect(defs.mappingRule.properties.last.default).toBe(false);
  });
});

describe("WasmPlugin schema (schema/wasmplugin.schema.json)", () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
  ajv.addSchema(loadSchema(), "threescale-wasm-auth.schema.json");
  const validate = ajv.compile(JSON.parse(readFileSync("schema/wasmplugin.schema.json", "utf8")) as object);
  const manifests = readdirSync("examples/wasmplugin").map((f) => `examples/wasmplugin/${f}`);

  it.each(manifests)("accepts %s", (file) => {
    expect(validate(parse(readFileSync(file, "utf8"))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("checks spec.pluginConfig with the configuration schema", () => {
    const manifest = parse(readFileSync(manifests[0], "utf8")) as { spec: { pluginConfig: { services: Array<{ id: unknown }> } } };
    manifest.spec.pluginConfig.services[0].id = 2555417834780;
    expect(validate(manifest)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain("/spec/pluginConfig/services/0/id");
  });
});
