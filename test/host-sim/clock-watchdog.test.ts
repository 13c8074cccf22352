// Time moves a little on each guest clock read (a module waiting for the clock to change starts),
// and the watchdog stops a guest call that never returns, naming the callback and its last host
// calls, instead of hanging the test.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { GuestWatchdogError, instrumentForWatchdog, ProxyWasmSimulator, VirtualClock } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { op, WasmBuilder } from "./wasm-builder.js";

const GET: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a.example"]];
const MS = 1_000_000n;

function lines(sim: ProxyWasmSimulator, prefix: string): string[] {
  return sim.logs.filter((l) => l.message.startsWith(prefix)).map((l) => l.message);
}

describe("clock reads within a callback", () => {
  it("a module that reads the clock until it changes starts, and serves requests", async () => {
    const clock = new VirtualClock(Date.UTC(2030, 0, 1));
    const sim = await ProxyWasmSimulator.create(modulePath("clock-spin"), { clock });
    expect(sim.start().ok).toBe(true);
    const [rt] = lines(sim, "realtime moved");
    const [mono] = lines(sim, "monotonic moved");
    // One further read moves each clock, by less than a millisecond, from the virtual time.
    const m = /after (\d+) reads by (\d+) ns from (\d+)/.exec(rt!)!;
    expect(Number(m[1])).toBe(2);
    expect(Number(m[2])).toBeGreaterThan(0);
    const first = BigInt(m[3]!);
    expect(first / MS).toBe(BigInt(Date.UTC(2030, 0, 1)));
    expect(/after 2 reads by [1-9]\d* ns from \d+/.test(mono!)).toBe(true);
    const r = await sim.request({ headers: GET });
    expect(r.decision).toBe("continued");
    const [req] = lines(sim, "request reads");
    const [a, b] = req!.split(" ").slice(2).map(BigInt);
    expect(b! > a! && a! > first).toBe(true);
  });

  it("steps are deterministic and stay inside the millisecond a test advances to; advancing resets them", () => {
    const one = new VirtualClock(0);
    const two = new VirtualClock(0);
    const seqOne = [one.readRealtimeNs(), one.readRealtimeNs(), one.readMonotonicNs()];
    expect([two.readRealtimeNs(), two.readRealtimeNs(), two.readMonotonicNs()]).toEqual(seqOne);
    expect(seqOne[0]! > 0n && seqOne[1]! > seqOne[0]! && seqOne[2]! > seqOne[1]!).toBe(true);
    // Realtime and monotonic share one offset: epoch 0 makes them equal apart from the step.
    let last = 0n;
    for (let i = 0; i < 100_000; i++) last = one.readRealtimeNs();
    expect(last).toBe(999_999n); // the reads never reach the next millisecond …
    expect(one.readsExhausted()).toBe(true);
    expect(one.readRealtimeNs()).toBe(999_999n); // … and repeat its last nanosecond
    one.advance(1);
    expect(one.nowNs()).toBe(MS);
    const next = one.readRealtimeNs();
    expect(next > MS && next < 2n * MS).toBe(true);
    expect(one.readsExhausted()).toBe(false);
  });

  it("a zero step freezes time inside a callback (the previous behaviour, as an option)", () => {
    const c = new VirtualClock(5, { min: 0, max: 0 });
    expect([c.readRealtimeNs(), c.readRealtimeNs()]).toEqual([5n * MS, 5n * MS]);
    expect(() => new VirtualClock(0, { min: 0, max: 1_000_000 })).toThrow(/read step/);
  });

  it("timers and call timeouts still fire exactly when the test advances to them", async () => {
    const clock = new VirtualClock(0);
    const fired: bigint[] = [];
    clock.schedule(10, () => fired.push(clock.nowNs()));
    for (let i = 0; i < 1000; i++) clock.readRealtimeNs();
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([10n * MS]);
  });
});

describe("watchdog", () => {
  it("stops a callback spinning without host calls and reports it, within the limit", async () => {
    const sim = await ProxyWasmSimulator.create(modulePath("runaway"), { watchdog: { limitMs: 200 } });
    expect(sim.watchdogInstrumented).toBe(true);
    expect(sim.start().ok).toBe(true);
    const t0 = performance.now();
    let err: unknown;
    try {
      await sim.request({ headers: [...GET, [":method", "POST"]], body: "x" });
    } catch (e) {
      err = e;
    }
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(GuestWatchdogError);
    const w = err as GuestWatchdogError;
    expect(w.exportName).toBe("proxy_on_request_body");
    expect(w.contextId).toBe(2);
    expect(w.message).toMatch(/proxy_on_request_body on context 2 ran longer than 200 ms.*a loop without host calls/);
    expect(elapsed).toBeLessThan(3000);
    // The VM is failed (its state is whatever the interrupted call left), as after a trap.
    expect(sim.vmState.status).toBe("failed");
  });

  it("names the last host calls of a callback spinning on host calls", async () => {
    const sim = await ProxyWasmSimulator.create(modulePath("runaway"), { watchdog: { limitMs: 100 } });
    sim.start();
    const err = await sim.request({ headers: GET, upstream: () => ({ status: 200 }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestWatchdogError);
    const w = err as GuestWatchdogError;
    expect(w.exportName).toBe("proxy_on_response_headers");
    expect(w.lastHostCalls).toEqual(new Array(8).fill("proxy_get_header_map_size"));
    expect(sim.hostLogs.join("\n")).toMatch(/proxy_on_response_headers failed: watchdog/);
    // Reported once: later calls on the failed VM do not throw it again.
    await expect(sim.idle()).resolves.toBeUndefined();
  });

  it("explains a callback waiting for time the virtual clock never reaches", async () => {
    const sim = await ProxyWasmSimulator.create(modulePath("runaway"), { watchdog: { limitMs: 100 } });
    sim.start();
    expect(() => sim.advanceTime(1000)).toThrow(/proxy_on_tick on context 1 ran longer than 100 ms and was stopped; last host calls: (proxy_get_current_time_nanoseconds, ){7}proxy_get_current_time_nanoseconds; the guest clock reads used up the current virtual millisecond/);
  });

  it("stops a start function that never returns and fails the load", async () => {
    const b = new WasmBuilder().withBasics();
    const spin = b.func([], [], [0x03, 0x40, 0x0c, 0x00, 0x0b]); // loop br 0 end
    b.start(spin);
    await expect(ProxyWasmSimulator.create(b.build(), { watchdog: { limitMs: 100 } })).rejects.toThrow(/watchdog: the start function on context 0 ran longer than 100 ms/);
  });

  it("keeps the module unchanged when turned off, and the instrumented module behaves the same", async () => {
    const off = await ProxyWasmSimulator.create(modulePath("clock-spin"), { watchdog: false });
    expect(off.watchdogInstrumented).toBe(false);
    expect(off.start().ok).toBe(true);
    const bytes = new Uint8Array(readFileSync(modulePath("product")));
    const r = instrumentForWatchdog(bytes);
    expect(r.instrumented).toBe(true);
    expect(r.loops).toBeGreaterThan(10);
    expect(WebAssembly.validate(r.bytes as BufferSource)).toBe(true);
    // A module the rewriter does not understand runs as built, with a host log saying so.
    const b = new WasmBuilder().withBasics();
    b.func([], [], [0xfb, 0x00, ...op.drop]);
    expect(instrumentForWatchdog(b.build()).instrumented).toBe(false);
  });
});
