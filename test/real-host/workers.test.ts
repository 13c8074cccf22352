// The release module as Envoy runs it on several workers: 3scale system (porta) fetched on ticks,
// and the authorization cache shared by 4 VMs with one vm_id (cpp-host's process-wide shared data),
// its batched reports sent by exactly one worker. Backend answers come from the backend simulator.
import { expect, it } from "vitest";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import { filterConfig, seed, SERVICE, CLUSTER } from "../cache/helpers.js";
import { BACKEND_CLUSTER, SYSTEM_CLUSTER, config, requestHeaders, systemBlock } from "../filter/harness.js";
import { answerCalls, callsIn, describeRealHost, header, replyIn, upstreamIn, useRealHost, type CallEvent, type RealHost } from "./harness.js";

const get = (path: string) => requestHeaders("GET", path);

function portaBody(token: string, rule: { pattern: string; metric: string }): string {
  const content = { backend_authentication_type: "service_token", backend_authentication_value: token, proxy: { proxy_rules: [{ http_method: "GET", pattern: rule.pattern, metric_system_name: rule.metric, delta: 1 }] } };
  return JSON.stringify({ proxy_config: { id: 1, version: 3, environment: "production", content } });
}

const onlyFetch = (host: RealHost): CallEvent => {
  const f = host.pendingCalls(SYSTEM_CLUSTER);
  expect(f, "one pending system fetch").toHaveLength(1);
  return f[0]!;
};

describeRealHost("release module in the real host: workers", () => {
  const newHost = useRealHost();

  it("fetches the service from system at start and again on ticks after the ttl", async () => {
    const host = newHost();
    const cfg = config({ system: systemBlock({ ttl: 600 }) }, { id: "S", token: undefined, mapping_rules: [] });
    await host.startOk("w0", { config: cfg, clusters: [BACKEND_CLUSTER, SYSTEM_CLUSTER] });
    // The canary VM fetched too, but it is dropped with its call: only the worker's fetch is open.
    expect(host.driver.events.some((e) => e.ev === "canary_http_call" && e.cluster === SYSTEM_CLUSTER)).toBe(true);
    const first = onlyFetch(host);
    expect(header(first.headers, ":path")).toBe("/admin/api/services/S/proxy/configs/production/latest.json?access_token=atoken-system-secret");
    await host.respond("w0", first.token, { status: 200, body: portaBody("T2", { pattern: "/", metric: "hits" }) });
    const a = callsIn(await host.request("w0", "s1", get("/?user_key=k"))).find((c) => c.cluster === BACKEND_CLUSTER)!;
    expect(header(a.headers, ":path")).toBe("/transactions/authrep.xml?service_id=S&service_token=T2&user_key=k&usage[hits]=1");
    await host.respond("w0", a.token, { status: 200 });
    // Nothing is fetched before the ttl; on the first tick at or after it, the service is fetched again.
    await host.advance(599_000);
    expect(host.pendingCalls(SYSTEM_CLUSTER)).toHaveLength(0);
    await host.advance(1_000);
    const second = onlyFetch(host);
    await host.respond("w0", second.token, { status: 200, body: portaBody("T3", { pattern: "/v2", metric: "v2" }) });
    const b = callsIn(await host.request("w0", "s2", get("/v2?user_key=k"))).find((c) => c.cluster === BACKEND_CLUSTER)!;
    expect(header(b.headers, ":path")).toBe("/transactions/authrep.xml?service_id=S&service_token=T3&user_key=k&usage[v2]=1");
  });

  it("4 VMs with one vm_id: 1,000 requests → 1 authorize call; one report per interval, every request reported once", async () => {
    const host = newHost();
    const backend = new BackendSimulator({ seed: seed(), clock: new ManualClock("2026-01-01T00:00:10Z") });
    const cfg = filterConfig("http://backend.local/", { enabled: true, ttl: 60, report_interval: 5 });
    const vms = ["w0", "w1", "w2", "w3"];
    for (const vm of vms) await host.startOk(vm, { config: cfg, clusters: [CLUSTER], vmId: "cache-test" });
    const advance = async (ms: number): Promise<void> => {
      // One tick at a time, each tick's call-outs answered before time moves on (no call times out).
      for (let left = ms; left > 0; left -= 1000) {
        await answerCalls(host, backend, await host.advance(Math.min(1000, left)));
        await backend.flushReports();
      }
    };
    const send = async (i: number, path: string): Promise<number> => {
      const vm = vms[i % vms.length]!;
      const ev = await answerCalls(host, backend, await host.request(vm, `r${i}`, get(path)));
      await host.end(`r${i}`);
      const reply = replyIn(ev);
      return reply ? reply.status : upstreamIn(ev) ? 200 : 0;
    };
    const backendCalls = (prefix: string, method = "GET") =>
      host.driver.events.filter((e) => e.ev === "http_call" && (e as unknown as CallEvent).cluster === CLUSTER)
        .map((e) => e as unknown as CallEvent)
        .filter((c) => header(c.headers, ":method") === method && header(c.headers, ":path")!.startsWith(prefix));

    let served = 0;
    for (let i = 0; i < 1000; i++) if ((await send(i, "/?user_key=uk-b")) === 200) served++;
    expect(served).toBe(1000);
    expect(backendCalls("/transactions/authorize.xml")).toHaveLength(1);
    expect(backendCalls("/transactions/authrep.xml")).toHaveLength(0);
    expect(backendCalls("/transactions.xml", "POST")).toHaveLength(0);
    await advance(5000);
    expect(backendCalls("/transactions.xml", "POST")).toHaveLength(1);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1000);

    for (let interval = 0; interval < 4; interval++) {
      for (let i = 0; i < 25; i++) expect(await send(1000 + interval * 25 + i, "/?user_key=uk-b")).toBe(200);
      await advance(5000);
      expect(backendCalls("/transactions.xml", "POST")).toHaveLength(interval + 2);
    }
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1100);
    expect(backend.errors()).toEqual([]);
    const stats = await host.stats();
    for (const vm of vms) expect(stats.vms[vm]).toMatchObject({ failed: false, streams: 0, pending_calls: 0 });
  });
});
