// Configuration of the gateway features (docs/features.md): every new field is read by the module
// with diagnostics at its JSON path, and the JSON Schema agrees with the module on valid and
// invalid documents (as test/schema/agreement.test.ts does for the v1 fields).
import { describe, expect, it } from "vitest";
import { formatPath } from "../../src-host-sim/cli/lib/json-path.js";
import { readDiagnostics } from "../../src-host-sim/cli/lib/module-check.js";
import { validateSchema } from "../../src-host-sim/cli/lib/schema.js";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { baseConfig, splitProblem } from "../schema/fixtures.js";

type Obj = Record<string, unknown>;

async function configure(config: unknown) {
  const sim = await ProxyWasmSimulator.create(modulePath("product"), { pluginConfiguration: JSON.stringify(config), clusters: {} });
  const started = sim.start();
  const { problems } = readDiagnostics(sim.logs.map((l) => l.message));
  const text = (sev: string) => problems.filter((p) => p.severity === sev).map((p) => `${p.pathText}: ${p.reason}`);
  return { ok: started.ok, trapped: started.trapped, errors: text("error"), warnings: text("warning") };
}

function withService(extra: Obj, backend: Obj = {}): Obj {
  const c = baseConfig() as Obj;
  const services = c.services as Obj[];
  services[0] = { ...services[0], ...extra };
  c.backend = { ...(c.backend as Obj), ...backend };
  return c;
}

const OIDC_CREDS = { app_id: [{ filter: { path: ["envoy.filters.http.jwt_authn", "verified_jwt"], keys: ["azp"] } }] };

const VALID: Array<{ name: string; config: Obj; warnings?: string[] }> = [
  { name: "metrics on", config: { ...withService({}), metrics: true } },
  { name: "metrics null", config: { ...withService({}), metrics: null } },
  { name: "rate_limit_headers on", config: withService({}, { rate_limit_headers: true }) },
  { name: "rate_limit_headers off / null", config: withService({}, { rate_limit_headers: null }) },
  { name: "authentication standard", config: withService({ authentication: "standard" }) },
  { name: "authentication oidc", config: withService({ authentication: "oidc", credentials: OIDC_CREDS }) },
  { name: "oidc with a user_key lookup (ignored)", config: withService({ authentication: "oidc", credentials: { ...OIDC_CREDS, user_key: [{ header: { keys: ["k"] } }] } }),
    warnings: ["services[0].credentials.user_key: ignored: an OIDC service is authorized with app_id only"] },
  { name: "every error response part", config: withService({ error_responses: {
    from_system: true,
    auth_failed: { status: 401, body: "no", content_type: "application/json", headers: { "WWW-Authenticate": "Bearer", "x-a": "" } },
    auth_missing: { status: 401 }, no_match: { body: "" }, limits_exceeded: { status: 599, headers: {} },
  } }) },
  { name: "error responses null members", config: withService({ error_responses: { auth_failed: null, from_system: null } }) },
  { name: "strip_credentials", config: withService({ strip_credentials: true }) },
  { name: "identity headers", config: withService({ identity_headers: { app_id: "X-3scale-App-Id", service_id: "x-3scale-service-id" } }) },
  { name: "identity headers, service id only", config: withService({ identity_headers: { service_id: "x-svc" } }) },
  { name: "empty identity headers (warning)", config: withService({ identity_headers: {} }), warnings: ["services[0].identity_headers: sets no header"] },
  { name: "unknown member of an error response (warning)", config: withService({ error_responses: { no_match: { stauts: 404 } } }),
    warnings: ["services[0].error_responses.no_match.stauts: unknown field"] },
];

const INVALID: Array<{ name: string; config: Obj; problem: string; caughtBy: "schema" | "module-only" }> = [
  { name: "metrics not a boolean", config: { ...withService({}), metrics: "on" }, problem: "metrics: expected boolean, got string", caughtBy: "schema" },
  { name: "rate_limit_headers not a boolean", config: withService({}, { rate_limit_headers: "yes" }), problem: "backend.rate_limit_headers: expected boolean, got string", caughtBy: "schema" },
  { name: "unknown authentication", config: withService({ authentication: "oauth" }), problem: "services[0].authentication: invalid value \"oauth\"…", caughtBy: "schema" },
  { name: "oidc without app_id", config: withService({ authentication: "oidc" }), problem: "services[0].credentials.app_id: missing required field (an OIDC service is authorized with the client id as app_id)", caughtBy: "module-only" },
  { name: "error_responses not an object", config: withService({ error_responses: [] }), problem: "services[0].error_responses: expected object, got array", caughtBy: "schema" },
  { name: "status out of range", config: withService({ error_responses: { auth_failed: { status: 700 } } }), problem: "services[0].error_responses.auth_failed.status: integer out of range (200..599)", caughtBy: "schema" },
  { name: "status 1xx", config: withService({ error_responses: { auth_failed: { status: 101 } } }), problem: "services[0].error_responses.auth_failed.status: integer out of range (200..599)", caughtBy: "schema" },
  { name: "status not an integer", config: withService({ error_responses: { no_match: { status: 404.5 } } }), problem: "services[0].error_responses.no_match.status: expected integer, got number", caughtBy: "schema" },
  { name: "body not a string", config: withService({ error_responses: { no_match: { body: 1 } } }), problem: "services[0].error_responses.no_match.body: expected string, got integer", caughtBy: "schema" },
  { name: "empty content type", config: withService({ error_responses: { no_match: { content_type: "" } } }), problem: "services[0].error_responses.no_match.content_type: must not be empty", caughtBy: "schema" },
  { name: "content type with a newline", config: withService({ error_responses: { no_match: { content_type: "text/plain\r\nx: y" } } }), problem: "services[0].error_responses.no_match.content_type: control characters are not allowed in a header value", caughtBy: "module-only" },
  { name: "header value not a string", config: withService({ error_responses: { auth_failed: { headers: { "x-a": 1 } } } }), problem: "services[0].error_responses.auth_failed.headers[\"x-a\"]: expected string, got integer", caughtBy: "schema" },
  { name: "header value with a newline", config: withService({ error_responses: { auth_failed: { headers: { "x-a": "1\nx" } } } }), problem: "services[0].error_responses.auth_failed.headers[\"x-a\"]: control characters are not allowed in a header value", caughtBy: "module-only" },
  { name: "strip_credentials not a boolean", config: withService({ strip_credentials: 1 }), problem: "services[0].strip_credentials: expected boolean, got integer", caughtBy: "schema" },
  { name: "identity header name with a space", config: withService({ identity_headers: { app_id: "x app" } }), problem: "services[0].identity_headers.app_id: invalid value \"x app\"…", caughtBy: "schema" },
  { name: "identity header pseudo-header", config: withService({ identity_headers: { service_id: ":path" } }), problem: "services[0].identity_headers.service_id: invalid value \":path\"…", caughtBy: "schema" },
  { name: "same identity header twice", config: withService({ identity_headers: { app_id: "x-id", service_id: "X-Id" } }), problem: "services[0].identity_headers.service_id: same header as app_id", caughtBy: "module-only" },
];

// Module-only problems the schema reports in its own words (object keys): not part of the agreement.
const MODULE_ONLY_KEYS: Array<{ name: string; config: Obj; problem: string }> = [
  { name: "reserved reply header", config: withService({ error_responses: { auth_failed: { headers: { "Content-Length": "1" } } } }), problem: "services[0].error_responses.auth_failed.headers[\"Content-Length\"]: reserved header (set by Envoy)" },
  { name: "content-type in headers", config: withService({ error_responses: { auth_failed: { headers: { "content-type": "x" } } } }), problem: "services[0].error_responses.auth_failed.headers[\"content-type\"]: reserved header (set by Envoy; use content_type)" },
  { name: "invalid reply header name", config: withService({ error_responses: { auth_failed: { headers: { "a b": "1" } } } }), problem: "services[0].error_responses.auth_failed.headers[\"a b\"]: invalid header name" },
];

describe("gateway feature fields: schema and module agree on valid configurations", () => {
  it.each(VALID)("both accept: $name", async ({ config, warnings }) => {
    expect(validateSchema(config)).toEqual([]);
    const m = await configure(config);
    expect(m.errors).toEqual([]);
    expect(m.ok).toBe(true);
    for (const w of warnings ?? []) expect(m.warnings).toContain(w);
  });
});

describe("gateway feature fields: schema and module agree on invalid configurations", () => {
  it.each(INVALID)("both reject: $name", async ({ config, problem, caughtBy }) => {
    const expected = splitProblem(problem);
    const matches = (p: string, reason: string) => p === expected.path && (expected.prefix ? reason.startsWith(expected.reason) : reason === expected.reason);
    const m = await configure(config);
    expect(m.trapped).toBeUndefined();
    expect(m.ok).toBe(false);
    expect(m.errors.some((e) => { const s = splitProblem(e); return matches(s.path, s.reason); }), JSON.stringify(m.errors)).toBe(true);
    const schema = validateSchema(config).map((p) => ({ path: formatPath(p.path), reason: p.reason }));
    if (caughtBy === "schema") expect(schema.some((p) => matches(p.path, p.reason)), JSON.stringify(schema)).toBe(true);
    else expect(schema).toEqual([]);
  });

  it.each(MODULE_ONLY_KEYS)("the module rejects: $name", async ({ config, problem }) => {
    const m = await configure(config);
    expect(m.ok).toBe(false);
    expect(m.errors).toContain(problem);
    expect(validateSchema(config).length).toBeGreaterThan(0);
  });
});
