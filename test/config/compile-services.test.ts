// docs/configuration.md: services, credentials and their sources, mapping rules and
// usages, with every default, rule and warning.
import { describe, expect, it } from "vitest";
import {
  minimalConfig, minimalService, systemObject, TOKEN, validate, withCredentials, withService, type Json,
} from "./entry.js";

const S = "services[0]";

describe("service id and token", () => {
  it("reads the id and the static token", async () => {
    const r = await validate(minimalConfig());
    expect(r.ok).toBe(true);
    expect(r.config?.services[0]).toMatchObject({ id: "2555417834780", token: TOKEN });
  });

  it.each([
    { name: "id as a JSON integer", id: 2555417834780, error: `${S}.id: expected string, got integer (write the id in quotes, e.g. "2555417834780")` },
    { name: "id as a JSON number", id: 1.5, error: `${S}.id: expected string, got number (write the id in quotes, e.g. "2555417834780")` },
    { name: "id missing", id: undefined, error: `${S}.id: missing required field` },
    { name: "id null", id: null, error: `${S}.id: missing required field` },
    { name: "id empty", id: "", error: `${S}.id: must not be empty` },
    { name: "id an array", id: ["1"], error: `${S}.id: expected string, got array` },
  ])("$name → $error", async ({ id, error }) => {
    const r = await validate(withService((s) => {
      s.id = id as Json;
    }));
    expect(r.errors).toEqual([error]);
  });

  it.each([
    { name: "token empty", token: "", error: `${S}.token: must not be empty` },
    { name: "token a number", token: 42, error: `${S}.token: expected string, got integer` },
    { name: "no token and no system (G3)", token: undefined, error: `${S}.token: missing required field (no system configured to fetch it)` },
    { name: "token null and no system (G3)", token: null, error: `${S}.token: missing required field (no system configured to fetch it)` },
  ])("$name → $error", async ({ token, error }) => {
    const r = await validate(withService((s) => {
      s.token = token as Json;
    }));
    expect(r.errors).toEqual([error]);
  });

  it("a service without a token is valid when system can fetch it", async () => {
    const config = withService((s) => {
      delete s.token;
    });
    config.system = systemObject();
    const r = await validate(config);
    expect(r.ok).toBe(true);
    expect(r.config?.services[0].token).toBe("");
  });

  it("warns about a repeated service id", async () => {
    const config = minimalConfig();
    config.services = [minimalService(), { ...minimalService(), authorities: ["b.example.com"] }];
    const r = await validate(config);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["services[1].id: duplicate service id (same as services[0]): the first matching service wins"]);
    expect(r.config?.services).toHaveLength(2);
  });

  it("warns about unknown service members", async () => {
    const r = await validate(withService((s) => {
      s.name = "my service";
    }));
    expect(r.warnings).toEqual([`${S}.name: unknown field`]);
  });
});

describe("environment", () => {
  it.each([
    { environment: undefined, expected: "production" },
    { environment: null, expected: "production" },
    { environment: "production", expected: "production" },
    { environment: "staging", expected: "staging" },
    { environment: "sandbox", expected: "sandbox" },
  ])("$environment → $expected without warning", async ({ environment, expected }) => {
    const r = await validate(withService((s) => {
      if (environment !== undefined) s.environment = environment;
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.config?.services[0].environment).toBe(expected);
  });

  it.each(["Production", "prod", ""])("%j is used as written, with a warning", async (environment) => {
    const r = await validate(withService((s) => {
      s.environment = environment;
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([
      `${S}.environment: unknown environment ${JSON.stringify(environment)} (expected production, staging or sandbox): used as written`,
    ]);
    expect(r.config?.services[0].environment).toBe(environment);
  });

  it("rejects a non-string environment", async () => {
    const r = await validate(withService((s) => {
      s.environment = 1;
    }));
    expect(r.errors).toEqual([`${S}.environment: expected string, got integer`]);
  });
});

describe("authorities", () => {
  it.each([
    { name: "absent → [\"*\"]", authorities: undefined, expected: ["*"] },
    { name: "null → [\"*\"]", authorities: null, expected: ["*"] },
    { name: "patterns kept in order", authorities: ["*.app", "0.0.0.0", "0.0.0.0:8443"], expected: ["*.app", "0.0.0.0", "0.0.0.0:8443"] },
    { name: "an empty pattern", authorities: [""], expected: [""] },
  ])("$name", async ({ authorities, expected }) => {
    const r = await validate(withService((s) => {
      if (authorities !== undefined) s.authorities = authorities;
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.config?.services[0].authorities).toEqual(expected);
  });

  it("[] is accepted with a warning: the service can never be selected", async () => {
    const r = await validate(withService((s) => {
      s.authorities = [];
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${S}.authorities: service can never be selected`]);
  });

  it("a pattern with upper-case ASCII gets a warning", async () => {
    const r = await validate(withService((s) => {
      s.authorities = ["api.example.com", "API.example.com", "*.Example.com"];
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([
      `${S}.authorities[1]: can never match (authorities are lower-cased)`,
      `${S}.authorities[2]: can never match (authorities are lower-cased)`,
    ]);
  });

  it.each([
    { authorities: "*", error: `${S}.authorities: expected array, got string` },
    { authorities: ["*", 443], error: `${S}.authorities[1]: expected string, got integer` },
    { authorities: [null], error: `${S}.authorities[0]: expected string, got null` },
  ])("rejects $authorities", async ({ authorities, error }) => {
    const r = await validate(withService((s) => {
      s.authorities = authorities as Json;
    }));
    expect(r.errors).toEqual([error]);
  });
});

describe("credentials", () => {
  const header = (keys: Json, extra: { [k: string]: Json } = {}): Json => ({ header: { keys, ...extra } });
  const query = (keys: Json): Json => ({ query_string: { keys } });

  it("reads every kind of source in order", async () => {
    const r = await validate(withCredentials({
      app_key: [query(["app_key"])],
      app_id: [query(["app_id"]), header(["X-App-Id", "App-ID"])],
      user_key: [{ filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"] } }],
    }));
    expect(r.errors).toEqual([]);
    const c = r.config!.services[0].credentials;
    expect(c.user_key).toEqual([{ kind: "filter", keys: ["azp", "aud"], path: ["envoy.filters.http.jwt_authn", "0"], ops: 0 }]);
    expect(c.app_id).toEqual([
      { kind: "query_string", keys: ["app_id"], path: [], ops: 0 },
      // Header names are stored lower-cased: they are compared case-insensitively (D20).
      { kind: "header", keys: ["x-app-id", "app-id"], path: [], ops: 0 },
    ]);
    expect(c.app_key).toEqual([{ kind: "query_string", keys: ["app_key"], path: [], ops: 0 }]);
  });

  it("query-string keys keep their case", async () => {
    const r = await validate(withCredentials({ user_key: [query(["User_Key"])] }));
    expect(r.config?.services[0].credentials.user_key?.[0].keys).toEqual(["User_Key"]);
  });

  it("fields that are absent are null in the model", async () => {
    const r = await validate(withCredentials({ user_key: [query(["k"])], app_key: null }));
    expect(r.config?.services[0].credentials).toMatchObject({ app_id: null, app_key: null });
  });

  it.each([
    { name: "no field at all", credentials: {} },
    { name: "only app_key", credentials: { app_key: [query(["k"])] } },
    { name: "user_key and app_id null", credentials: { user_key: null, app_id: null, app_key: [query(["k"])] } },
  ])("$name → at least one of user_key or app_id is required", async ({ credentials }) => {
    const r = await validate(withCredentials(credentials));
    expect(r.errors).toEqual([`${S}.credentials: at least one of user_key or app_id is required`]);
  });

  it.each([
    { name: "credentials missing", credentials: undefined, error: `${S}.credentials: missing required field` },
    { name: "credentials an array", credentials: [], error: `${S}.credentials: expected object, got array` },
    { name: "user_key an object", credentials: { user_key: query(["k"]) }, error: `${S}.credentials.user_key: expected array, got object` },
    { name: "a source that is a string", credentials: { user_key: ["user_key"] }, error: `${S}.credentials.user_key[0]: expected object, got string` },
  ])("$name → $error", async ({ credentials, error }) => {
    const r = await validate(withCredentials(credentials as Json));
    expect(r.errors).toEqual([error]);
  });

  it.each(["user_key", "app_id", "app_key"])("an empty %s array never resolves (warning)", async (field) => {
    const credentials: { [k: string]: Json } = { user_key: [query(["k"])], [field]: [] };
    if (field === "user_key") credentials.app_id = [query(["a"])];
    const r = await validate(withCredentials(credentials));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${S}.credentials.${field}: never resolves`]);
  });

  it("warns about an unknown credentials member (there is no oidc kind)", async () => {
    const r = await validate(withCredentials({ user_key: [query(["k"])], oidc: [] }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${S}.credentials.oidc: unknown field`]);
  });
});

describe("source objects", () => {
  const P = `${S}.credentials.user_key[0]`;

  it.each([
    { name: "no source type", source: {}, error: `${P}: expected exactly one of header, query_string, filter` },
    { name: "only an unknown member", source: { cookie: { keys: ["k"] } }, error: `${P}: expected exactly one of header, query_string, filter` },
    { name: "a null source type", source: { header: null }, error: `${P}: expected exactly one of header, query_string, filter` },
    { name: "two source types", source: { header: { keys: ["k"] }, query_string: { keys: ["k"] } }, error: `${P}: more than one source type (header, query_string)` },
    {
      name: "three source types",
      source: { filter: { path: ["f"], keys: [] }, query_string: { keys: ["k"] }, header: { keys: ["k"] } },
      error: `${P}: more than one source type (filter, query_string, header)`,
    },
    { name: "a source type that is not an object", source: { header: ["k"] }, error: `${P}.header: expected object, got array` },
    { name: "header keys missing", source: { header: {} }, error: `${P}.header.keys: missing required field` },
    { name: "header keys a string", source: { header: { keys: "k" } }, error: `${P}.header.keys: expected array, got string` },
    { name: "header key not a string", source: { header: { keys: ["a", 1] } }, error: `${P}.header.keys[1]: expected string, got integer` },
    { name: "query_string keys missing", source: { query_string: { ops: [] } }, error: `${P}.query_string.keys: missing required field` },
    { name: "filter path missing", source: { filter: { keys: ["azp"] } }, error: `${P}.filter.path: missing required field` },
    { name: "filter path empty", source: { filter: { path: [], keys: ["azp"] } }, error: `${P}.filter.path: must not be empty` },
    { name: "filter path element a number", source: { filter: { path: ["ns", 0], keys: ["azp"] } }, error: `${P}.filter.path[1]: expected string, got integer` },
    { name: "filter keys missing", source: { filter: { path: ["ns"] } }, error: `${P}.filter.keys: missing required field` },
  ])("$name → $error", async ({ source, error }) => {
    const r = await validate(withCredentials({ user_key: [source as Json] }));
    expect(r.errors).toEqual([error]);
  });

  it.each([
    { name: "header", source: { header: { keys: [] } }, path: `${P}.header.keys` },
    { name: "query_string", source: { query_string: { keys: [] } }, path: `${P}.query_string.keys` },
  ])("empty $name keys never resolve (warning)", async ({ source, path }) => {
    const r = await validate(withCredentials({ user_key: [source] }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${path}: never resolves`]);
  });

  it("empty filter keys are allowed without a warning", async () => {
    const r = await validate(withCredentials({ user_key: [{ filter: { path: ["ns", "a"], keys: [] } }] }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it("ignores other members next to the source type, with a warning", async () => {
    const r = await validate(withCredentials({ user_key: [{ header: { keys: ["k"] }, comment: "x" }] }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${P}.comment: unknown field`]);
  });

  it("warns about unknown members inside a source type", async () => {
    const r = await validate(withCredentials({ user_key: [{ header: { keys: ["k"], key: "x" } }, { filter: { path: ["n"], keys: [], name: 1 } }] }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${P}.header.key: unknown field`, `${S}.credentials.user_key[1].filter.name: unknown field`]);
  });

  it.each([
    { name: "absent", extra: {} },
    { name: "null", extra: { ops: null } },
    { name: "empty", extra: { ops: [] } },
  ])("ops $name means no operations", async ({ extra }) => {
    const r = await validate(withCredentials({ user_key: [{ header: { keys: ["k"], ...extra } }] }));
    expect(r.ok).toBe(true);
    expect(r.config?.services[0].credentials.user_key?.[0].ops).toBe(0);
  });

  it("passes ops to the op compiler with their JSON path", async () => {
    const r = await validate(withCredentials({
      app_id: [{ query_string: { keys: ["a"] } }, { header: { keys: ["authorization"], ops: ["reverse", { no_such_op: {} }] } }],
    }));
    expect(r.ok).toBe(false);
    expect(r.errors.some((e) => e.startsWith(`${S}.credentials.app_id[1].header.ops[1]`))).toBe(true);
  });
});

describe("mapping rules and usages", () => {
  const R = `${S}.mapping_rules[0]`;
  const rule = (patch: { [k: string]: Json }): { [k: string]: Json } => ({ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }], ...patch });
  const withRules = (rules: Json[]): { [k: string]: Json } => withService((s) => {
    s.mapping_rules = rules;
  });

  it.each([
    { name: "GET", method: "GET", upper: "GET", any: false },
    { name: "lower-case get", method: "get", upper: "GET", any: false },
    { name: "ANY", method: "ANY", upper: "ANY", any: true },
    { name: "any in mixed case", method: "aNy", upper: "ANY", any: true },
    { name: "an extension method", method: "purge", upper: "PURGE", any: false },
  ])("method $name → $upper", async ({ method, upper, any }) => {
    const r = await validate(withRules([rule({ method })]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.config?.services[0].mapping_rules[0]).toMatchObject({ method: upper, any });
  });

  it.each(["GET /", "GÉT", "GET\t", "(GET)"])("method %j is not an HTTP token: accepted with a warning", async (method) => {
    const r = await validate(withRules([rule({ method })]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${R}.method: never matches (not an HTTP token)`]);
  });

  it("reads patterns, usages and last", async () => {
    const r = await validate(withRules([
      rule({ pattern: "/products/{id}/sold$", usages: [{ name: "sales", delta: 1 }, { name: "products", delta: 2 }], last: true }),
      rule({ pattern: "/x?y={v}", usages: [] }),
    ]));
    expect(r.ok).toBe(true);
    expect(r.config?.services[0].mapping_rules).toEqual([
      { method: "GET", any: false, pattern: "/products/{id}/sold$", usages: [{ name: "sales", delta: 1 }, { name: "products", delta: 2 }], last: true },
      { method: "GET", any: false, pattern: "/x?y={v}", usages: [], last: false },
    ]);
  });

  it("JSON escapes in method and pattern are accepted (D4)", async () => {
    const doc = JSON.stringify(withRules([rule({ pattern: "/a\\$" })])).replace('"method":"GET"', '"method":"\\u0047ET"');
    const r = await validate(doc);
    expect(r.ok).toBe(true);
    expect(r.config?.services[0].mapping_rules[0]).toMatchObject({ method: "GET", pattern: "/a\\$" });
  });

  it.each([
    { name: "an unterminated placeholder", pattern: "/foo{", error: `${R}.pattern: invalid pattern: unterminated placeholder` },
    { name: "an empty placeholder", pattern: "/foo/{}", error: `${R}.pattern: invalid pattern: empty placeholder` },
  ])("$name is invalid", async ({ pattern, error }) => {
    const r = await validate(withRules([rule({ pattern })]));
    expect(r.errors).toEqual([error]);
  });

  it.each(["foo", "", "*/x"])("pattern %j does not start with / : accepted with a warning", async (pattern) => {
    const r = await validate(withRules([rule({ pattern })]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${R}.pattern: never matches (does not start with "/")`]);
  });

  it.each([
    { name: "method missing", patch: { method: undefined }, error: `${R}.method: missing required field` },
    { name: "method empty", patch: { method: "" }, error: `${R}.method: must not be empty` },
    { name: "method not a string", patch: { method: 1 }, error: `${R}.method: expected string, got integer` },
    { name: "pattern missing", patch: { pattern: undefined }, error: `${R}.pattern: missing required field` },
    { name: "pattern null", patch: { pattern: null }, error: `${R}.pattern: missing required field` },
    { name: "usages missing", patch: { usages: undefined }, error: `${R}.usages: missing required field` },
    { name: "usages an object", patch: { usages: { name: "hits", delta: 1 } }, error: `${R}.usages: expected array, got object` },
    { name: "last a string", patch: { last: "true" }, error: `${R}.last: expected boolean, got string` },
    { name: "last a number", patch: { last: 1 }, error: `${R}.last: expected boolean, got integer` },
    { name: "a usage that is a string", patch: { usages: ["hits"] }, error: `${R}.usages[0]: expected object, got string` },
    { name: "usage name missing", patch: { usages: [{ delta: 1 }] }, error: `${R}.usages[0].name: missing required field` },
    { name: "usage name empty", patch: { usages: [{ name: "", delta: 1 }] }, error: `${R}.usages[0].name: must not be empty` },
    { name: "usage delta missing", patch: { usages: [{ name: "hits" }] }, error: `${R}.usages[0].delta: missing required field` },
    { name: "usage delta a string", patch: { usages: [{ name: "hits", delta: "1" }] }, error: `${R}.usages[0].delta: expected integer, got string` },
    { name: "usage delta a fraction", patch: { usages: [{ name: "hits", delta: 0.5 }] }, error: `${R}.usages[0].delta: expected integer, got number` },
    {
      name: "usage delta above 2^53 - 1",
      patch: { usages: [{ name: "hits", delta: 9007199254740992 }] },
      error: `${R}.usages[0].delta: integer out of range (-9007199254740991..9007199254740991)`,
    },
    {
      name: "usage delta below -(2^53 - 1)",
      patch: { usages: [{ name: "hits", delta: -9007199254740992 }] },
      error: `${R}.usages[0].delta: integer out of range (-9007199254740991..9007199254740991)`,
    },
  ])("$name → $error", async ({ patch, error }) => {
    const r = await validate(withRules([rule(patch as { [k: string]: Json })]));
    expect(r.errors).toEqual([error]);
  });

  it.each([
    { delta: 0, warnings: [] },
    { delta: 9007199254740991, warnings: [] },
    { delta: -9007199254740991, warnings: [`${R}.usages[0].delta: negative usage: the backend rejects it`] },
    { delta: -1, warnings: [`${R}.usages[0].delta: negative usage: the backend rejects it`] },
  ])("delta $delta is accepted", async ({ delta, warnings }) => {
    const r = await validate(withRules([rule({ usages: [{ name: "hits", delta }] })]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(warnings);
    expect(r.config?.services[0].mapping_rules[0].usages[0].delta).toBe(delta);
  });

  it("warns about unknown rule and usage members", async () => {
    const r = await validate(withRules([rule({ position: 1, usages: [{ name: "hits", delta: 1, metric: "x" }] })]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${R}.position: unknown field`, `${R}.usages[0].metric: unknown field`]);
  });

  it.each([
    { name: "absent", rules: undefined, path: `${S}.mapping_rules` },
    { name: "empty", rules: [], path: `${S}.mapping_rules` },
  ])("no mapping rules ($name) and no system → a 404 warning", async ({ rules }) => {
    const r = await validate(withService((s) => {
      if (rules === undefined) delete s.mapping_rules;
      else s.mapping_rules = rules;
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${S}.mapping_rules: no mapping rules and no system: every request to this service gets 404 No Mapping Rule matched`]);
  });

  it("no mapping rules with a system configured → no warning", async () => {
    const config = withService((s) => {
      delete s.mapping_rules;
    });
    config.system = systemObject();
    const r = await validate(config);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
  });
});
