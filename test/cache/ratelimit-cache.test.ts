// RateLimit-* headers on requests the authorization cache decides (docs/features.md "Interplay
// with the authorization cache", docs/cache.md): computed from what the key's slot recorded
// (3scale's limit, the budget left, the end of the period) against the host's virtual clock, so a
// miss and the hits after it count down alike, and a cached 429 says Remaining 0.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { EMPTY_SLOT_BYTES, filterConfig, Proxy, startBackend } from "./helpers.js";

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

type Seen = { status: number; limit?: string; remaining?: string; reset?: string; trapped: boolean };

/** config: the cache helpers' S1 with a cache that neither expires nor reports during a test. */
function config(url: string, rateLimitHeaders: boolean) {
  const cfg = filterConfig(url, { enabled: true, ttl: 60, report_interval: 30, max_entries: 8 });
  (cfg.backend as Record<string, unknown>).rate_limit_headers = rateLimitHeaders;
  return cfg;
}

function pick(headers: ReadonlyArray<readonly [string, string]> | undefined, name: string): string | undefined {
  return headers?.find(([k]) => k.toLowerCase() === name)?.[1];
}

/** send runs one request on worker `vm` and returns its status and the RateLimit-* the client sees. */
async function send(p: Proxy, vm: number, path: string): Promise<Seen> {
  const s = p.vms[vm]!.newHttpStream();
  const phase = s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "api.example.com"], [":scheme", "http"]], { endOfStream: true });
  const decision = await s.whenRequestDecided();
  let status: number;
  let headers: ReadonlyArray<readonly [string, string]> | undefined;
  if (decision === "continued") {
    s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
    status = 200;
    headers = s.sentDownstream?.headers ?? undefined;
  } else {
    status = s.localResponse?.status ?? 0;
    headers = s.localResponse?.additionalHeaders;
  }
  s.complete();
  return {
    status,
    limit: pick(headers, "ratelimit-limit"),
    remaining: pick(headers, "ratelimit-remaining"),
    reset: pick(headers, "ratelimit-reset"),
    trapped: phase.trapped !== undefined,
  };
}

describe("RateLimit-* from the authorization cache", () => {
  it.each([1, 2])("10 hits/minute on %i worker(s): the miss says 9, hits count down, the 11th is a cached 429 with Remaining 0", async (workers) => {
    backend = await startBackend(10);
    const p = await Proxy.start(backend, workers, config(backend.url, true));
    const seen: Seen[] = [];
    for (let i = 0; i < 11; i++) {
      seen.push(await send(p, i % workers, "/?user_key=uk-a"));
      await p.advance(1000);
    }
    expect(p.authorizeCalls()).toHaveLength(1); // request 1 asked 3scale, the other 10 the cache
    // The backend's clock stands at 00:00:10 (its minute ends in 50 s); the proxy's moves 1 s per request.
    const want: Seen[] = Array.from({ length: 10 }, (_, i) => ({ status: 200, limit: "10", remaining: String(9 - i), reset: String(50 - i), trapped: false }));
    want.push({ status: 429, limit: "10", remaining: "0", reset: "40", trapped: false });
    expect(seen).toEqual(want);
  });

  it("a cached limits_exceeded (plan of 0 hits) answers 429 with Remaining 0 and a Reset that runs down", async () => {
    backend = await startBackend(0);
    const p = await Proxy.start(backend, 1, config(backend.url, true));
    const seen: Seen[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(await send(p, 0, "/?user_key=uk-a"));
      await p.advance(2000);
    }
    expect(p.authorizeCalls()).toHaveLength(1);
    expect(seen).toEqual([50, 48, 46].map((reset) => ({ status: 429, limit: "0", remaining: "0", reset: String(reset), trapped: false })));
  });

  it.each([
    { name: "an unlimited application", limit: 10, key: "uk-b", headers: true },
    { name: "rate_limit_headers off", limit: 10, key: "uk-a", headers: false },
  ])("no RateLimit-* on the miss nor on cache hits for $name", async ({ limit, key, headers }) => {
    backend = await startBackend(limit);
    const p = await Proxy.start(backend, 1, config(backend.url, headers));
    const seen: Seen[] = [];
    for (let i = 0; i < 4; i++) seen.push(await send(p, 0, `/?user_key=${key}`));
    expect(p.authorizeCalls()).toHaveLength(1);
    expect(seen).toEqual(Array.from({ length: 4 }, () => ({ status: 200, limit: undefined, remaining: undefined, reset: undefined, trapped: false })));
  });
});

/** The one slot that holds a record with a limits trailer (longer than an empty slot). */
function usedSlot(p: Proxy): { key: string; value: Uint8Array } {
  const data = (p.shared as unknown as { data: Map<string, Map<string, { value: Uint8Array }>> }).data.get("")!;
  const used = [...data.entries()].filter(([k, e]) => k.includes("/slot/") && e.value.length > EMPTY_SLOT_BYTES);
  expect(used).toHaveLength(1);
  return { key: used[0]![0], value: used[0]![1].value };
}

const TRAILER = 20; // u32 tag, i64 limit, u64 reset deadline (ms)

describe("a corrupt limits trailer in shared data", () => {
  it.each([
    { name: "truncated", edit: (b: Uint8Array) => b.slice(0, b.length - 10), headers: false },
    { name: "a wrong tag", edit: (b: Uint8Array) => withByte(b, b.length - TRAILER, 0x00), headers: false },
    { name: "bytes after it", edit: (b: Uint8Array) => concat(b, new Uint8Array([1, 2, 3])), headers: false },
    { name: "a negative limit", edit: (b: Uint8Array) => withU64(b, b.length - 16, -7n), headers: false },
    { name: "a reset deadline in the past", edit: (b: Uint8Array) => withU64(b, b.length - 8, 1n), headers: true, reset: "0" },
    { name: "the largest reset deadline", edit: (b: Uint8Array) => withU64(b, b.length - 8, -1n), headers: true },
  ])("$name: never traps, the hit is served, RateLimit-* only from a well-formed trailer", async ({ edit, headers, reset }) => {
    backend = await startBackend(10);
    const p = await Proxy.start(backend, 2, config(backend.url, true));
    expect((await send(p, 0, "/?user_key=uk-a")).remaining).toBe("9"); // miss: the slot is written
    const slot = usedSlot(p);
    p.shared.set("", slot.key, edit(slot.value));
    const hit = await send(p, 1, "/?user_key=uk-a");
    expect(hit.trapped).toBe(false);
    expect(hit.status).toBe(200);
    expect(hit.limit).toBe(headers ? "10" : undefined);
    if (reset !== undefined) expect(hit.reset).toBe(reset);
    if (headers) expect(hit.reset).toMatch(/^\d+$/);
    await p.advance(31000); // the report runs over the corrupt record too
    for (const vm of p.vms) expect(vm.vmState.status).toBe("ok");
    expect(backend.usage("S1", "A", "hits", "minute")).toBe(2);
  });
});

function withByte(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = b.slice();
  c[at] = v;
  return c;
}

function withU64(b: Uint8Array, at: number, v: bigint): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer, c.byteOffset, c.byteLength).setBigInt64(at, v, true);
  return c;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a, 0);
  c.set(b, a.length);
  return c;
}
