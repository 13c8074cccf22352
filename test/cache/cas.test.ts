// Compare-and-swap between workers, proven by interleaving: the test's shared-data store lets a
// second worker run a whole callback in the middle of the first one's read-modify-write (between
// its proxy_get_shared_data and its proxy_set_shared_data), as two Envoy worker threads can.
// With CAS the first worker's write is refused and retried on fresh data; without it, the second
// worker's usage (or claim) would be overwritten.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { SharedDataStore } from "../../src-host-sim/index.js";
import { EMPTY_SLOT_BYTES, filterConfig, Proxy, SERVICE, startBackend } from "./helpers.js";

/** InterleavingStore runs `hook` once, right after the next read of a key matching `pattern`. */
class InterleavingStore extends SharedDataStore {
  private hook: { pattern: RegExp; run: () => void } | null = null;
  mismatches = 0;

  interleave(pattern: RegExp, run: () => void): void {
    this.hook = { pattern, run };
  }

  get fired(): boolean {
    return this.hook === null;
  }

  override get(vmId: string, key: string) {
    const value = super.get(vmId, key);
    const h = this.hook;
    if (h && h.pattern.test(key)) {
      this.hook = null;
      h.run(); // another worker's callback, between this read and the caller's write
    }
    return value;
  }

  override set(vmId: string, key: string, value: Uint8Array, cas = 0) {
    const r = super.set(vmId, key, value, cas);
    if (r !== 0) this.mismatches++;
    return r;
  }
}

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

const CACHE = { enabled: true, ttl: 60, report_interval: 5 };
const HEADERS: Array<[string, string]> = [[":method", "GET"], [":path", "/?user_key=uk-b"], [":authority", "api.example.com"], [":scheme", "http"]];

const NEXT_FLUSH = "threescale-wasm-auth/cache/v1/next-flush";

/** makeFlushDue sets the shared schedule to "due now" (the next tick of any worker flushes). */
function makeFlushDue(store: SharedDataStore): void {
  store.set("", NEXT_FLUSH, new Uint8Array(8));
}

/** usedSlotKey: the key of the one slot that holds a record (the others are empty, 66 bytes). */
function usedSlotKey(store: SharedDataStore): string {
  const data = (store as unknown as { data: Map<string, Map<string, { value: Uint8Array }>> }).data.get("")!;
  const used = [...data.entries()].filter(([k, e]) => k.includes("/slot/") && e.value.length > EMPTY_SLOT_BYTES).map(([k]) => k);
  expect(used).toHaveLength(1);
  return used[0]!;
}

const exactly = (key: string) => new RegExp(`^${key.replace(/[/.]/g, "\\$&")}$`);

/** hitOn runs one cache hit on worker `vm` synchronously (no call is made on a hit). */
function hitOn(p: Proxy, vm: number): void {
  const s = p.vms[vm]!.newHttpStream();
  s.sendRequestHeaders(HEADERS, { endOfStream: true });
  expect(s.status, "a cache hit continues at once").not.toBe("paused-request");
  s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
  s.complete();
}

describe("CAS between worker VMs", () => {
  it("two hits racing on one slot: the loser's write is refused and retried, both usages counted", async () => {
    backend = await startBackend();
    const shared = new InterleavingStore();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE), "info", shared);
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200); // miss: cached
    shared.interleave(/\/slot\//, () => hitOn(p, 1));
    hitOn(p, 0);
    expect(shared.fired).toBe(true);
    expect(shared.mismatches).toBeGreaterThanOrEqual(1);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(3);
  });

  it("a hit racing with the flush's claim is not lost: it is claimed with the rest or left pending", async () => {
    backend = await startBackend();
    const shared = new InterleavingStore();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE), "info", shared);
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    for (let i = 0; i < 4; i++) hitOn(p, i % 2);
    // Worker 0 flushes; while it claims the slot, worker 1 serves a hit on that very slot.
    makeFlushDue(shared);
    shared.interleave(exactly(usedSlotKey(shared)), () => hitOn(p, 1));
    p.vms[0]!.tick();
    await p.settle();
    expect(shared.fired).toBe(true);
    expect(shared.mismatches).toBeGreaterThanOrEqual(1);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(6);
  });

  it("two workers due at the same tick: only the one whose CAS on the schedule wins flushes", async () => {
    backend = await startBackend();
    const shared = new InterleavingStore();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE), "trace", shared);
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200);
    makeFlushDue(shared);
    // Worker 0 reads the due schedule; worker 1 ticks in between and claims the interval first.
    shared.interleave(/next-flush$/, () => p.vms[1]!.tick());
    p.vms[0]!.tick();
    await p.settle();
    expect(shared.fired).toBe(true);
    const claimed = p.vms.map((vm) => vm.logs.filter((l) => l.message === "cache: report interval claimed by this worker").length);
    expect(claimed).toEqual([0, 1]);
    expect(p.reportCalls()).toHaveLength(1);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1);
  });
});
