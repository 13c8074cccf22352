// Every example configuration validates (schema + the real module, with no warning), its
// WasmPlugin twin carries the same configuration, and the module — in the host simulator, with
// the backend simulator answering authrep from examples/seed.yaml — lets a good request through
// and denies a bad one.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";
import { ProxyWasmSimulator, type HttpCallRequest } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";

const EXAMPLES = ["user-key", "app-id-app-key", "basic-auth", "basic-auth-extended", "oidc-jwt-authn", "jwt-payload-header", "system-fetched", "multi-service", "apicast-features", "cache"];

const bare = (name: string) => `examples/${name}.yaml`;
const plugin = (name: string) => `examples/wasmplugin/${name}.yaml`;

describe.each(EXAMPLES)("example %s", (name) => {
  it.each([bare(name), plugin(name)])("%s validates with no error and no warning", async (file) => {
    const io = new BufferIo();
    const code = await runCli(["validate", file, "--json"], io);
    const report = JSON.parse(io.stdout) as { valid: boolean; documents: Array<{ problems: unknown[]; module: string }> };
    expect(report.documents).toHaveLength(1);
    expect(report.documents[0].problems).toEqual([]);
    expect(report.documents[0].module).toMatch(/^configuration accepted: api v1/);
    expect(code).toBe(0);
  });

  it("has a WasmPlugin twin with the same pluginConfig", () => {
    const manifest = parse(readFileSync(plugin(name), "utf8")) as { kind: string; spec: { pluginConfig: unknown; phase: string } };
    expect(manifest.kind).toBe("WasmPlugin");
    expect(manifest.spec.phase).toBe("AUTHZ");
    expect(manifest.spec.pluginConfig).toEqual(parse(readFileSync(bare(name), "utf8")));
  });
});

// ---------------------------------------------------------------- requests through the module

interface Case {
  example: string;
  name: string;
  headers: Record<string, string>;
  metadata?: Record<string, Record<string, unknown>>;
  /** expected authrep query parameters (a subset), when an authrep must be sent */
  authrep?: Record<string, string>;
  /** "continued" or the local reply status and body */
  verdict: "continued" | { status: number; body: string };
}

const req = (path: string, extra: Record<string, string> = {}, authority = "api.example.com") => ({ ":method": "GET", ":scheme": "http", ":authority": authority, ":path": path, ...extra });
const DENIED_MISSING = { status: 403, body: "Authentication parameters missing\n" };
const DENIED_BACKEND = { status: 403, body: "Authentication failed\n" };

const cases: Case[] = [
  { example: "user-key", name: "a known user_key in the query passes", headers: req("/products/?user_key=user_key_demo"), authrep: { service_id: "2555417834780", user_key: "user_key_demo", "usage[hits]": "1", "usage[products]": "1" }, verdict: "continued" },
  { example: "user-key", name: "a user_key header passes", headers: req("/", { user_key: "some_api_key" }), authrep: { user_key: "some_api_key" }, verdict: "continued" },
  { example: "user-key", name: "an unknown user_key is denied by the backend", headers: req("/?user_key=nope"), authrep: { user_key: "nope" }, verdict: DENIED_BACKEND },
  { example: "user-key", name: "no user_key is denied locally", headers: req("/"), verdict: DENIED_MISSING },
  { example: "app-id-app-key", name: "app_id and app_key in the query pass", headers: req("/?app_id=aladdin&app_key=opensesame"), authrep: { service_id: "2555417834781", app_id: "aladdin", app_key: "opensesame" }, verdict: "continued" },
  { example: "app-id-app-key", name: "app_id and app_key headers pass", headers: req("/", { app_id: "some_app_id", app_key: "some_app_key" }), authrep: { app_id: "some_app_id", app_key: "some_app_key" }, verdict: "continued" },
  { example: "app-id-app-key", name: "a wrong app_key is denied by the backend", headers: req("/?app_id=aladdin&app_key=wrong"), authrep: { app_key: "wrong" }, verdict: DENIED_BACKEND },
  { example: "app-id-app-key", name: "an app_key alone is denied locally", headers: req("/?app_key=opensesame"), verdict: DENIED_MISSING },
  { example: "basic-auth", name: "Basic aladdin:opensesame passes", headers: req("/", { authorization: "Basic YWxhZGRpbjpvcGVuc2VzYW1l" }), authrep: { app_id: "aladdin", app_key: "opensesame" }, verdict: "continued" },
  { example: "basic-auth", name: "Basic admin with an app_key header reaches the backend, which denies it", headers: req("/", { authorization: "Basic YWRtaW4=", app_key: "K" }), authrep: { app_id: "admin", app_key: "K" }, verdict: DENIED_BACKEND },
  { example: "basic-auth", name: "a Bearer token is denied locally", headers: req("/", { authorization: "Bearer abc" }), verdict: DENIED_MISSING },
  { example: "basic-auth-extended", name: "Basic aladdin:opensesame passes", headers: req("/", { authorization: "Basic YWxhZGRpbjpvcGVuc2VzYW1l" }), authrep: { app_id: "aladdin", app_key: "opensesame" }, verdict: "continued" },
  { example: "basic-auth-extended", name: "Basic bob:secret fails the assert and is denied locally", headers: req("/", { authorization: "Basic Ym9iOnNlY3JldA==" }), verdict: DENIED_MISSING },
  { example: "basic-auth-extended", name: "a lower-case basic scheme fails the glob", headers: req("/", { authorization: "basic YWxhZGRpbjpvcGVuc2VzYW1l" }), verdict: DENIED_MISSING },
  { example: "oidc-jwt-authn", name: "jwt_authn metadata with azp passes", headers: req("/oidc"), metadata: { "envoy.filters.http.jwt_authn": { verified_jwt: { azp: "aladdin", aud: ["aladdin", "x"] } } }, authrep: { app_id: "aladdin", "usage[oidc]": "1", "usage[hits]": "1" }, verdict: "continued" },
  { example: "oidc-jwt-authn", name: "no jwt_authn metadata is denied locally", headers: req("/oidc"), verdict: DENIED_MISSING },
  { example: "jwt-payload-header", name: "an unpadded x-jwt-payload passes", headers: req("/", { "x-jwt-payload": "eyJhenAiOiJhbGFkZGluIiwiYXVkIjoieCJ9" }), authrep: { app_id: "aladdin" }, verdict: "continued" },
  { example: "jwt-payload-header", name: "an app_id the backend does not know is denied by the backend", headers: req("/", { "x-jwt-payload": Buffer.from('{"aud":["stranger"]}').toString("base64url") }), authrep: { app_id: "stranger" }, verdict: DENIED_BACKEND },
  { example: "jwt-payload-header", name: "an x-jwt-payload that is not base64 is denied locally", headers: req("/", { "x-jwt-payload": "!!!" }), verdict: DENIED_MISSING },
  { example: "multi-service", name: "api.example.com selects the user_key service", headers: req("/?user_key=user_key_demo"), authrep: { service_id: "2555417834780", user_key: "user_key_demo" }, verdict: "continued" },
  { example: "multi-service", name: "x.apps.example.com selects the app_id service", headers: req("/?app_id=aladdin&app_key=opensesame", {}, "x.apps.example.com"), authrep: { service_id: "2555417834781", app_id: "aladdin" }, verdict: "continued" },
  { example: "multi-service", name: "another authority is an unknown service", headers: req("/?user_key=user_key_demo", {}, "other.example.org"), verdict: { status: 403, body: "Unknown service\n" } },
];

/** The porta answer shipped for system-fetched.yaml (docs/cli.md uses it): the token and rules of examples/seed.yaml. */
const PORTA_ANSWER = readFileSync("examples/porta-answer.json", "utf8");

/**
 * The backend's seed: examples/seed.yaml. An OpenID Connect service is an "oauth" service in
 * 3scale (the backend checks the app_id only; the JWT was verified by the proxy), so the OIDC
 * examples run against the same seed with service 2555417834781 switched to backend_version oauth.
 */
function seedFor(example: string): Record<string, unknown> {
  const seed = parse(readFileSync("examples/seed.yaml", "utf8")) as { services: Array<Record<string, unknown>> };
  if (example === "oidc-jwt-authn" || example === "jwt-payload-header") {
    for (const s of seed.services) if (s.id === "2555417834781") s.backend_version = "oauth";
  }
  return seed;
}

async function run(example: string, headers: Record<string, string>, metadata?: Case["metadata"], systemAnswered = true) {
  const config = JSON.stringify(parse(readFileSync(bare(example), "utf8")));
  const backend = new BackendSimulator({ seed: seedFor(example) });
  const authreps: URLSearchParams[] = [];
  const sim = await ProxyWasmSimulator.create(modulePath("product"), {
    pluginConfiguration: config,
    clusters: {
      "3scale-backend": (call: HttpCallRequest) => {
        authreps.push(new URLSearchParams(call.path.slice(call.path.indexOf("?") + 1)));
        const headersIn: Record<string, string> = {};
        for (const [k, v] of call.headers) headersIn[k.toLowerCase()] = v;
        const r = backend.handle({ method: call.method, url: call.path, headers: headersIn });
        return { status: r.status, headers: r.headers, body: r.body };
      },
      "3scale-system": systemAnswered ? () => ({ status: 200, headers: { "content-type": "application/json" }, body: PORTA_ANSWER }) : "manual",
    },
  });
  expect(sim.start().ok).toBe(true);
  await sim.idle();
  const stream = sim.newHttpStream(metadata ? { metadata: metadata as never } : {});
  stream.sendRequestHeaders(headers, { endOfStream: true });
  const decision = await stream.whenRequestDecided();
  return { decision, reply: stream.localResponse, authreps };
}

describe("example requests through the module", () => {
  it.each(cases)("$example: $name", async (c) => {
    const { decision, reply, authreps } = await run(c.example, c.headers, c.metadata);
    if (c.authrep) {
      expect(authreps).toHaveLength(1);
      for (const [k, v] of Object.entries(c.authrep)) expect(authreps[0].get(k), k).toBe(v);
    } else {
      expect(authreps).toHaveLength(0);
    }
    if (c.verdict === "continued") {
      expect(decision).toBe("continued");
    } else {
      expect(decision).toBe("local-reply");
      expect({ status: reply?.status, body: reply?.bodyText }).toEqual(c.verdict);
    }
  });

  it("system-fetched: once system answered, the fetched token and rule authorize the request", async () => {
    const { decision, authreps } = await run("system-fetched", req("/?user_key=user_key_demo"));
    expect(authreps).toHaveLength(1);
    expect(authreps[0].get("service_token")).toBe("service_token");
    expect(authreps[0].get("usage[hits]")).toBe("1");
    expect(decision).toBe("continued");
  });

  it("system-fetched: the shipped porta answer's second rule adds products on /products/", async () => {
    const { decision, authreps } = await run("system-fetched", req("/products/?user_key=user_key_demo"));
    expect(authreps).toHaveLength(1);
    expect(authreps[0].get("usage[hits]")).toBe("1");
    expect(authreps[0].get("usage[products]")).toBe("1");
    expect(decision).toBe("continued");
  });

  it("system-fetched: before system answers, a request is denied with 404 (no rules yet)", async () => {
    const { decision, reply, authreps } = await run("system-fetched", req("/?user_key=user_key_demo"), undefined, false);
    expect(authreps).toHaveLength(0);
    expect(decision).toBe("local-reply");
    expect({ status: reply?.status, body: reply?.bodyText }).toEqual({ status: 404, body: "No Mapping Rule matched\n" });
  });
});
