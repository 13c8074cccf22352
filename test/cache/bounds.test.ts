// Bounded, secret-free and trap-free (docs/cache.md): max_entries bounds the shared slots, a slot
// holding unreported usage is never evicted (the request goes to authrep instead), shared-data keys
// and logs carry no credential, and garbage in shared data never traps the VM.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { SharedDataStore } from "../../src-host-sim/index.js";
import { filterConfig, Proxy, SERVICE, sharedKeys, startBackend, TOKEN } from "./helpers.js";

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

const APPS = [["A", "uk-a"], ["B", "uk-b"], ["C", "uk-c"], ["D", "uk-d"]] as const;

describe("bounds", () => {
  it.each([1, 2, 3])("max_entries %i: never more slots, and every request of 4 applications is counted once", async (max) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: max }));
    for (let round = 0; round < 5; round++) {
      for (const [, key] of APPS) expect(await p.send(round % 2, `/?user_key=${key}`)).toBe(200);
    }
    const slots = sharedKeys(p.shared).filter((k) => k.includes("/slot/"));
    expect(slots).toHaveLength(max);
    // Applications that found no free slot were sent to authrep, which counts them itself.
    expect(p.authrepCalls().length).toBeGreaterThan(0);
    await p.advance(5000);
    for (const [app] of APPS) expect(backend.usage(SERVICE, app, "hits", "minute")).toBe(5);
  });
});

describe("secrets", () => {
  it("shared-data keys hold no credential or token, and no log line shows one in clear", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5 }), "trace");
    for (const [, key] of APPS) await p.send(0, `/?user_key=${key}`);
    await p.send(1, "/?user_key=uk-b");
    await p.advance(5000);
    const keys = sharedKeys(p.shared);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toMatch(/^threescale-wasm-auth\/cache\/v1\/(slot\/\d+|next-flush|vm-counter)$/);
    const logs = p.logs();
    expect(logs.some((l) => l.startsWith("cache: report"))).toBe(true);
    for (const secret of [TOKEN, "uk-a", "uk-b", "uk-c", "uk-d"]) {
      expect(logs.filter((l) => l.includes(secret))).toEqual([]);
    }
  });
});

describe("robustness", () => {
  it.each([
    ["random bytes", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ["a valid magic with a truncated body", new Uint8Array([0x33, 0x57, 0x43, 0x31, 1, 2])],
    ["a huge metric count", new Uint8Array([0x33, 0x57, 0x43, 0x31, ...new Array(43).fill(0), 0xff, 0xff, 0xff, 0x7f])],
    ["an empty value", new Uint8Array(0)],
  ])("garbage in every shared entry (%s) never traps, and usage is still counted exactly", async (_name, garbage) => {
    backend = await startBackend();
    const shared = new SharedDataStore();
    for (let i = 0; i < 8; i++) shared.set("", `threescale-wasm-auth/cache/v1/slot/${i}`, garbage);
    shared.set("", "threescale-wasm-auth/cache/v1/next-flush", garbage);
    shared.set("", "threescale-wasm-auth/cache/v1/vm-counter", garbage);
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: 8 }), "info", shared);
    for (let i = 0; i < 10; i++) expect(await p.send(i % 2, "/?user_key=uk-b")).toBe(200);
    await p.advance(10000);
    for (const vm of p.vms) expect(vm.vmState.status).toBe("ok");
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(10);
  });
});

describe("upgrade in place", () => {
  /** A record in the previous layout ("3WC2": no call counters), as an earlier module version wrote it. */
  function previousFormatRecord(serviceId: string, userKey: string, metric: string, pending: number): Uint8Array {
    const parts: Buffer[] = [];
    const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
    const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); parts.push(b); };
    const str = (t: string) => { u32(Buffer.byteLength(t)); parts.push(Buffer.from(t)); };
    u32(0x32435733);
    u64(0x1234567n); // hash
    parts.push(Buffer.from([1])); // verdict: allowed
    u64(0n); u64(0n); u64(0n); // valid until, inflight id, inflight at
    u64(0xffffffffffffffffn); u64(3n); // budget -1, served 3
    str(serviceId);
    parts.push(Buffer.from([0])); // user_key
    str(userKey);
    u32(1);
    str(metric); u64(BigInt(pending)); u64(0n);
    return new Uint8Array(Buffer.concat(parts));
  }

  it("usage left in the previous record format is reported, not overwritten", async () => {
    backend = await startBackend();
    const shared = new SharedDataStore();
    shared.set("", "threescale-wasm-auth/cache/v1/slot/3", previousFormatRecord(SERVICE, "uk-c", "hits", 4));
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, { enabled: true, ttl: 60, report_interval: 5, max_entries: 8 }), "info", shared);
    for (let i = 0; i < 10; i++) expect(await p.send(i % 2, `/?user_key=uk-${"abd"[i % 3]}`)).toBe(200);
    await p.advance(5000);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(4);
  });
});
