// docs/configuration.md: how the document is read, the top level, and the diagnostics format
// (every problem reported, JSON paths, reason texts).
import { describe, expect, it } from "vitest";
import { minimalConfig, systemObject, validate, validateBytes, withService, type Json } from "./entry.js";

describe("document-level problems", () => {
  it.each([
    { name: "0 bytes", text: "", error: "(root): empty configuration" },
    { name: "only JSON whitespace", text: " \t\r\n ", error: "(root): empty configuration" },
    { name: "not JSON", text: "not json", error: "(root): malformed JSON at line 1, column 1: unexpected character 'n', expected a value" },
    { name: "truncated", text: '{"api":"v1",', error: "(root): malformed JSON at line 1, column 13: unexpected end of input, expected a member name (string)" },
    { name: "trailing garbage", text: "{}\n}", error: "(root): malformed JSON at line 2, column 1: unexpected character '}', expected end of input after the value" },
    { name: "an array", text: "[]", error: "(root): expected object, got array" },
    { name: "a string", text: '"v1"', error: "(root): expected object, got string" },
    { name: "an integer", text: "42", error: "(root): expected object, got integer" },
    { name: "a number", text: "4.2", error: "(root): expected object, got number" },
    { name: "a boolean", text: "true", error: "(root): expected object, got boolean" },
    { name: "null", text: "null", error: "(root): expected object, got null" },
    { name: "a lone surrogate escape", text: '{"api":"\\ud800"}', error: "(root): malformed JSON at line 1, column 9: lone surrogate escape" },
    { name: "nesting deeper than 64", text: '{"x":' + "[".repeat(64) + "]".repeat(64) + "}", error: "(root): malformed JSON at line 1, column 69: nesting deeper than 64 levels" },
  ])("$name → the single problem `$error`", async ({ text, error }) => {
    const r = await validate(text);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([error]);
    expect(r.config).toBeNull();
  });

  it("rejects invalid UTF-8 with the byte offset", async () => {
    const bytes = [...Buffer.from('{"api":"v'), 0xff, ...Buffer.from('1"}')];
    const r = await validateBytes(bytes);
    expect(r.errors).toEqual(["(root): malformed JSON at line 1, column 10: invalid UTF-8 at byte offset 9"]);
  });

  it("accepts a document preceded by a UTF-8 byte order mark", async () => {
    const r = await validateBytes([0xef, 0xbb, 0xbf, ...Buffer.from(JSON.stringify(minimalConfig()))]);
    expect(r.ok).toBe(true);
  });

  it("an empty object reports each missing required member", async () => {
    const r = await validate("{}");
    expect(r.errors).toEqual(["api: missing required field", "backend: missing required field", "services: missing required field"]);
  });
});

describe("duplicate member names", () => {
  it.each([
    { name: "at the top level", text: '{"api":"v1","api":"v1"}', path: "api" },
    {
      name: "inside a nested object",
      text: JSON.stringify(minimalConfig()).replace('"url":', '"name":"again","url":'),
      path: "backend.upstream.name",
    },
    {
      name: "inside an array element, with a non-identifier name",
      text: JSON.stringify(minimalConfig()).replace('"services":[{', '"services":[{"x-y":1,"x-y":2,'),
      path: 'services[0]["x-y"]',
    },
  ])("$name: reported at the second member", async ({ text, path }) => {
    const r = await validate(text);
    expect(r.ok).toBe(false);
    expect(r.errors).toContain(`${path}: duplicate field`);
    expect(r.errors.filter((e) => e.endsWith("duplicate field"))).toHaveLength(1);
  });

  it("reports a name repeated three times twice", async () => {
    const r = await validate('{"z":1,"z":2,"z":3}');
    expect(r.errors.filter((e) => e === "z: duplicate field")).toHaveLength(2);
  });

  it("finds duplicates in an object with many members", async () => {
    const members = Array.from({ length: 50 }, (_, i) => `"k${i}":${i}`).join(",");
    const r = await validate(`{${members},"k7":0}`);
    expect(r.errors).toContain("k7: duplicate field");
  });
});

describe("api", () => {
  it.each(["v1", "v1.0", "v1.0.0"])("accepts %j", async (api) => {
    const r = await validate({ ...minimalConfig(), api });
    expect(r.ok).toBe(true);
  });

  it.each([
    { api: "v2", error: 'api: unsupported api version "v2" (expected "v1")' },
    { api: "V1", error: 'api: unsupported api version "V1" (expected "v1")' },
    { api: "v1.1", error: 'api: unsupported api version "v1.1" (expected "v1")' },
    { api: "", error: 'api: unsupported api version "" (expected "v1")' },
    { api: 'v"1', error: 'api: unsupported api version "v\\"1" (expected "v1")' },
    { api: 1, error: "api: expected string, got integer" },
    { api: null, error: "api: missing required field" },
  ])("rejects $api", async ({ api, error }) => {
    const r = await validate({ ...minimalConfig(), api: api as Json });
    expect(r.errors).toEqual([error]);
  });

  it("{\"api\":\"v2\"} alone reports the version and the missing members", async () => {
    const r = await validate({ api: "v2" });
    expect(r.errors).toEqual([
      'api: unsupported api version "v2" (expected "v1")',
      "backend: missing required field",
      "services: missing required field",
    ]);
  });
});

describe("top-level members", () => {
  it.each([
    { name: "backend missing", patch: { backend: undefined }, error: "backend: missing required field" },
    { name: "backend null", patch: { backend: null }, error: "backend: missing required field" },
    { name: "backend an array", patch: { backend: [] }, error: "backend: expected object, got array" },
    { name: "services missing", patch: { services: undefined }, error: "services: missing required field" },
    { name: "services empty", patch: { services: [] }, error: "services: must not be empty" },
    { name: "services an object", patch: { services: {} }, error: "services: expected array, got object" },
    { name: "a service that is a string", patch: { services: ["x"] }, error: "services[0]: expected object, got string" },
    { name: "system a string", patch: { system: "yes" }, error: "system: expected object, got string" },
  ])("$name → $error", async ({ patch, error }) => {
    const r = await validate({ ...minimalConfig(), ...patch });
    expect(r.errors).toEqual([error]);
  });

  it("system null means absent", async () => {
    const r = await validate({ ...minimalConfig(), system: null });
    expect(r.ok).toBe(true);
    expect(r.config?.system).toBeNull();
  });

  it.each([
    { name: "an unknown member", member: "extra" },
    { name: "passthrough_metadata (G2)", member: "passthrough_metadata" },
  ])("$name is accepted with the warning `unknown field`", async ({ member }) => {
    const r = await validate({ ...minimalConfig(), [member]: { anything: true } });
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${member}: unknown field`]);
  });

  it("writes a member name that is not an identifier in brackets", async () => {
    const r = await validate({ ...minimalConfig(), "my field": 1, 'q"uote': 2 });
    expect(r.warnings).toEqual(['["my field"]: unknown field', '["q\\"uote"]: unknown field']);
  });
});

describe("every problem is reported, not only the first", () => {
  it("reports problems at every level of one document", async () => {
    const config = {
      api: "v9",
      backend: { upstream: { name: "", url: "ftp://x", timeout: 5.5 }, extensions: ["bad ext"] },
      system: { upstream: { name: "sys", url: "https://s/" }, ttl: -1 },
      services: [
        { id: 2555417834780, credentials: { app_key: [{ header: { keys: ["k"] } }] } },
        { id: "", credentials: { user_key: [{}] }, mapping_rules: [{ method: "", pattern: "/{", usages: [{ name: "hits", delta: 1.5 }] }] },
      ],
    };
    const r = await validate(config);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      'api: unsupported api version "v9" (expected "v1")',
      "backend.upstream.name: must not be empty",
      "backend.upstream.url: invalid URL: unsupported scheme (expected http or https)",
      "backend.upstream.timeout: expected integer, got number",
      'backend.extensions[0]: invalid extension "bad ext"',
      "system.token: missing required field",
      "system.ttl: integer out of range (0..4294967295)",
      'services[0].id: expected string, got integer (write the id in quotes, e.g. "2555417834780")',
      "services[0].credentials: at least one of user_key or app_id is required",
      "services[1].id: must not be empty",
      "services[1].credentials.user_key[0]: expected exactly one of header, query_string, filter",
      "services[1].mapping_rules[0].method: must not be empty",
      "services[1].mapping_rules[0].pattern: invalid pattern: unterminated placeholder",
      "services[1].mapping_rules[0].usages[0].delta: expected integer, got number",
    ]);
  });

  it("never echoes a token value in any diagnostic", async () => {
    const secret = "TOPSECRET-token-value";
    const config = withService((s) => {
      s.token = secret;
      s.token_extra = secret;
      s.credentials = { app_key: [] };
    });
    config.system = { ...systemObject(), token: secret, ttl: secret };
    const r = await validate(config);
    expect(r.ok).toBe(false);
    for (const line of [...r.errors, ...r.warnings]) expect(line).not.toContain("TOPSECRET");
  });
});
