// Configuration from 3scale system (docs/behaviour.md, vectors S1–S11), on the virtual clock.
import { describe, expect, it } from "vitest";
import type { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { config, expectReply, get, onlyAuthrep, REPLY, service, startFilter, SYSTEM_CLUSTER, systemBlock, type Json } from "./harness.js";

const S = "S";
const SYSTEM_TOKEN = "atoken-system-secret";

interface PortaRule { http_method?: unknown; pattern?: unknown; metric_system_name?: unknown; delta?: unknown; last?: unknown }

function portaBody(token: string | null, rules: PortaRule[] | null, type = "service_token"): string {
  const content: Json = { backend_authentication_type: type, proxy: { proxy_rules: rules } };
  if (token !== null) content.backend_authentication_value = token;
  return JSON.stringify({ proxy_config: { id: 1, version: 3, environment: "production", content } });
}

const HITS_RULE: PortaRule = { http_method: "GET", pattern: "/", metric_system_name: "hits", delta: 1 };

function systemConfig(svc: Json = {}, sys: Json = {}): Json {
  return config({ system: systemBlock(sys) }, { id: S, token: undefined, mapping_rules: [], ...svc });
}

function pendingFetches(sim: ProxyWasmSimulator) {
  return sim.httpCalls.pending().filter((c) => c.cluster === SYSTEM_CLUSTER);
}

function onlyFetch(sim: ProxyWasmSimulator) {
  const f = pendingFetches(sim);
  expect(f, "pending system fetches").toHaveLength(1);
  return f[0]!;
}

function fetchCount(sim: ProxyWasmSimulator): number {
  return sim.httpCalls.all().filter((c) => c.cluster === SYSTEM_CLUSTER).length;
}

function lastAuthrepPath(sim: ProxyWasmSimulator): string {
  return onlyAuthrep(sim).call.path;
}

describe("system fetch", () => {
  it("S11 the fetch request: path, authority, method, timeout, tick period", async () => {
    const sim = await startFilter(systemConfig({ id: "2555417834780" }));
    const f = onlyFetch(sim);
    expect(f.path).toBe(`/admin/api/services/2555417834780/proxy/configs/production/latest.json?access_token=${SYSTEM_TOKEN}`);
    expect(f.header(":authority")).toBe("istiodevel-admin.3scale.net");
    expect(f.header(":scheme")).toBe("https");
    expect(f.header(":method")).toBe("GET");
    expect(f.timeoutMs).toBe(5000);
    expect(f.body.length).toBe(0);
    expect(sim.logs.every((l) => !l.message.includes(SYSTEM_TOKEN))).toBe(true);
  });

  it("system URL with base path and query; environment and id percent-encoded", async () => {
    const sim = await startFilter(systemConfig({ id: "a b", environment: "staging" },
      { upstream: { name: SYSTEM_CLUSTER, url: "http://porta:3000/base?x=1" }, token: "t&k" }));
    const f = onlyFetch(sim);
    expect(f.path).toBe("/base/admin/api/services/a%20b/proxy/configs/staging/latest.json?x=1&access_token=t%26k");
    expect(f.header(":authority")).toBe("porta:3000");
    expect(f.header(":scheme")).toBe("http");
  });

  it("S1 before the answer: 404 (no rules); after it: the fetched token and rule", async () => {
    const sim = await startFilter(systemConfig());
    expectReply(get(sim, "/?user_key=k"), REPLY.noMappingRule);
    onlyFetch(sim).respond({ status: 200, body: portaBody("T2", [HITS_RULE]) });
    expect(sim.logs.some((l) => l.level === 2 && l.message === `system: service ${S}: configuration fetched (1 rule(s), token fetched)`)).toBe(true);
    get(sim, "/?user_key=k");
    expect(lastAuthrepPath(sim)).toBe(`/transactions/authrep.xml?service_id=${S}&service_token=T2&user_key=k&usage[hits]=1`);
  });

  it("static rules but no token yet → 502 Bad Gateway (step 5)", async () => {
    const sim = await startFilter(systemConfig({ mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }] }));
    expectReply(get(sim, "/?user_key=k"), REPLY.badGateway);
  });

  it("S2 a static token wins over the fetched one", async () => {
    const sim = await startFilter(systemConfig({ token: "T1" }));
    onlyFetch(sim).respond({ status: 200, body: portaBody("T2", [HITS_RULE]) });
    expect(sim.logs.some((l) => l.message === `system: service ${S}: configuration fetched (1 rule(s), static token kept)`)).toBe(true);
    get(sim, "/?user_key=k");
    expect(lastAuthrepPath(sim)).toContain("service_token=T1&");
  });

  it("S3 static and fetched rules both count", async () => {
    const sim = await startFilter(systemConfig({ token: "T1", mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }] }));
    onlyFetch(sim).respond({ status: 200, body: portaBody(null, [HITS_RULE], "provider_key") });
    get(sim, "/?user_key=k");
    expect(onlyAuthrep(sim).authrep.usage).toEqual({ hits: 2 });
  });

  it("static rules are evaluated before fetched rules (a static `last` hides fetched ones)", async () => {
    const sim = await startFilter(systemConfig({ token: "T1", mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "static", delta: 1 }], last: true }] }));
    onlyFetch(sim).respond({ status: 200, body: portaBody(null, [HITS_RULE]) });
    get(sim, "/?user_key=k");
    expect(onlyAuthrep(sim).authrep.usage).toEqual({ static: 1 });
  });

  it("S4 an invalid fetched rule is skipped with a warning; the others work", async () => {
    const sim = await startFilter(systemConfig());
    onlyFetch(sim).respond({ status: 200, body: portaBody("T2", [
      { http_method: "GET", pattern: "/foo{", metric_system_name: "hits", delta: 1 },
      { http_method: "GET", pattern: "/ok", metric_system_name: "hits", delta: 1 },
    ]) });
    expect(sim.logs.some((l) => l.level === 3 && l.message === `system: service ${S}: proxy_rules[0] skipped: invalid pattern: unterminated placeholder`)).toBe(true);
    get(sim, "/ok?user_key=k");
    expect(onlyAuthrep(sim).authrep.usage).toEqual({ hits: 1 });
  });

  it("S5 a failed refresh keeps the last good state; the retry is due 30 s later", async () => {
    const sim = await startFilter(systemConfig());
    onlyFetch(sim).respond({ status: 200, body: portaBody("T2", [HITS_RULE]) });
    sim.advanceTime(600_000);
    onlyFetch(sim).respond({ status: 403 });
    expect(sim.logs.some((l) => l.level === 3 && l.message === `system: service ${S}: fetch failed: status 403`)).toBe(true);
    get(sim, "/?user_key=k");
    expect(lastAuthrepPath(sim)).toContain("service_token=T2&");
    const before = fetchCount(sim);
    sim.advanceTime(29_000);
    expect(fetchCount(sim)).toBe(before);
    sim.advanceTime(1_000);
    expect(fetchCount(sim)).toBe(before + 1);
  });

  it("S6 after a success at t=0 the next fetch is on the first tick at or after 600 s", async () => {
    const sim = await startFilter(systemConfig());
    onlyFetch(sim).respond({ status: 200, body: portaBody("T2", [HITS_RULE]) });
    sim.advanceTime(599_000);
    expect(fetchCount(sim)).toBe(1);
    sim.advanceTime(1_000);
    expect(fetchCount(sim)).toBe(2);
  });

  it("S7 ttl 0 refreshes on every tick after each success", async () => {
    const sim = await startFilter(systemConfig({}, { ttl: 0 }));
    for (let i = 1; i <= 3; i++) {
      expect(fetchCount(sim)).toBe(i);
      onlyFetch(sim).respond({ status: 200, body: portaBody("T2", [HITS_RULE]) });
      sim.advanceTime(1_000);
    }
    expect(fetchCount(sim)).toBe(4);
    expect(sim.vmState.status).toBe("ok");
  });

  it("at most one fetch per service is in flight", async () => {
    const sim = await startFilter(systemConfig({}, { upstream: { name: SYSTEM_CLUSTER, url: "https://porta/", timeout: 0 } }));
    sim.advanceTime(120_000);
    expect(fetchCount(sim)).toBe(1);
  });

  it("a timed-out fetch (host 504) is a failure, retried after min(ttl, 30) s", async () => {
    const sim = await startFilter(systemConfig({}, { upstream: { name: SYSTEM_CLUSTER, url: "https://porta/", timeout: 2000 }, ttl: 10 }));
    sim.advanceTime(2_000);
    expect(sim.logs.some((l) => l.message === `system: service ${S}: fetch failed: status 504`)).toBe(true);
    sim.advanceTime(9_000);
    expect(fetchCount(sim)).toBe(1);
    sim.advanceTime(1_000);
    expect(fetchCount(sim)).toBe(2);
  });

  it("a failed call (no response) is a failure", async () => {
    const sim = await startFilter(systemConfig());
    onlyFetch(sim).fail();
    expect(sim.logs.some((l) => l.level === 3 && l.message === `system: service ${S}: fetch failed: no response`)).toBe(true);
  });

  it("a dispatch failure (unknown cluster) is logged and retried", async () => {
    const sim = await startFilter(systemConfig(), { clusters: { other: "manual" } });
    expect(sim.logs.some((l) => l.level === 3 && l.message === `system: service ${S}: fetch failed: dispatch failed`)).toBe(true);
    expect(sim.vmState.status).toBe("ok");
  });

  it("S8 provider_key: no token is fetched", async () => {
    const sim = await startFilter(systemConfig());
    onlyFetch(sim).respond({ status: 200, body: portaBody("pk", [HITS_RULE], "provider_key") });
    expect(sim.logs.some((l) => l.message === `system: service ${S}: configuration fetched (1 rule(s), token not fetched)`)).toBe(true);
    expectReply(get(sim, "/?user_key=k"), REPLY.badGateway);
  });

  it("S8 provider_key with a static token uses the static one", async () => {
    const sim = await startFilter(systemConfig({ token: "T1" }));
    onlyFetch(sim).respond({ status: 200, body: portaBody("pk", [HITS_RULE], "provider_key") });
    get(sim, "/?user_key=k");
    expect(lastAuthrepPath(sim)).toContain("service_token=T1&");
  });

  it("S9 a new configuration discards fetched state and ignores late answers", async () => {
    const sim = await startFilter(systemConfig());
    const old = onlyFetch(sim);
    expect(sim.reconfigure(systemConfig())).toBe(true);
    expect(pendingFetches(sim)).toHaveLength(2);
    old.respond({ status: 200, body: portaBody("OLD", [HITS_RULE]) });
    expectReply(get(sim, "/?user_key=k"), REPLY.noMappingRule);
    const fresh = pendingFetches(sim)[0]!;
    fresh.respond({ status: 200, body: portaBody("NEW", [HITS_RULE]) });
    get(sim, "/?user_key=k");
    expect(lastAuthrepPath(sim)).toContain("service_token=NEW&");
  });

  it("reconfiguration discards a previously fetched token", async () => {
    const sim = await startFilter(systemConfig({ mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }] }));
    onlyFetch(sim).respond({ status: 200, body: portaBody("T2", []) });
    expect(sim.reconfigure(systemConfig({ mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }] }))).toBe(true);
    expectReply(get(sim, "/?user_key=k"), REPLY.badGateway);
  });

  it.each([
    ["not json", "not json"],
    ["an empty object", "{}"],
    ["content not an object", JSON.stringify({ proxy_config: { content: "x" } })],
    ["deep nesting", "[".repeat(1000) + "]".repeat(1000)],
  ])("S10 an unusable answer (%s) is a failure; the previous state is kept", async (_name, body) => {
    const sim = await startFilter(systemConfig());
    onlyFetch(sim).respond({ status: 200, body: portaBody("T2", [HITS_RULE]) });
    sim.advanceTime(600_000);
    onlyFetch(sim).respond({ status: 200, body });
    expect(sim.logs.some((l) => l.level === 3 && l.message.startsWith(`system: service ${S}: fetch failed: invalid answer: `))).toBe(true);
    expect(sim.vmState.status).toBe("ok");
    get(sim, "/?user_key=k");
    expect(lastAuthrepPath(sim)).toContain("service_token=T2&");
  });

  it("two services with the same id share one fetch; distinct ids are fetched in order", async () => {
    const sim = await startFilter(config({
      system: systemBlock(),
      services: [service({ id: "A", token: undefined, authorities: ["a"] }), service({ id: "B", token: undefined }), service({ id: "A", token: undefined })],
    }));
    expect(pendingFetches(sim).map((c) => c.path.split("/")[4])).toEqual(["A", "B"]);
  });

  it("without system there are no fetches and no ticks", async () => {
    const sim = await startFilter(config());
    sim.advanceTime(3_600_000);
    expect(fetchCount(sim)).toBe(0);
  });
});
