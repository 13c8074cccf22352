// Limits while batching (docs/cache.md, "Limits"). The authorize answer's limit headers give each
// cached "allowed" a budget of calls; when it is used up the key is denied from the cache until
// the next report re-opens the question. Where the budget cannot be exact (no limit headers,
// several keys sharing one limit, several proxies) a client may exceed a limit by at most the
// usage served in one report interval: a cached "allowed" never outlives the next report that
// carries its usage. A limits_exceeded answer is reused for ttl, but never past the period's end.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { driveRate as drive, filterConfig, Proxy, SERVICE, startBackend } from "./helpers.js";

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

const LIMIT = 10;
const TTL = 60;
const INTERVAL = 5;
const CACHE = { enabled: true, ttl: TTL, report_interval: INTERVAL };

const served = (outcomes: number[]) => outcomes.filter((s) => s === 200).length;

describe("limit of 10 hits/minute, ttl 60, report_interval 5", () => {
  it.each([1, 2, 4, 8])("%i request(s)/s on one key: exactly the limit is served (limit-header budget)", async (perSecond) => {
    backend = await startBackend(LIMIT);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    const outcomes = await drive(p, perSecond, 30);
    expect(served(outcomes)).toBe(LIMIT);
    expect(outcomes.slice(LIMIT).every((s) => s === 429)).toBe(true);
    await p.advance(INTERVAL * 1000);
    expect(backend.usage(SERVICE, "A", "hits", "minute")).toBe(LIMIT);
  });

  it.each([1, 2, 4, 8])("%i request(s)/s without limit headers: at most limit + one interval's usage", async (perSecond) => {
    backend = await startBackend(LIMIT);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    p.stripLimitHeaders = true;
    const outcomes = await drive(p, perSecond, 30);
    const perInterval = perSecond * INTERVAL;
    // The documented bound.
    expect(served(outcomes)).toBeLessThanOrEqual(LIMIT + perInterval);
    // With a steady rate: whole intervals are served until the report that crosses the limit.
    expect(served(outcomes)).toBe(Math.ceil(LIMIT / perInterval) * perInterval);
    expect(outcomes.slice(served(outcomes)).every((s) => s === 429)).toBe(true);
    await p.advance(INTERVAL * 1000);
    expect(backend.usage(SERVICE, "A", "hits", "minute")).toBe(served(outcomes)); // nothing served is lost
    // One authorize per interval until the 409, whose verdict is then reused.
    expect(p.authorizeCalls()).toHaveLength(Math.ceil(LIMIT / perInterval) + 1);
  });

  it("two keys sharing the limit (hits, and search whose parent is hits): at most limit + one interval's usage", async () => {
    backend = await startBackend(LIMIT);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    const perSecond = 4;
    const outcomes = await drive(p, perSecond, 30, ["/?user_key=uk-a", "/search?user_key=uk-a"]);
    // Each key's budget comes from the same counter, so together they may exceed the limit, but
    // not by more than one interval's usage.
    expect(served(outcomes)).toBeGreaterThan(LIMIT);
    expect(served(outcomes)).toBeLessThanOrEqual(LIMIT + perSecond * INTERVAL);
    await p.advance(INTERVAL * 1000);
    expect(backend.usage(SERVICE, "A", "hits", "minute")).toBe(served(outcomes));
  });

  it("without the cache the limit is exact (one authrep per request)", async () => {
    backend = await startBackend(LIMIT);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, null));
    const outcomes = await drive(p, 4, 10);
    expect(served(outcomes)).toBe(LIMIT);
    expect(p.authrepCalls()).toHaveLength(40);
  });

  it("a cached limits_exceeded is reused, but not past the end of the exceeded period", async () => {
    backend = await startBackend(LIMIT);
    backend.addUsage(SERVICE, "A", "hits", LIMIT); // at the limit; the backend clock is at hh:mm:10
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    expect(await p.send(0, "/?user_key=uk-a")).toBe(429);
    expect(await p.send(1, "/?user_key=uk-a")).toBe(429);
    expect(p.authorizeCalls()).toHaveLength(1);
    await p.advance(49_000); // the minute has 50 s left (3scale-limit-reset: 50)
    expect(await p.send(0, "/?user_key=uk-a")).toBe(429);
    expect(p.authorizeCalls()).toHaveLength(1);
    await p.advance(1_000);
    backend.clock = { now: () => Date.parse("2026-01-01T00:01:00Z") }; // the next minute
    expect(await p.send(0, "/?user_key=uk-a")).toBe(200);
    expect(p.authorizeCalls()).toHaveLength(2);
  });

  it("without limit headers a cached limits_exceeded is reused for ttl", async () => {
    backend = await startBackend(LIMIT);
    backend.addUsage(SERVICE, "A", "hits", LIMIT);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    p.stripLimitHeaders = true;
    expect(await p.send(0, "/?user_key=uk-a")).toBe(429);
    await p.advance((TTL - 1) * 1000);
    expect(await p.send(1, "/?user_key=uk-a")).toBe(429);
    expect(p.authorizeCalls()).toHaveLength(1);
    await p.advance(1000);
    expect(await p.send(1, "/?user_key=uk-a")).toBe(429);
    expect(p.authorizeCalls()).toHaveLength(2);
  });
});
