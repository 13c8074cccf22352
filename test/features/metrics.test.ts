// Metrics (docs/features.md): counters by verdict, the authrep latency histogram and system
// fetch outcomes, defined once per VM through the raw metrics ABI and read from the simulator.
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, SYSTEM_CLUSTER, config as baseConfig, requestHeaders, service, startFilter, systemBlock, type Json } from "./helpers.js";

/** config: the harness configuration with metrics switched on. */
const config = (overrides: Json = {}, svc: Json = {}) => baseConfig({ metrics: true, ...overrides }, svc);

const P = "threescale_wasm_auth.";
const VERDICT_METRICS = ["allowed", "bad_request", "unknown_service", "missing_credentials", "no_mapping_rule", "denied", "limits_exceeded", "backend_error"].map((n) => `${P}requests.${n}`);

function counters(sim: Awaited<ReturnType<typeof startFilter>>) {
  return Object.fromEntries(VERDICT_METRICS.map((n) => [n.slice(P.length + "requests.".length), sim.metrics.value(n) ?? -1]));
}

describe("metrics", () => {
  it("are off by default: nothing defined, no metric host call on the request path", async () => {
    const sim = await startFilter(baseConfig(), { clusters: { [BACKEND_CLUSTER]: () => ({ status: 200 }) } });
    const mark = sim.trace.mark();
    const s = sim.newHttpStream();
    s.sendRequestHeaders(requestHeaders("GET", "/?user_key=k"), { endOfStream: true });
    expect(await s.whenRequestDecided()).toBe("continued");
    expect(sim.metrics.all()).toEqual([]);
    const calls = Object.keys(sim.trace.countHostCalls(mark));
    expect(calls.filter((c) => c.includes("metric") || c.includes("time"))).toEqual([]);
  });

  it("turned off by a reconfiguration stop counting", async () => {
    const sim = await startFilter(config(), { clusters: { [BACKEND_CLUSTER]: "manual" } });
    sim.newHttpStream().sendRequestHeaders(requestHeaders("GET", "/"), { endOfStream: true });
    expect(sim.reconfigure(baseConfig({ metrics: false }))).toBe(true);
    sim.newHttpStream().sendRequestHeaders(requestHeaders("GET", "/"), { endOfStream: true });
    expect(sim.metrics.value("threescale_wasm_auth.requests.missing_credentials")).toBe(1);
  });

  it("defines every metric at configuration, all zero, with Envoy-style names", async () => {
    const sim = await startFilter(config(), { clusters: { [BACKEND_CLUSTER]: "manual" } });
    const names = sim.metrics.all().map((m) => m.name).sort();
    expect(names).toEqual([
      ...VERDICT_METRICS, `${P}backend.latency_ms`, `${P}cache.evictions`, `${P}cache.hits`, `${P}cache.misses`,
      `${P}reports.failed`, `${P}reports.sent`, `${P}system.fetch_failure`, `${P}system.fetch_success`,
    ].sort());
    expect(sim.metrics.get(`${P}backend.latency_ms`)!.type).toBe(2); // histogram
    expect(Object.values(counters(sim)).every((v) => v === 0)).toBe(true);
    expect(sim.metrics.envoyName(`${P}requests.allowed`)).toBe("wasmcustom.threescale_wasm_auth.requests.allowed");
  });

  it("defines them once per VM: a reconfiguration keeps the counts", async () => {
    const sim = await startFilter(config(), { clusters: { [BACKEND_CLUSTER]: () => ({ status: 200 }) } });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(requestHeaders("GET", "/"), { endOfStream: true });
    expect(sim.reconfigure(config())).toBe(true);
    const t = sim.newHttpStream();
    t.sendRequestHeaders(requestHeaders("GET", "/"), { endOfStream: true });
    expect(sim.metrics.value(`${P}requests.missing_credentials`)).toBe(2);
  });

  type Case = { name: string; path: string; authority?: string; answer?: { status: number; headers?: Array<[string, string]> } | "fail"; metric: string };
  it.each<Case>([
    { name: "allowed", path: "/?user_key=k", answer: { status: 200 }, metric: "allowed" },
    { name: "unknown service", path: "/?user_key=k", authority: "other.example.com", metric: "unknown_service" },
    { name: "missing credentials", path: "/", metric: "missing_credentials" },
    { name: "no mapping rule", path: "/x?user_key=k", metric: "no_mapping_rule" },
    { name: "denied (403)", path: "/?user_key=k", answer: { status: 403 }, metric: "denied" },
    { name: "limits exceeded", path: "/?user_key=k", answer: { status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"]] }, metric: "limits_exceeded" },
    { name: "backend error (500)", path: "/?user_key=k", answer: { status: 500 }, metric: "backend_error" },
    { name: "backend error (no response)", path: "/?user_key=k", answer: "fail", metric: "backend_error" },
  ])("counts $name", async ({ path, authority, answer, metric }) => {
    const cfg = config({}, { authorities: ["api.example.com"], mapping_rules: [{ method: "GET", pattern: "/$", usages: [{ name: "hits", delta: 1 }] }] });
    const sim = await startFilter(cfg, { clusters: { [BACKEND_CLUSTER]: () => answer ?? { status: 200 } } });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(requestHeaders("GET", path, [], authority), { endOfStream: true });
    await s.whenRequestDecided();
    const c = counters(sim);
    expect(c[metric]).toBe(1);
    expect(Object.values(c).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("counts a request without :path as bad_request", async () => {
    const sim = await startFilter(config(), { clusters: { [BACKEND_CLUSTER]: "manual" } });
    sim.newHttpStream().sendRequestHeaders([[":method", "GET"], [":authority", "a"]], { endOfStream: true });
    expect(sim.metrics.value(`${P}requests.bad_request`)).toBe(1);
  });

  it("records the authrep round trip in milliseconds", async () => {
    const sim = await startFilter(config(), { clusters: { [BACKEND_CLUSTER]: "manual" } });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(requestHeaders("GET", "/?user_key=k"), { endOfStream: true });
    // Guest clock reads move time a few ns each, so the dispatch is stamped just after its virtual
    // instant; half a millisecond more keeps the truncated round trip at 37 ms.
    sim.advanceTime(37.5);
    sim.httpCalls.pending()[0]!.respond({ status: 200 });
    expect(await s.whenRequestDecided()).toBe("continued");
    expect(sim.metrics.get(`${P}backend.latency_ms`)!.samples).toEqual([37n]);
  });

  it("counts system fetches by outcome", async () => {
    const cfg = config({ system: systemBlock({ ttl: 0 }) }, service({ token: undefined }));
    const sim = await startFilter(cfg, { clusters: { [BACKEND_CLUSTER]: "manual", [SYSTEM_CLUSTER]: "manual" } });
    const first = sim.httpCalls.pending().find((c) => c.cluster === SYSTEM_CLUSTER)!;
    first.respond({ status: 200, body: JSON.stringify({ proxy_config: { content: { backend_authentication_type: "service_token", backend_authentication_value: "t", proxy: { proxy_rules: [] } } } }) });
    await sim.idle();
    sim.advanceTime(1000);
    const second = sim.httpCalls.pending().find((c) => c.cluster === SYSTEM_CLUSTER)!;
    second.respond({ status: 403 });
    await sim.idle();
    expect([sim.metrics.value(`${P}system.fetch_success`), sim.metrics.value(`${P}system.fetch_failure`)]).toEqual([1, 1]);
  });
});
