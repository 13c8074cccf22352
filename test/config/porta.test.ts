// docs/behaviour.md: reading porta's proxy-config answer (token and rules), skipping unusable
// rules with a warning, failing the whole answer only when it has no usable content. Vectors
// S4, S8 and S10 of are here; the schedule and merging belong to the runtime tests.
import { describe, expect, it } from "vitest";
import { freshEntry, porta, toArrayBuffer, type Json, type PortaReport } from "./entry.js";

type Obj = { [k: string]: Json };

/** answer builds a porta answer the way porta writes it, with fields the module ignores. */
function answer(content: Obj): Obj {
  return {
    proxy_config: {
      id: 42,
      version: 3,
      environment: "production",
      content: { id: 2555417834780, account_id: 2, name: "api", backend_version: "1", ...content },
    },
  };
}

function rule(patch: Record<string, Json | undefined> = {}): Obj {
  return <Obj>{
    id: 1, http_method: "GET", pattern: "/", metric_id: 7, metric_system_name: "hits", delta: 1,
    tenant_id: 2, position: 1, last: false, parameters: [], querystring_parameters: {}, ...patch,
  };
}

function withRules(rules: Json[], extra: Obj = {}): Obj {
  return answer({ ...extra, proxy: { id: 9, endpoint: "https://api", proxy_rules: rules } });
}

describe("the fetched token", () => {
  it.each([
    { name: "service_token with a value", content: { backend_authentication_type: "service_token", backend_authentication_value: "T2" }, token: "T2" },
    { name: "provider_key is not supported (S8)", content: { backend_authentication_type: "provider_key", backend_authentication_value: "PK" }, token: "" },
    { name: "service_token with an empty value", content: { backend_authentication_type: "service_token", backend_authentication_value: "" }, token: "" },
    { name: "service_token with a null value", content: { backend_authentication_type: "service_token", backend_authentication_value: null }, token: "" },
    { name: "service_token with a numeric value", content: { backend_authentication_type: "service_token", backend_authentication_value: 12 }, token: "" },
    { name: "a differently cased type", content: { backend_authentication_type: "Service_Token", backend_authentication_value: "T2" }, token: "" },
    { name: "no authentication fields", content: {}, token: "" },
  ])("$name → token $token", async ({ content, token }) => {
    const r = await porta(answer(content as Obj));
    expect(r.ok).toBe(true);
    expect(r.token).toBe(token);
  });
});

describe("rules", () => {
  it("reads every usable rule in array order, ignoring position", async () => {
    const r = await porta(withRules([
      rule({ http_method: "get", pattern: "/", metric_system_name: "hits", delta: 1, position: 3 }),
      rule({ http_method: "POST", pattern: "/products/{id}$", metric_system_name: "products", delta: 0, last: true, position: 1 }),
      rule({ http_method: "ANY", pattern: "/x", metric_system_name: "Hits", delta: 5, last: undefined }),
    ]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.rules).toEqual([
      { method: "GET", any: false, pattern: "/", usages: [{ name: "hits", delta: 1 }], last: false },
      { method: "POST", any: false, pattern: "/products/{id}$", usages: [{ name: "products", delta: 0 }], last: true },
      { method: "ANY", any: true, pattern: "/x", usages: [{ name: "Hits", delta: 5 }], last: false },
    ]);
  });

  it("S4: a rule with an invalid pattern is skipped with a warning; the others are kept", async () => {
    const r = await porta(withRules([rule({ pattern: "/foo{" }), rule({ pattern: "/ok" })], {
      backend_authentication_type: "service_token", backend_authentication_value: "T2",
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["proxy_rules[0] skipped: invalid pattern: unterminated placeholder"]);
    expect(r.rules?.map((x) => x.pattern)).toEqual(["/ok"]);
    expect(r.token).toBe("T2");
  });

  it.each([
    { name: "a rule that is not an object", element: "GET /", why: "expected object, got string" },
    { name: "http_method missing", element: rule({ http_method: undefined }), why: "http_method is not a non-empty string" },
    { name: "http_method empty", element: rule({ http_method: "" }), why: "http_method is not a non-empty string" },
    { name: "http_method a number", element: rule({ http_method: 1 }), why: "http_method is not a non-empty string" },
    { name: "pattern missing", element: rule({ pattern: undefined }), why: "pattern is not a string" },
    { name: "pattern null", element: rule({ pattern: null }), why: "pattern is not a string" },
    { name: "an empty placeholder", element: rule({ pattern: "/a/{}" }), why: "invalid pattern: empty placeholder" },
    { name: "metric_system_name null (G16)", element: rule({ metric_system_name: null }), why: "metric_system_name is not a non-empty string" },
    { name: "metric_system_name absent (G16)", element: rule({ metric_system_name: undefined }), why: "metric_system_name is not a non-empty string" },
    { name: "metric_system_name empty", element: rule({ metric_system_name: "" }), why: "metric_system_name is not a non-empty string" },
    { name: "delta negative", element: rule({ delta: -1 }), why: "delta is not an integer >= 0" },
    { name: "delta a fraction", element: rule({ delta: 1.5 }), why: "delta is not an integer >= 0" },
    { name: "delta a string", element: rule({ delta: "1" }), why: "delta is not an integer >= 0" },
    { name: "delta missing", element: rule({ delta: undefined }), why: "delta is not an integer >= 0" },
    { name: "delta beyond 2^53 - 1", element: rule({ delta: 1e300 }), why: "delta is not an integer >= 0" },
    { name: "last a string", element: rule({ last: "true" }), why: "last is not a boolean" },
  ])("$name → skipped: $why", async ({ element, why }) => {
    const r = await porta(withRules([rule({ pattern: "/first" }), element, rule({ pattern: "/third" })]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`proxy_rules[1] skipped: ${why}`]);
    expect(r.rules?.map((x) => x.pattern)).toEqual(["/first", "/third"]);
  });

  it.each([
    { name: "proxy_rules absent", content: { proxy: { id: 1 } } },
    { name: "proxy_rules null", content: { proxy: { proxy_rules: null } } },
    { name: "proxy absent", content: {} },
    { name: "proxy null", content: { proxy: null } },
    { name: "proxy_rules empty", content: { proxy: { proxy_rules: [] } } },
  ])("$name → no rules", async ({ content }) => {
    const r = await porta(answer(content as Obj));
    expect(r).toEqual({ ok: true, token: "", rules: [], warnings: [] });
  });

  it("a fetched pattern that does not start with / is kept (it never matches)", async () => {
    const r = await porta(withRules([rule({ pattern: "x" })]));
    expect(r.rules?.map((x) => x.pattern)).toEqual(["x"]);
  });

  it("reports every skipped rule by its index", async () => {
    const r = await porta(withRules([rule({ pattern: "{" }), rule(), rule({ delta: -2 }), rule({ metric_system_name: null })]));
    expect(r.warnings).toEqual([
      "proxy_rules[0] skipped: invalid pattern: unterminated placeholder",
      "proxy_rules[2] skipped: delta is not an integer >= 0",
      "proxy_rules[3] skipped: metric_system_name is not a non-empty string",
    ]);
    expect(r.rules).toHaveLength(1);
  });
});

describe("answers that fail as a whole (S10)", () => {
  it.each([
    { name: "not json", body: "not json", error: "not JSON (line 1, column 1: unexpected character 'n', expected a value)" },
    { name: "an empty body", body: "", error: "not JSON (line 1, column 1: unexpected end of input, expected a value)" },
    { name: "truncated JSON", body: '{"proxy_config":{"content":{', error: "not JSON (line 1, column 29: unexpected end of input, expected a member name (string))" },
    { name: "an empty object", body: "{}", error: "proxy_config.content is missing" },
    { name: "a JSON array", body: "[]", error: "proxy_config.content is missing" },
    { name: "proxy_config null", body: '{"proxy_config":null}', error: "proxy_config.content is missing" },
    { name: "proxy_config a string", body: '{"proxy_config":"x"}', error: "proxy_config is not an object (got string)" },
    { name: "content missing", body: '{"proxy_config":{"id":1}}', error: "proxy_config.content is missing" },
    { name: "content a string", body: '{"proxy_config":{"content":"{}"}}', error: "proxy_config.content is not an object (got string)" },
    { name: "content an array", body: '{"proxy_config":{"content":[]}}', error: "proxy_config.content is not an object (got array)" },
    { name: "proxy a string", body: '{"proxy_config":{"content":{"proxy":"x"}}}', error: "proxy_config.content.proxy is not an object (got string)" },
    { name: "proxy_rules an object", body: '{"proxy_config":{"content":{"proxy":{"proxy_rules":{}}}}}', error: "proxy_config.content.proxy.proxy_rules is not an array (got object)" },
    {
      name: "nesting deeper than 64",
      body: '{"proxy_config":{"content":{"x":' + "[".repeat(100) + "]".repeat(100) + "}}}",
      // Three objects are open, so the 62nd bracket (column 32 + 62) is level 65.
      error: "not JSON (line 1, column 94: nesting deeper than 64 levels)",
    },
  ])("$name → $error", async ({ body, error }) => {
    const r = await porta(body);
    expect(r).toEqual({ ok: false, error });
  });

  it("an answer with invalid UTF-8 fails", async () => {
    const e = await freshEntry();
    const body = [...Buffer.from('{"proxy_config":{"content":{"x":"'), 0xc3, 0x28, ...Buffer.from('"}}}')];
    const r = JSON.parse(e.parsePortaBytes(toArrayBuffer(body))) as PortaReport;
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^not JSON \(line 1, column 34: invalid UTF-8 at byte offset 33\)$/);
  });

  it("the error never contains the body's token", async () => {
    const r = await porta('{"proxy_config":{"content":{"backend_authentication_value":"SECRET-TOKEN-1234",}}}');
    expect(r.ok).toBe(false);
    expect(r.error).not.toContain("SECRET");
  });
});

describe("large answers are bounded and never trap", () => {
  it("reads 10 MB of rules", async () => {
    const rules = Array.from({ length: 60_000 }, (_, i) => rule({ id: i, pattern: `/r${i}/{id}`, metric_system_name: `m${i % 50}` }));
    const body = JSON.stringify(withRules(rules));
    expect(body.length).toBeGreaterThan(10_000_000);
    const r = await porta(body);
    expect(r.ok).toBe(true);
    expect(r.rules).toHaveLength(60_000);
    expect(r.rules?.[59_999].pattern).toBe("/r59999/{id}");
  });

  it.each([
    { name: "a 10 MB string", body: JSON.stringify({ proxy_config: { content: { blob: "x".repeat(10 * 1024 * 1024) } } }), ok: true },
    { name: "10 MB of unclosed brackets", body: "[".repeat(10 * 1024 * 1024), ok: false },
    { name: "10 MB of whitespace", body: " ".repeat(10 * 1024 * 1024), ok: false },
  ])("$name", async ({ body, ok }) => {
    const r = await porta(body);
    expect(r.ok).toBe(ok);
  });
});
