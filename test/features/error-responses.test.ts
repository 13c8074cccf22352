// Per-service error responses (docs/features.md): status, body, content type and headers of
// auth_failed, auth_missing, no_match and limits_exceeded; static, or from the system proxy
// config when the service opts in (static wins part by part); the spec's replies by default.
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, SYSTEM_CLUSTER, config, get, request, service, startFilter, systemBlock } from "./helpers.js";

const CUSTOM = {
  auth_failed: { status: 401, body: '{"error":"auth failed"}', content_type: "application/json", headers: { "WWW-Authenticate": "Bearer", "x-reason": "auth" } },
  auth_missing: { status: 401, body: "Authentication Missing" },
  no_match: { body: "nothing here\n" },
  limits_exceeded: { status: 503, headers: { "retry-after": "60" } },
};

type Answer = { status: number; headers?: Array<[string, string]> };
const REQUESTS: Record<string, { path: string; answer?: Answer }> = {
  auth_failed: { path: "/?user_key=k", answer: { status: 403 } },
  auth_missing: { path: "/" },
  no_match: { path: "/x?user_key=k" },
  limits_exceeded: { path: "/?user_key=k", answer: { status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"]] } },
};
const rules = [{ method: "GET", pattern: "/$", usages: [{ name: "hits", delta: 1 }] }];

async function replyFor(kind: string, svc: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const r = REQUESTS[kind]!;
  const sim = await startFilter(config(extra, { mapping_rules: rules, ...svc }), { clusters: { [BACKEND_CLUSTER]: () => r.answer ?? { status: 200 } } });
  const { s, decision } = await request(sim, get(r.path));
  expect(decision).toBe("local-reply");
  return s.localResponse!;
}

describe("static error responses", () => {
  it.each([
    { kind: "auth_failed", status: 401, body: '{"error":"auth failed"}', details: "threescale_auth_failed",
      headers: [["www-authenticate", "Bearer"], ["x-reason", "auth"], ["content-type", "application/json"]] },
    { kind: "auth_missing", status: 401, body: "Authentication Missing", details: "threescale_credentials_missing", headers: [] },
    { kind: "no_match", status: 404, body: "nothing here\n", details: "threescale_no_mapping_rule", headers: [] },
    { kind: "limits_exceeded", status: 503, body: "Usage limit exceeded\n", details: "threescale_limits_exceeded", headers: [["retry-after", "60"]] },
  ])("$kind → $status", async ({ kind, status, body, details, headers }) => {
    const reply = await replyFor(kind, { error_responses: CUSTOM });
    expect([reply.status, reply.bodyText, reply.details]).toEqual([status, body, details]);
    expect(reply.additionalHeaders).toEqual(headers);
    // Envoy keeps a content type the module gave and adds text/plain otherwise.
    const ct = reply.headers.find(([k]) => k === "content-type")?.[1];
    expect(ct).toBe(kind === "auth_failed" ? "application/json" : "text/plain");
  });

  it.each(Object.keys(REQUESTS))("%s keeps the spec's exact reply when not configured", async (kind) => {
    const reply = await replyFor(kind, {});
    const spec: Record<string, [number, string]> = {
      auth_failed: [403, "Authentication failed\n"], auth_missing: [403, "Authentication parameters missing\n"],
      no_match: [404, "No Mapping Rule matched\n"], limits_exceeded: [429, "Usage limit exceeded\n"],
    };
    expect([reply.status, reply.bodyText]).toEqual(spec[kind]);
    expect(reply.additionalHeaders).toEqual([]);
  });

  it("applies only to its own service", async () => {
    const sim = await startFilter(config({ services: [
      service({ id: "A", authorities: ["a.example.com"], error_responses: { auth_missing: { status: 401 } } }),
      service({ id: "B", authorities: ["*"] }),
    ] }), { clusters: { [BACKEND_CLUSTER]: "manual" } });
    const a = await request(sim, [[":method", "GET"], [":path", "/"], [":authority", "a.example.com"]]);
    const b = await request(sim, [[":method", "GET"], [":path", "/"], [":authority", "b.example.com"]]);
    expect([a.s.localResponse!.status, b.s.localResponse!.status]).toEqual([401, 403]);
  });
});

describe("error responses from the system proxy config", () => {
  const proxy = {
    error_auth_failed: "Porta says no", error_status_auth_failed: 401, error_headers_auth_failed: "text/plain; charset=us-ascii",
    error_auth_missing: "Authentication Missing", error_status_auth_missing: 401, error_headers_auth_missing: "text/plain; charset=us-ascii",
    error_no_match: "No Mapping Rule matched", error_status_no_match: 404, error_headers_no_match: "text/plain; charset=us-ascii",
    error_limits_exceeded: "Limits!", error_status_limits_exceeded: "not a status",
    proxy_rules: [{ http_method: "GET", pattern: "/$", metric_system_name: "hits", delta: 1 }],
  };
  const answer = JSON.stringify({ proxy_config: { content: { backend_version: "1", proxy } } });

  async function withSystem(errorResponses: unknown, kind: string) {
    const svc: Record<string, unknown> = { mapping_rules: [] };
    if (errorResponses !== undefined) svc.error_responses = errorResponses;
    const r = REQUESTS[kind]!;
    const sim = await startFilter(config({ system: systemBlock() }, svc), {
      clusters: { [BACKEND_CLUSTER]: () => r.answer ?? { status: 200 }, [SYSTEM_CLUSTER]: () => ({ status: 200, body: answer }) },
    });
    await sim.idle();
    const { s } = await request(sim, get(r.path));
    return s.localResponse!;
  }

  it("ignores them unless the service opts in (defaults stay the spec's)", async () => {
    const reply = await withSystem(undefined, "auth_failed");
    expect([reply.status, reply.bodyText]).toEqual([403, "Authentication failed\n"]);
  });

  it("uses status, body and content type with from_system", async () => {
    const reply = await withSystem({ from_system: true }, "auth_failed");
    expect([reply.status, reply.bodyText]).toEqual([401, "Porta says no"]);
    expect(reply.additionalHeaders).toEqual([["content-type", "text/plain; charset=us-ascii"]]);
  });

  it("static parts win, unset parts come from system", async () => {
    const reply = await withSystem({ from_system: true, auth_failed: { status: 418, headers: { "x-a": "1" } } }, "auth_failed");
    expect([reply.status, reply.bodyText]).toEqual([418, "Porta says no"]);
    expect(reply.additionalHeaders).toEqual([["x-a", "1"], ["content-type", "text/plain; charset=us-ascii"]]);
  });

  it("skips a malformed status (warning) and keeps the other parts", async () => {
    const reply = await withSystem({ from_system: true }, "limits_exceeded");
    expect([reply.status, reply.bodyText]).toEqual([429, "Limits!"]);
  });
});
