// The authrep call (docs/behaviour.md): cluster, timeout, headers, path and percent-encoding.
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, config, get, onlyAuthrep, send, requestHeaders, startFilter } from "./harness.js";

const PREFIX = "/transactions/authrep.xml?service_id=2555417834780&service_token=service_token";

describe("authrep request", () => {
  it("user_key example: exact :path and headers", async () => {
    const sim = await startFilter(config());
    get(sim, "/?user_key=some_api_key");
    const { call } = onlyAuthrep(sim);
    expect(call.cluster).toBe(BACKEND_CLUSTER);
    expect(call.timeoutMs).toBe(5000);
    expect(call.path).toBe(PREFIX + "&user_key=some_api_key&usage[hits]=1");
    expect(call.header(":authority")).toBe("su1.3scale.net");
    expect(call.header(":scheme")).toBe("https");
    expect(call.header(":method")).toBe("GET");
    expect(call.header("3scale-options")).toBe("rejection_reason_header=1&no_body=1");
    expect(call.body.length).toBe(0);
    expect(call.trailers).toHaveLength(0);
  });

  it("app_id/app_key example", async () => {
    const sim = await startFilter(config({}, { credentials: { app_id: [{ query_string: { keys: ["app_id"] } }], app_key: [{ query_string: { keys: ["app_key"] } }] } }));
    get(sim, "/?app_id=aladdin&app_key=opensesame");
    expect(onlyAuthrep(sim).call.path).toBe(PREFIX + "&app_id=aladdin&app_key=opensesame&usage[hits]=1");
  });

  it("an empty app_key is sent as app_key=", async () => {
    const sim = await startFilter(config({}, { credentials: { app_id: [{ query_string: { keys: ["app_id"] } }], app_key: [{ query_string: { keys: ["app_key"] } }] } }));
    get(sim, "/?app_id=a&app_key=");
    expect(onlyAuthrep(sim).call.path).toBe(PREFIX + "&app_id=a&app_key=&usage[hits]=1");
  });

  it("every value and metric name is percent-encoded; brackets stay raw", async () => {
    const sim = await startFilter(config({}, {
      credentials: { user_key: [{ header: { keys: ["x-key"] } }] },
      mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "my metric", delta: 2 }] }],
    }));
    send(sim, requestHeaders("GET", "/", [["x-key", "pa ss&x=1+2%"]]));
    expect(onlyAuthrep(sim).call.path).toBe(PREFIX + "&user_key=pa%20ss%26x%3D1%2B2%25&usage[my%20metric]=2");
  });

  it.each([
    ["/?user_key=a+b", "a%20b"],
    ["/?user_key=a%2Bb", "a%2Bb"],
  ])("query %s is decoded then re-encoded as %s", async (path, encoded) => {
    const sim = await startFilter(config());
    get(sim, path);
    expect(onlyAuthrep(sim).call.path).toBe(PREFIX + "&user_key=" + encoded + "&usage[hits]=1");
  });

  it("service id and token are percent-encoded too", async () => {
    const sim = await startFilter(config({}, { id: "a b", token: "t/k=" }));
    get(sim, "/?user_key=k");
    expect(onlyAuthrep(sim).call.path).toBe("/transactions/authrep.xml?service_id=a%20b&service_token=t%2Fk%3D&user_key=k&usage[hits]=1");
  });

  it("backend URL with port, base path and query", async () => {
    const sim = await startFilter(config({ backend: { upstream: { name: BACKEND_CLUSTER, url: "https://Backend.Example.com:8443/api?tenant=a" } } }));
    get(sim, "/?user_key=k");
    const { call } = onlyAuthrep(sim);
    expect(call.header(":authority")).toBe("backend.example.com:8443");
    expect(call.path).toBe("/api/transactions/authrep.xml?service_id=2555417834780&service_token=service_token&user_key=k&usage[hits]=1&tenant=a");
    expect(call.header("3scale-options")).toBe("rejection_reason_header=1");
    expect(call.timeoutMs).toBe(1000);
  });

  it("http backend on its default port drops the port", async () => {
    const sim = await startFilter(config({ backend: { upstream: { name: BACKEND_CLUSTER, url: "http://backend:80" }, extensions: ["no_body", "limit_headers=2"] } }));
    get(sim, "/?user_key=k");
    const { call } = onlyAuthrep(sim);
    expect(call.header(":authority")).toBe("backend");
    expect(call.header(":scheme")).toBe("http");
    expect(call.header("3scale-options")).toBe("rejection_reason_header=1&no_body=1&limit_headers=2");
  });

  it("the request is paused (StopIteration) while the call is in flight", async () => {
    const sim = await startFilter(config());
    const s = sim.newHttpStream();
    const phase = s.sendRequestHeaders(requestHeaders("GET", "/?user_key=k"), { endOfStream: true });
    expect(phase.rawReturn).toBe(1);
    expect(s.status).toBe("paused-request");
    expect(s.forwardedUpstream?.headers ?? null).toBeNull();
  });
});
