// 3scale unreachable (connection refused, 5xx, timeout) under each failure mode (docs/cache.md):
// closed answers 502, open allows, resilient reuses the last known verdict for the key (else 502).
// Usage served during the outage, and reports that failed, reach 3scale after recovery, exactly once.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { filterConfig, type Outage, Proxy, SERVICE, startBackend } from "./helpers.js";

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

const CACHE = { enabled: true, ttl: 60, report_interval: 5 };
const OUTAGES: Outage[] = ["refused", "5xx", "timeout"];

interface Case {
  mode: string;
  outage: Outage;
  /** status for a key seen before the outage, and for a key never seen */
  known: number;
  unknown: number;
}

const cases: Case[] = OUTAGES.flatMap((outage) => [
  { mode: "closed", outage, known: 502, unknown: 502 },
  { mode: "open", outage, known: 200, unknown: 200 },
  { mode: "resilient", outage, known: 200, unknown: 502 },
]);

describe("backend outage with the cache enabled", () => {
  it.each(cases)("$mode, $outage: known key $known, unknown key $unknown; usage arrives after recovery", async (c) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE, c.mode));
    // Before: app B is authorized and cached; its usage is reported, which makes the next request ask again.
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1);

    p.setOutage(c.outage);
    const known = [await p.send(0, "/?user_key=uk-b"), await p.send(1, "/?user_key=uk-b")];
    const unknown = await p.send(1, "/?user_key=uk-c");
    expect(known).toEqual([c.known, c.known]);
    expect(unknown).toBe(c.unknown);
    // Reports during the outage fail and keep their usage.
    await p.advance(5000);
    await p.advance(5000);
    expect(p.logs().some((l) => l.includes("3scale unreachable") || l.includes("authrep failed"))).toBe(true);

    p.setOutage("up");
    await p.advance(5000);
    const servedB = 1 + known.filter((s) => s === 200).length;
    const servedC = unknown === 200 ? 1 : 0;
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(servedB);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(servedC);
    // Recovery: 3scale decides again.
    expect(await p.send(0, "/?user_key=wrong")).toBe(403);
    await p.advance(5000);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(servedB); // never counted twice
  });

  it("resilient reuses a cached denial too: limits_exceeded stays 429 during the outage", async () => {
    backend = await startBackend(1);
    backend.addUsage(SERVICE, "A", "hits", 1);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { ...CACHE, ttl: 1 }, "resilient"));
    expect(await p.send(0, "/?user_key=uk-a")).toBe(429);
    await p.advance(2000); // the denial is no longer fresh, but it is the last known verdict
    p.setOutage("5xx");
    expect(await p.send(1, "/?user_key=uk-a")).toBe(429);
  });

  it("a report that fails is retried with its usage intact at every interval", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 4, filterConfig(backend.url, CACHE));
    for (let i = 0; i < 12; i++) expect(await p.send(i % 4, "/?user_key=uk-b")).toBe(200);
    p.setOutage("5xx");
    for (let i = 0; i < 3; i++) await p.advance(5000);
    expect(p.reportCalls()).toHaveLength(3);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(0);
    p.setOutage("up");
    await p.advance(5000);
    expect(p.reportCalls()).toHaveLength(4);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(12);
  });
});

describe("while 3scale is known to be down", () => {
  const timedOutAuthorizations = (p: Proxy) =>
    p.vms.flatMap((vm) => vm.httpCalls.all()).filter((c) => c.state === "timed-out" && c.path.startsWith("/transactions/authorize.xml")).length;

  it.each([
    { mode: "open", status: 200, calls: 1 },
    { mode: "resilient", status: 200, calls: 1 },
    { mode: "closed", status: 502, calls: 10 },
  ])("$mode: after one timeout the next requests of every worker are decided at once ($calls call(s) for 10 requests)", async ({ mode, status, calls }) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE, mode));
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    await p.advance(5000); // reported: the next request asks 3scale again
    p.setOutage("timeout");
    const outcomes: number[] = [];
    for (let i = 0; i < 10; i++) outcomes.push(await p.send(i % 2, "/?user_key=uk-b"));
    expect(outcomes).toEqual(new Array(10).fill(status));
    expect(timedOutAuthorizations(p)).toBe(calls);
  });

  it("after the 5 s window a request probes 3scale again, and an accepted report closes the window early", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { ...CACHE, report_interval: 60 }, "resilient"));
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    p.setOutage("5xx");
    await p.advance(60_000); // the report fails (503): 3scale is down for 5 s
    const before = p.authorizeCalls().length;
    expect(await p.send(1, "/?user_key=uk-c")).toBe(502); // never seen, decided without a call
    expect(p.authorizeCalls()).toHaveLength(before);
    await p.advance(5000);
    expect(await p.send(1, "/?user_key=uk-c")).toBe(502); // the window is over: one probe
    expect(p.authorizeCalls()).toHaveLength(before + 1);
    p.setOutage("up");
    await p.advance(60_000); // the retried report is accepted: 3scale is up again
    expect(await p.send(0, "/?user_key=uk-c")).toBe(200);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(0);
  });
});

describe("failure modes without the cache (authrep per request)", () => {
  it.each([
    { mode: "closed", status: 502 },
    { mode: "open", status: 200 },
    { mode: "resilient", status: 200 },
  ])("$mode: $status during a 5xx outage; usage allowed meanwhile is reported afterwards", async ({ mode, status }) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, null, mode));
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200); // authrep: counted by 3scale itself
    p.setOutage("5xx");
    expect(await p.send(1, "/?user_key=uk-b")).toBe(status);
    p.setOutage("up");
    await p.advance(10000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(status === 200 ? 2 : 1);
    expect(p.authorizeCalls()).toHaveLength(0);
  });
});
