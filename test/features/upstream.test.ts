// Credential stripping and upstream identity headers (docs/features.md): what an allowed request
// carries upstream. Clients cannot spoof the identity headers; keys can be kept from the service.
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, config, header, headersNamed, request, requestHeaders, startFilter } from "./helpers.js";

const CREDS = {
  user_key: [{ query_string: { keys: ["api_key", "user_key"] } }, { header: { keys: ["X-API-Key"] } }],
  app_id: [{ header: { keys: ["app-id"] } }, { query_string: { keys: ["app_id"] } }],
  app_key: [{ header: { keys: ["app-key"] } }, { query_string: { keys: ["app_key"] } }],
};

async function upstream(svc: Record<string, unknown>, path: string, extra: Array<[string, string]> = [], answer = 200) {
  const sim = await startFilter(config({}, { credentials: CREDS, ...svc }), { clusters: { [BACKEND_CLUSTER]: () => ({ status: answer }) } });
  const { s, decision } = await request(sim, requestHeaders("GET", path, extra));
  return { s, decision, sim, headers: s.forwardedUpstream?.headers ?? [] };
}

describe("credential stripping", () => {
  it.each([
    { name: "user_key in the query (middle)", path: "/a?x=1&api_key=K&y=2", extra: [], wantPath: "/a?x=1&y=2", gone: [] },
    { name: "user_key in the query (only item)", path: "/a?api_key=K", extra: [], wantPath: "/a", gone: [] },
    { name: "every copy of the used parameter", path: "/a?api_key=K&z=&api_key=L", extra: [], wantPath: "/a?z=", gone: [] },
    { name: "an encoded parameter name", path: "/a?api%5Fkey=K&b=1", extra: [], wantPath: "/a?b=1", gone: [] },
    { name: "only the parameter the lookup used", path: "/a?api_key=K&user_key=U", extra: [], wantPath: "/a?user_key=U", gone: [] },
    { name: "user_key in a header", path: "/a?q=1", extra: [["x-api-key", "K"]], wantPath: "/a?q=1", gone: ["x-api-key"] },
    { name: "app_id and app_key in headers", path: "/a", extra: [["app-id", "A"], ["app-key", "B"]], wantPath: "/a", gone: ["app-id", "app-key"] },
    { name: "app_id in a header, app_key in the query", path: "/a?app_key=B&k=v", extra: [["app-id", "A"]], wantPath: "/a?k=v", gone: ["app-id"] },
  ] as Array<{ name: string; path: string; extra: Array<[string, string]>; wantPath: string; gone: string[] }>)("removes $name", async ({ path, extra, wantPath, gone }) => {
    const { decision, headers } = await upstream({ strip_credentials: true }, path, extra);
    expect(decision).toBe("continued");
    expect(header(headers, ":path")).toBe(wantPath);
    for (const g of gone) expect(header(headers, g)).toBeUndefined();
    expect(header(headers, ":authority")).toBe("api.example.com");
  });

  it("leaves the request unchanged by default (docs/behaviour.md)", async () => {
    const { headers } = await upstream({}, "/a?api_key=K", [["x-api-key", "H"]]);
    expect(header(headers, ":path")).toBe("/a?api_key=K");
    expect(header(headers, "x-api-key")).toBe("H");
  });

  it("keeps the fragment and unrelated items byte for byte", async () => {
    const { headers } = await upstream({ strip_credentials: true }, "/a?b=%41+c&api_key=K#frag");
    expect(header(headers, ":path")).toBe("/a?b=%41+c#frag");
  });
});

describe("upstream identity headers", () => {
  const identity = { identity_headers: { app_id: "X-3scale-App-Id", service_id: "x-3scale-service-id" } };

  it("sets the app id and the service id, replacing client-supplied copies", async () => {
    const { headers } = await upstream(identity, "/", [["app-id", "A1"], ["x-3scale-app-id", "spoof"], ["x-3scale-app-id", "spoof2"], ["x-3scale-service-id", "spoof"]]);
    expect(headersNamed(headers, "x-3scale-app-id")).toEqual(["A1"]);
    expect(headersNamed(headers, "x-3scale-service-id")).toEqual(["2555417834780"]);
  });

  it("removes a client-supplied app id when the credential is a user_key", async () => {
    const { headers } = await upstream(identity, "/?api_key=K", [["x-3scale-app-id", "spoof"]]);
    expect(headersNamed(headers, "x-3scale-app-id")).toEqual([]);
    expect(headersNamed(headers, "x-3scale-service-id")).toEqual(["2555417834780"]);
  });

  it("sets only the configured header", async () => {
    const { headers } = await upstream({ identity_headers: { service_id: "x-svc" } }, "/", [["app-id", "A1"], ["x-3scale-app-id", "client"]]);
    expect(header(headers, "x-svc")).toBe("2555417834780");
    expect(header(headers, "x-3scale-app-id")).toBe("client");
  });

  it("works together with stripping", async () => {
    const { headers } = await upstream({ ...identity, strip_credentials: true }, "/", [["app-id", "A1"], ["app-key", "secret"]]);
    expect([header(headers, "app-id"), header(headers, "app-key"), header(headers, "x-3scale-app-id")]).toEqual([undefined, undefined, "A1"]);
  });

  it("touches nothing on a rejected request", async () => {
    const { decision, s } = await upstream({ ...identity, strip_credentials: true }, "/?api_key=K", [], 403);
    expect(decision).toBe("local-reply");
    expect(s.forwardedUpstream).toBeUndefined();
  });
});
