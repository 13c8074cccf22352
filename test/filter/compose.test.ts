// The compose example (docs/behaviour.md, C1–C12), system answer not yet arrived.
import { describe, expect, it } from "vitest";
import { credentialsOf, expectReply, onlyAuthrep, REPLY, send, requestHeaders, startFilter, type Headers } from "./harness.js";
import { COMPOSE_CONFIG } from "./fixtures.js";

const JWT_NS = "envoy.filters.http.jwt_authn";

async function compose() {
  return startFilter(COMPOSE_CONFIG);
}

describe("compose example", () => {
  it("loading logs the two unknown-field warnings", async () => {
    const sim = await compose();
    const warnings = sim.logs.filter((l) => l.level === 3).map((l) => l.message);
    expect(warnings.filter((w) => w.endsWith("split.indexes: unknown field"))).toHaveLength(2);
    expect(warnings.some((w) => w.includes("app_id[4].header.ops[0].split.indexes: unknown field"))).toBe(true);
    expect(warnings.some((w) => w.includes("ops[2].split.indexes: unknown field"))).toBe(true);
    expect(sim.logs.some((l) => l.message === "configuration accepted: api v1, 1 service(s), system enabled")).toBe(true);
  });

  it("C1 user_key from api_key", async () => {
    const sim = await compose();
    send(sim, requestHeaders("GET", "/some_path?param=1&api_key=some_api_key&other_param=3", [], "ingress"));
    const { call } = onlyAuthrep(sim);
    expect(call.path).toBe("/transactions/authrep.xml?service_id=2555417834780&service_token=service_token&user_key=some_api_key&usage[hits]=1");
    expect(call.header("3scale-options")).toBe("rejection_reason_header=1&no_body=1");
  });

  const cases: Array<[string, string, Headers, Record<string, { [k: string]: unknown }> | undefined, Record<string, string>, Record<string, number>]> = [
    ["C2 api_key with extra parts", "/?api_key=key:extra:more", [], undefined, { user_key: "key" }, { hits: 1 }],
    ["C3 app_id and app_key in the query", "/some_path?param=1&app_id=some_app_id&other_param=3&app_key=some_app_key", [], undefined, { app_id: "some_app_id", app_key: "some_app_key" }, { hits: 1 }],
    ["C4 Basic", "/somepath", [["authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"]], undefined, { app_id: "aladdin", app_key: "opensesame" }, { hits: 1 }],
    ["C5 unpadded Basic", "/somepath", [["authorization", "Basic YWRtaW46cGFzczE"]], undefined, { app_id: "admin", app_key: "pass1" }, { hits: 1 }],
    ["C6 OIDC from jwt_authn metadata", "/oidc", [["authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJhenAiOiJ0ZXN0In0.sig"]],
      { [JWT_NS]: { verified_jwt: { azp: "test", aud: ["test"] } } }, { app_id: "test" }, { hits: 2, oidc: 1 }],
    ["C7 bigsale rule", "/x?bigsale=1&api_key=k", [], undefined, { user_key: "k" }, { hits: 1, sale: 5 }],
  ];

  it.each(cases)("%s", async (_name, path, headers, metadata, creds, usage) => {
    const sim = await compose();
    const s = send(sim, requestHeaders("GET", path, headers, "ingress"), metadata);
    expect(s.localResponse ?? null).toBeNull();
    const { authrep } = onlyAuthrep(sim);
    expect(credentialsOf(authrep)).toEqual(creds);
    expect(authrep.usage).toEqual(usage);
  });

  it("C8 X-API-Key is not a configured source", async () => {
    const sim = await compose();
    expectReply(send(sim, requestHeaders("GET", "/", [["x-api-key", "invalid-key"]], "web.app")), REPLY.credentialsMissing);
  });

  it.each([
    ["C9 backend 403", { status: 403 }, REPLY.authFailed],
    ["C10 backend 409 limits_exceeded", { status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"]] }, REPLY.limitsExceeded],
    ["C11b backend 500", { status: 500 }, REPLY.badGateway],
  ] as const)("%s", async (_name, answer, reply) => {
    const sim = await compose();
    const s = send(sim, requestHeaders("GET", "/some_path?api_key=some_api_key", [], "ingress"));
    onlyAuthrep(sim).call.respond(answer as never);
    expectReply(s, reply);
  });

  it("C11 the call fails with no response", async () => {
    const sim = await compose();
    const s = send(sim, requestHeaders("GET", "/some_path?api_key=some_api_key", [], "ingress"));
    onlyAuthrep(sim).call.fail();
    expectReply(s, REPLY.badGateway);
  });

  it("C11b the host times the call out (504)", async () => {
    const sim = await compose();
    const s = send(sim, requestHeaders("GET", "/some_path?api_key=some_api_key", [], "ingress"));
    sim.advanceTime(5000);
    expectReply(s, REPLY.badGateway);
  });

  it("C12 an allowed request carries powered-by: 3scale", async () => {
    const sim = await compose();
    const s = send(sim, requestHeaders("GET", "/?api_key=k", [], "ingress"));
    onlyAuthrep(sim).call.respond({ status: 200 });
    expect(s.requestDecision).toBe("continued");
    s.sendResponseHeaders([[":status", "200"], ["powered-by", "other"]]);
    expect(s.sentDownstream!.headers!.filter(([k]) => k === "powered-by")).toEqual([["powered-by", "3scale"]]);
  });
});
