// Nothing a configuration contains may trap the VM (docs/configuration.md, docs/behaviour.md):
// the robustness vectors, truncated and mutated documents, deep nesting, large and binary input.
// An abort inside the module would surface here as a thrown JS error.
import { describe, expect, it } from "vitest";
import { freshEntry, minimalConfig, systemObject, toArrayBuffer, validate, validateBytes, type ConfigReport, type Json } from "./entry.js";

/** A configuration touching every part of the contract (ops included), for the sweeps below. */
function richConfig(): { [k: string]: Json } {
  const config = minimalConfig();
  config.system = { ...systemObject(), ttl: 300 };
  (config.backend as { [k: string]: Json }).extensions = ["no_body", "limit_headers=1"];
  config.services = [{
    id: "2555417834780",
    token: "service-token-abcdef",
    environment: "staging",
    authorities: ["*.example.com", "api.example.com:8443"],
    credentials: {
      user_key: [{ query_string: { keys: ["user_key"] } }, { header: { keys: ["X-User-Key"] } }],
      app_id: [
        { header: { keys: ["authorization"], ops: [{ split: { separator: " ", max: 2 } }, { length: { min: 2 } }, { drop: { head: 1 } }, "base64_urlsafe", { split: { max: 2 } }] } },
        { filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"], ops: [{ take: { head: 1 } }] } },
      ],
      app_key: [{ query_string: { keys: ["app_key"] } }],
    },
    mapping_rules: [
      { method: "GET", pattern: "/products/{id}$", usages: [{ name: "hits", delta: 1 }, { name: "products", delta: 2 }], last: true },
      { method: "ANY", pattern: "/x?y={v}&z=1", usages: [] },
    ],
  }];
  return config;
}

function parse(raw: string): ConfigReport {
  return JSON.parse(raw) as ConfigReport;
}

describe("robustness vectors (docs/behaviour.md)", () => {
  it.each([
    { name: '""', text: "", errors: ["(root): empty configuration"] },
    { name: "{}", text: "{}", errors: ["api: missing required field", "backend: missing required field", "services: missing required field"] },
    { name: "[]", text: "[]", errors: ["(root): expected object, got array"] },
    { name: "not json", text: "not json", errors: ["(root): malformed JSON at line 1, column 1: unexpected character 'n', expected a value"] },
    {
      name: '{"api":"v2"}',
      text: '{"api":"v2"}',
      errors: ['api: unsupported api version "v2" (expected "v1")', "backend: missing required field", "services: missing required field"],
    },
  ])("configuration $name is rejected with one diagnostic per problem", async ({ text, errors }) => {
    const r = await validate(text);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual(errors);
  });

  it("services[0].id written as a number is rejected with the hint", async () => {
    const config = minimalConfig();
    (config.services as Array<{ [k: string]: Json }>)[0].id = 2555417834780;
    const r = await validate(config);
    expect(r.errors).toEqual(['services[0].id: expected string, got integer (write the id in quotes, e.g. "2555417834780")']);
  });
});

describe("truncated and mutated documents", () => {
  it("every proper prefix of a valid document is rejected as malformed JSON", async () => {
    const text = JSON.stringify(richConfig(), null, 1);
    const e = await freshEntry();
    expect(parse(e.validateConfig(text)).ok).toBe(true);
    for (let n = 0; n < text.length; n++) {
      const r = parse(e.validateConfig(text.slice(0, n)));
      expect(r.ok).toBe(false);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^\(root\): (empty configuration|malformed JSON at line \d+, column \d+: )/);
    }
  });

  it("replacing any value of a valid document by any other type never traps", async () => {
    const replacements: Json[] = [null, 0, -1, 1.5, 2 ** 53, "", "x", [], [1], {}, { a: 1 }, true];
    const base = richConfig();
    // Every path to a value in the document.
    const paths: Array<Array<string | number>> = [];
    const walk = (v: Json, path: Array<string | number>): void => {
      paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(base, []);
    const e = await freshEntry();
    let rejected = 0;
    for (const path of paths) {
      for (const replacement of replacements) {
        const copy = structuredClone(base) as Json;
        if (path.length === 0) {
          const r = parse(e.validateConfig(JSON.stringify(replacement)));
          expect(r.ok).toBe(false);
          continue;
        }
        let parent = copy as { [k: string]: Json };
        for (const key of path.slice(0, -1)) parent = parent[key as string] as { [k: string]: Json };
        parent[path[path.length - 1] as string] = replacement;
        const r = parse(e.validateConfig(JSON.stringify(copy)));
        if (!r.ok) rejected++;
        // A rejected document lists its problems; an accepted one has a model.
        expect(r.ok ? r.config !== null : r.errors.length > 0).toBe(true);
      }
    }
    expect(paths.length).toBeGreaterThan(80);
    expect(rejected).toBeGreaterThan(paths.length);
  });
});

describe("deep nesting", () => {
  it.each([
    { name: "10,000 nested arrays as a member", text: '{"api":' + "[".repeat(10_000) + "]".repeat(10_000) + "}" },
    { name: "10,000 nested objects", text: '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000) },
    { name: "10,000 unclosed arrays", text: "[".repeat(10_000) },
    { name: "nesting inside ops", text: JSON.stringify(richConfig()).replace('"base64_urlsafe"', "[".repeat(10_000) + "]".repeat(10_000)) },
  ])("$name: rejected at the nesting limit", async ({ text }) => {
    const r = await validate(text);
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^\(root\): malformed JSON at line 1, column \d+: nesting deeper than 64 levels$/);
  });

  it("64 levels of nesting in an unknown member are accepted with a warning", async () => {
    const config = minimalConfig();
    const text = JSON.stringify(config).slice(0, -1) + ',"deep":' + "[".repeat(63) + "]".repeat(63) + "}";
    const r = await validate(text);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["deep: unknown field"]);
  });
});

describe("large documents", () => {
  it("accepts a 1 MiB configuration with 2,500 services", async () => {
    const config = richConfig();
    const service = (config.services as Json[])[0] as { [k: string]: Json };
    config.services = Array.from({ length: 2500 }, (_, i) => ({ ...service, id: String(1000 + i), authorities: [`s${i}.example.com`] }));
    const text = JSON.stringify(config);
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const r = await validate(text);
    expect(r.errors).toEqual([]);
    expect(r.config?.services).toHaveLength(2500);
    expect(r.config?.services[2499].id).toBe("3499");
  });

  it("accepts a 1 MiB string in an unknown member", async () => {
    const config = { ...minimalConfig(), note: "n".repeat(1024 * 1024) };
    const r = await validate(config);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["note: unknown field"]);
  });

  it("rejects 1 MiB of a single repeated character", async () => {
    const r = await validate("{".repeat(1024 * 1024));
    expect(r.ok).toBe(false);
  });
});

describe("binary and invalid text", () => {
  it("rejects 200 random binary documents without trapping", async () => {
    // A small deterministic generator (xorshift) so a failure can be replayed.
    let seed = 0x2545f491;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const e = await freshEntry();
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(1 + (next() % 2048));
      for (let k = 0; k < bytes.length; k++) bytes[k] = next() & 0xff;
      const r = parse(e.validateConfigBytes(toArrayBuffer(bytes)));
      expect(r.ok).toBe(false);
      expect(r.errors).toHaveLength(1);
    }
  });

  it.each([
    { name: "a NUL byte", bytes: [0x00] },
    { name: "UTF-16LE text", bytes: Array.from(Buffer.from('{"api":"v1"}', "utf16le")) },
    { name: "UTF-16 with a byte order mark", bytes: [0xff, 0xfe, ...Buffer.from('{"api":"v1"}', "utf16le")] },
    { name: "a gzip header", bytes: [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00] },
    { name: "Latin-1 inside a string", bytes: [...Buffer.from('{"api":"v1","x":"caf'), 0xe9, ...Buffer.from('"}')] },
  ])("$name is rejected", async ({ bytes }) => {
    const r = await validateBytes(bytes);
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^\(root\): malformed JSON at line \d+, column \d+: /);
  });

  it("a lone surrogate escape in a token is rejected without echoing the token", async () => {
    const text = JSON.stringify(minimalConfig()).replace('"token":"s3cr3t-service-token-1234"', '"token":"s3cr3t\\ud800"');
    const r = await validate(text);
    const column = text.indexOf("\\ud800") + 1;
    expect(r.errors).toEqual([`(root): malformed JSON at line 1, column ${column}: lone surrogate escape`]);
    expect(r.errors[0]).not.toContain("s3cr3t");
  });
});
