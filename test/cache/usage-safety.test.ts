// Billing safety of the cache, batched reports and failure modes (docs/cache.md, "Guarantees"):
// usage of one application can only be lost through its own invalid credentials or metrics, the
// limit budget leaves room for calls 3scale has not counted yet, a shorter report interval applies
// at once, shared data stays within its byte bound, identity headers only vouch for identities
// 3scale verified, usage of an allowed request is never dropped, and a redirect is no outage.
// Each case here failed on the module before these guarantees were made.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { BackendSimulator as Backend, ManualClock } from "../../src-host-sim/backend/index.js";
import { SharedDataStore } from "../../src-host-sim/index.js";
import { CLUSTER, filterConfig, Proxy, seed, SERVICE, sharedBytes, startBackend, TOKEN } from "./helpers.js";

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

const served = (outcomes: number[]) => outcomes.filter((s) => s === 200).length;

describe("one application's usage never depends on another's transactions", () => {
  it("failure_mode open: a junk key served during an outage does not wipe the others' usage", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 }, "open"));
    p.setOutage("refused");
    for (let i = 0; i < 7; i++) expect(await p.send(i % 2, "/?user_key=uk-b")).toBe(200);
    expect(await p.send(0, "/?user_key=junk-key")).toBe(200); // open: allowed, unverified
    for (let i = 0; i < 3; i++) expect(await p.send(i % 2, "/?user_key=uk-c")).toBe(200);
    p.setOutage("up");
    await p.advance(5000);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(7);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(3);
    // The junk key's own report is the only one 3scale dropped.
    expect(backend.errors(SERVICE).map((e) => e.code)).toEqual(["user_key_invalid"]);
  });

  it.each(["regenerated", "deleted"])("cache only: an application whose key is %s mid-interval does not wipe the others' pending usage", async (change) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 10 }));
    for (let i = 0; i < 5; i++) expect(await p.send(i % 2, "/?user_key=uk-b")).toBe(200);
    for (let i = 0; i < 2; i++) expect(await p.send(i % 2, "/?user_key=uk-c")).toBe(200);
    if (change === "regenerated") backend.regenerateUserKey(SERVICE, "C", "uk-c-new");
    else backend.deleteApplication(SERVICE, "C");
    await p.advance(10_000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(5);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(0); // its own usage: lost to its own change
    expect(p.reportCalls()).toHaveLength(2);
  });
});

describe("limit guarantee 1: one key, one proxy, the same usage, limit headers: no overshoot", () => {
  const LIMIT = 10;

  it("a ttl shorter than the report interval: re-authorization counts the usage not reported yet", async () => {
    backend = await startBackend(LIMIT);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 2, report_interval: 10 }));
    const outcomes: number[] = [];
    for (let i = 0; i < 60; i++) {
      outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
      await p.advance(500);
    }
    expect(served(outcomes)).toBe(LIMIT);
    await p.advance(10_000);
    expect(backend.usage(SERVICE, "A", "hits", "minute")).toBe(LIMIT);
  });

  it("usage served while a report is in flight is not forgotten by the next authorization", async () => {
    backend = await startBackend(LIMIT);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 }));
    const outcomes: number[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
    p.holdCalls();
    await p.advance(5000); // the report of 6 calls is in flight
    expect(p.vms.flatMap((vm) => vm.httpCalls.pending()).filter((c) => c.method === "POST")).toHaveLength(1);
    p.resumeCalls();
    for (let i = 0; i < 6; i++) outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
    await p.answerHeld("forward"); // accepted: 3scale has 6; 4 more are pending here
    for (let i = 0; i < 6; i++) outcomes.push(await p.send(i % 2, "/?user_key=uk-a"));
    expect(served(outcomes)).toBe(LIMIT);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "A", "hits", "minute")).toBe(LIMIT);
  });

  it("two concurrent misses on one key do not reset each other's count", async () => {
    backend = await startBackend(LIMIT);
    backend.addUsage(SERVICE, "A", "hits", LIMIT - 1);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 }));
    const both = await Promise.all([p.send(0, "/?user_key=uk-a"), p.send(1, "/?user_key=uk-a")]);
    expect(p.authorizeCalls()).toHaveLength(2); // both asked 3scale, both were told "1 left"
    expect(both.sort()).toEqual([200, 429]);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "A", "hits", "minute")).toBe(LIMIT);
  });
});

describe("report_interval changes", () => {
  it("a shorter interval after reconfiguration takes effect within one tick", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 3600 }));
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    p.reconfigure(filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 }));
    await p.settle();
    const reportsAtChange = p.reportCalls().length; // the change flushes once
    expect(reportsAtChange).toBe(1);
    expect(await p.send(1, "/?user_key=uk-b")).toBe(200);
    await p.advance(6000); // one tick to adopt the interval, then one interval
    expect(p.reportCalls().length).toBe(reportsAtChange + 1);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(2);
  });
});

describe("shared data: bounded in bytes, and verified entries protected", () => {
  /** The documented bound: max_entries × (1024 + slot key length) + the three fixed entries. */
  function bound(maxEntries: number): number {
    let keys = 0;
    for (let i = 0; i < maxEntries; i++) keys += `threescale-wasm-auth/cache/v1/slot/${i}`.length;
    const fixed = ["next-flush", "vm-counter", "backend-down-until"].reduce((n, k) => n + `threescale-wasm-auth/cache/v1/${k}`.length + 8, 0);
    return maxEntries * 1024 + keys + fixed;
  }

  it("denied keys store no credential: 100 keys of 60 KiB leave shared data small", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: 100 }));
    for (let i = 0; i < 100; i++) {
      const key = `${i}`.padStart(4, "0") + "k".repeat(60 * 1024);
      expect(await p.send(i % 2, `/?user_key=${key}`)).toBe(403);
    }
    for (let i = 0; i < 20; i++) {
      const key = `short-junk-${i}`;
      expect(await p.send(i % 2, `/?user_key=${key}`)).toBe(403);
    }
    expect(sharedBytes(p.shared)).toBeLessThanOrEqual(bound(100));
    const values = [...rawValues(p.shared)].map((v) => Buffer.from(v).toString("latin1"));
    expect(values.filter((v) => v.includes("short-junk") || v.includes("kkkkkkkk"))).toEqual([]);
  });

  it("every slot filled with maximal keys during an outage stays within the byte bound; larger keys are not allowed unverified", async () => {
    backend = await startBackend();
    const max = 16;
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: max }, "open"));
    p.setOutage("refused");
    // A record is 61 + 4 + |service id| + 1 + 4 + |key| + 4 + (4 + |"hits"| + 16) + 20 bytes.
    const longest = 1024 - (61 + 4 + SERVICE.length + 1 + 4 + 4 + 4 + 4 + 16 + 20);
    let allowed = 0;
    for (let i = 0; i < 4 * max; i++) {
      const key = `${i}`.padStart(4, "0") + "x".repeat(longest - 4);
      if ((await p.send(i % 2, `/?user_key=${key}`)) === 200) allowed++;
    }
    expect(allowed).toBeGreaterThan(0);
    expect(await p.send(0, `/?user_key=${"y".repeat(longest + 1)}`)).toBe(502); // its usage could not be kept
    expect(sharedBytes(p.shared)).toBeLessThanOrEqual(bound(max));
    for (const v of rawValues(p.shared)) expect(v.length).toBeLessThanOrEqual(1024);
  });

  it("with max_entries 8, 64 denied keys cannot evict a verified key's last verdict (resilient)", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: 8 }, "resilient"));
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    await p.advance(5000); // reported: the verdict is no longer fresh, but it is the last known one
    for (let i = 0; i < 64; i++) expect(await p.send(i % 2, `/?user_key=junk-${i}`)).toBe(403);
    p.setOutage("5xx");
    expect(await p.send(1, "/?user_key=uk-b")).toBe(200);
    p.setOutage("up");
    await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(2);
  });

  it.each(["uk-b", "uk-c", "uk-d"])("an empty candidate slot is taken before an occupied one (max_entries 2, then %s)", async (other) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: 2 }, "resilient"));
    // Every key's two candidates are slots 0 and 1: the second key must take the empty one.
    expect(await p.send(0, "/?user_key=uk-a")).toBe(200);
    await p.advance(5000);
    expect(await p.send(1, `/?user_key=${other}`)).toBe(200);
    await p.advance(5000);
    p.setOutage("5xx");
    expect(await p.send(0, "/?user_key=uk-a")).toBe(200); // its last verdict is still there
    expect(await p.send(1, `/?user_key=${other}`)).toBe(200);
  });
});

describe("identity headers only for identities 3scale verified", () => {
  const APPS_SERVICE = "S3";
  function appIdBackendSeed() {
    const s = seed();
    s.services.push({
      id: APPS_SERVICE,
      provider_key: "pk",
      backend_version: "2",
      service_tokens: [TOKEN],
      metrics: [{ id: "1", name: "hits" }],
      plans: [{ id: "free", name: "free", limits: [] }],
      applications: [{ id: "victim-app", plan: "free", keys: ["victim-key"] } as never],
    } as never);
    return s;
  }
  function appIdConfig(url: string, mode: string) {
    return {
      api: "v1",
      backend: { upstream: { name: CLUSTER, url, timeout: 2000 }, cache: { enabled: true, ttl: 60, report_interval: 5 }, failure_mode: mode },
      services: [
        {
          id: APPS_SERVICE,
          token: TOKEN,
          identity_headers: { app_id: "x-3scale-app-id", service_id: "x-3scale-service-id" },
          credentials: { app_id: [{ header: { keys: ["app-id"] } }], app_key: [{ header: { keys: ["app-key"] } }] },
          mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
        },
      ],
    };
  }
  const header = (h: Array<[string, string]> | null, name: string) => (h ?? []).filter(([k]) => k === name).map(([, v]) => v);

  it("open, backend down: a client naming victim-app with a wrong key gets no x-3scale-app-id (its own copy removed)", async () => {
    backend = new Backend({ seed: appIdBackendSeed(), clock: new ManualClock("2026-01-01T00:00:10Z") });
    await backend.start();
    const p = await Proxy.start(backend, 2, appIdConfig(backend.url, "open"));
    const ok = await p.exchange(0, "/", [["app-id", "victim-app"], ["app-key", "victim-key"]]);
    expect(ok.status).toBe(200);
    expect(header(ok.upstream, "x-3scale-app-id")).toEqual(["victim-app"]); // verified by 3scale
    p.setOutage("refused");
    const forged = await p.exchange(1, "/", [["app-id", "victim-app"], ["app-key", "wrong"], ["x-3scale-app-id", "victim-app"]]);
    expect(forged.status).toBe(200); // open lets it through ...
    expect(header(forged.upstream, "x-3scale-app-id")).toEqual([]); // ... but vouches for nobody
    expect(header(forged.upstream, "x-3scale-service-id")).toEqual([APPS_SERVICE]);
    // A cache hit of the verified key still carries the header during the outage.
    const hit = await p.exchange(0, "/", [["app-id", "victim-app"], ["app-key", "victim-key"]]);
    expect(header(hit.upstream, "x-3scale-app-id")).toEqual(["victim-app"]);
  });
});

describe("no allowed request's usage is dropped", () => {
  it("max_entries 1, two workers: two keys racing for the last free slot are both counted", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: 1 }));
    const both = await Promise.all([p.send(0, "/?user_key=uk-b"), p.send(1, "/?user_key=uk-c")]);
    expect(both).toEqual([200, 200]);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(1);
    expect(p.logs().filter((l) => l.includes("not recorded"))).toEqual([]);
  });

  it("a direct report that fails is held and retried until 3scale takes it", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: 1 }));
    p.failReports = true; // the loser's direct report fails
    const both = await Promise.all([p.send(0, "/?user_key=uk-b"), p.send(1, "/?user_key=uk-c")]);
    expect(both).toEqual([200, 200]);
    await p.settle();
    expect(p.reportCalls()).toHaveLength(1);
    expect(backend.usage(SERVICE, "B", "hits", "minute") + backend.usage(SERVICE, "C", "hits", "minute")).toBe(0);
    p.failReports = false;
    for (let i = 0; i < 4; i++) await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(1);
  });
});

describe("a status that is neither a decision nor an outage", () => {
  it.each(["open", "resilient", "closed"])("%s: a 302 from the backend URL is answered 502 and opens nothing", async (mode) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 }, mode));
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    await p.advance(5000);
    p.setOutage("redirect");
    expect(await p.send(1, "/?user_key=uk-b")).toBe(502);
    expect(await p.send(0, "/?user_key=uk-c")).toBe(502);
    expect(p.logs().some((l) => l.includes("unexpected status 302"))).toBe(true);
  });
});

describe("reports 3scale rejects", () => {
  it("are retried with their usage, and summed up at warn once per interval without a credential", async () => {
    backend = await startBackend();
    const cfg = filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 });
    const p = await Proxy.start(backend, 2, cfg);
    for (const key of ["uk-b", "uk-c", "uk-d"]) expect(await p.send(0, `/?user_key=${key}`)).toBe(200);
    // The service token is revoked in 3scale: every report is refused (403).
    backend.revokeServiceToken(TOKEN, SERVICE);
    await p.advance(5000);
    await p.advance(1000);
    const warned = p.logs().filter((l) => l.includes("report(s) for service"));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^cache: 3 report\(s\) for service S1 failed: status 403, \w+; their usage is kept/);
    for (const secret of ["uk-b", "uk-c", "uk-d", TOKEN]) expect(warned[0]).not.toContain(secret);
    await p.advance(5000);
    await p.advance(1000);
    expect(p.logs().filter((l) => l.includes("report(s) for service"))).toHaveLength(2);
  });
});

function rawValues(store: SharedDataStore): Uint8Array[] {
  const data = (store as unknown as { data: Map<string, Map<string, { value: Uint8Array }>> }).data;
  return [...data.values()].flatMap((m) => [...m.values()].map((e) => e.value));
}

describe("hostile answers to reports", () => {
  it.each([
    ["a 1 MiB binary body", { status: 500, headers: {}, body: new Uint8Array(1 << 20).map((_, i) => (i * 131) & 0xff) }],
    ["a code that is not a 3scale code", { status: 403, headers: {}, body: '<?xml version="1.0"?><error code="uk-b secret">x</error>' }],
    ["an unterminated code", { status: 403, headers: {}, body: '<error code="user_key_invalid' }],
    ["a 302 with no body", { status: 302, headers: { location: "http://x/" }, body: "" }],
    ["invalid UTF-8 around a code", { status: 403, headers: {}, body: new Uint8Array([0xff, 0xfe, ...Buffer.from('<error code="service_token_invalid">')]) }],
  ])("%s: never traps, logs no credential, and the usage is reported once 3scale takes it", async (_name, answer) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 }));
    for (let i = 0; i < 3; i++) expect(await p.send(i % 2, "/?user_key=uk-b")).toBe(200);
    p.failReports = true;
    p.reportAnswer = answer as never;
    await p.advance(6000);
    const warned = p.logs().filter((l) => l.includes("report(s) for service"));
    expect(warned).toHaveLength(1);
    expect(warned[0]).not.toContain("uk-b");
    expect(warned[0]).toMatch(/failed: (status \d{3}(, [a-z0-9_]+)?|invalid status); their usage is kept/);
    p.failReports = false;
    await p.advance(5000);
    for (const vm of p.vms) expect(vm.vmState.status).toBe("ok");
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(3);
  });
});
