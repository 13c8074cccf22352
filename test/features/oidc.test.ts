// OIDC services (docs/features.md): authorized with oauth_authrep.xml, the client id from the JWT
// as app_id and no app_key needed (3scale's backend API); marked statically or by system's
// backend_version "oauth".
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, SYSTEM_CLUSTER, config, filterOn, get, limitedBackend, request, s1Config, startFilter, systemBlock } from "./helpers.js";
import { parseAuthrep } from "../filter/harness.js";

const JWT_NS = "envoy.filters.http.jwt_authn";
const jwt = (azp: string) => ({ [JWT_NS]: { verified_jwt: { azp, aud: ["x"] } } });
const OIDC_CREDS = {
  app_id: [{ filter: { path: [JWT_NS, "verified_jwt"], keys: ["azp", "aud"], ops: [{ take: { head: 1 } }] } }],
  app_key: [{ header: { keys: ["x-app-key"] } }],
};

describe("OIDC services against the backend simulator", () => {
  it("authorizes the client id with oauth_authrep.xml (bv oauth service)", async () => {
    const backend = limitedBackend(5, "oauth");
    const sim = await filterOn(backend, s1Config({ authentication: "oidc", credentials: OIDC_CREDS }));
    const { decision } = await request(sim, get("/"), jwt("client-1"));
    expect(decision).toBe("continued");
    const r = backend.requests[0]!;
    expect(r.path).toBe("/transactions/oauth_authrep.xml");
    expect(r.query).toBe("service_id=S1&service_token=st-secret&app_id=client-1&usage[hits]=1");
    await backend.flushReports();
    expect(backend.usage("S1", "client-1", "hits", "minute")).toBe(1);
  });

  it("an unknown client id is denied (403)", async () => {
    const backend = limitedBackend(5, "oauth");
    const sim = await filterOn(backend, s1Config({ authentication: "oidc", credentials: OIDC_CREDS }));
    const { s } = await request(sim, get("/"), jwt("nobody"));
    expect(s.localResponse!.status).toBe(403);
  });

  it("a service the backend does not know as OIDC is denied (oauth_not_enabled)", async () => {
    const backend = limitedBackend(5, "2");
    const sim = await filterOn(backend, s1Config({ authentication: "oidc", credentials: OIDC_CREDS }));
    const { s } = await request(sim, get("/"), jwt("client-1"));
    expect(backend.requests[0]!.path).toBe("/transactions/oauth_authrep.xml");
    expect(s.localResponse!.status).toBe(403);
  });
});

describe("OIDC credentials", () => {
  async function authrepOf(svc: Record<string, unknown>, headers: Array<[string, string]>, metadata = jwt("c1"), path = "/") {
    const sim = await startFilter(config({}, svc), { clusters: { [BACKEND_CLUSTER]: "manual" } });
    const s = sim.newHttpStream({ metadata: metadata as never });
    s.sendRequestHeaders(get(path, headers), { endOfStream: true });
    const call = sim.httpCalls.pending()[0];
    return { s, authrep: call ? parseAuthrep(call.path) : undefined, logs: sim.logs.map((l) => l.message) };
  }

  it.each([
    { name: "no app_key", headers: [], want: "service_id=2555417834780&service_token=service_token&app_id=c1&usage[hits]=1" },
    { name: "a non-empty app_key is sent", headers: [["x-app-key", "k1"]], want: "service_id=2555417834780&service_token=service_token&app_id=c1&app_key=k1&usage[hits]=1" },
    { name: "an empty app_key is not sent", headers: [["x-app-key", ""]], want: "service_id=2555417834780&service_token=service_token&app_id=c1&usage[hits]=1" },
  ] as Array<{ name: string; headers: Array<[string, string]>; want: string }>)("$name", async ({ headers, want }) => {
    const { authrep } = await authrepOf({ authentication: "oidc", credentials: OIDC_CREDS }, headers);
    expect(authrep!.base).toBe("/transactions/oauth_authrep.xml");
    expect(authrep!.path.slice(authrep!.path.indexOf("?") + 1)).toBe(want);
  });

  it("ignores a user_key lookup (with a warning) and sends the client id", async () => {
    const svc = { authentication: "oidc", credentials: { ...OIDC_CREDS, user_key: [{ query_string: { keys: ["user_key"] } }] } };
    const { authrep, logs } = await authrepOf(svc, []);
    expect(logs).toContain("configuration warning: services[0].credentials.user_key: ignored: an OIDC service is authorized with app_id only");
    const { authrep: withKey } = await authrepOf(svc, [], jwt("c1"), "/?user_key=uk");
    expect(authrep!.param("app_id")).toBe("c1");
    expect([withKey!.param("user_key"), withKey!.param("app_id")]).toEqual([undefined, "c1"]);
  });

  it("the debug line names oauth_authrep.xml and masks the token", async () => {
    const { logs } = await authrepOf({ authentication: "oidc", credentials: OIDC_CREDS }, []);
    const line = logs.find((l) => l.startsWith("authrep: cluster "));
    expect(line).toContain("/transactions/oauth_authrep.xml?service_id=2555417834780&service_token=");
    expect(line).not.toContain("service_token=service_token");
  });

  it("no client id → 403 Authentication parameters missing", async () => {
    const { s, authrep } = await authrepOf({ authentication: "oidc", credentials: OIDC_CREDS }, [], {} as never);
    expect(authrep).toBeUndefined();
    expect([s.localResponse!.status, s.localResponse!.bodyText]).toEqual([403, "Authentication parameters missing\n"]);
  });

  it("standard services keep authrep.xml", async () => {
    const { authrep } = await authrepOf({ credentials: OIDC_CREDS }, []);
    expect(authrep!.base).toBe("/transactions/authrep.xml");
  });
});

describe("OIDC from the system proxy config", () => {
  async function endpointAfterFetch(backendVersion: string, authentication?: string) {
    const svc: Record<string, unknown> = { credentials: OIDC_CREDS };
    if (authentication) svc.authentication = authentication;
    const answer = JSON.stringify({ proxy_config: { content: { backend_version: backendVersion, proxy: { proxy_rules: [] } } } });
    const sim = await startFilter(config({ system: systemBlock() }, svc), {
      clusters: { [BACKEND_CLUSTER]: "manual", [SYSTEM_CLUSTER]: () => ({ status: 200, body: answer }) },
    });
    await sim.idle();
    const s = sim.newHttpStream({ metadata: jwt("c1") as never });
    s.sendRequestHeaders(get("/"), { endOfStream: true });
    return parseAuthrep(sim.httpCalls.pending().find((c) => c.cluster === BACKEND_CLUSTER)!.path).base;
  }

  it.each([
    { bv: "oauth", auth: undefined, want: "/transactions/oauth_authrep.xml" },
    { bv: "2", auth: undefined, want: "/transactions/authrep.xml" },
    { bv: "oauth", auth: "standard", want: "/transactions/authrep.xml" },
    { bv: "1", auth: "oidc", want: "/transactions/oauth_authrep.xml" },
  ])("backend_version $bv, authentication $auth → $want", async ({ bv, auth, want }) => {
    expect(await endpointAfterFetch(bv, auth)).toBe(want);
  });
});

describe("OIDC with the authorization cache", () => {
  it("asks oauth_authorize.xml on a miss, and the backend simulator allows the client", async () => {
    const backend = limitedBackend(5, "oauth");
    const sim = await filterOn(backend, s1Config({ authentication: "oidc", credentials: OIDC_CREDS }, { cache: { enabled: true } }));
    const { decision } = await request(sim, get("/"), jwt("client-1"));
    expect(decision).toBe("continued");
    expect(backend.requests[0]!.path).toBe("/transactions/oauth_authorize.xml");
    expect(backend.requests[0]!.query).toBe("service_id=S1&service_token=st-secret&app_id=client-1&usage[hits]=1");
  });
});
