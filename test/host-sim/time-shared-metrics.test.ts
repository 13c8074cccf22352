// Ticks and time from the virtual clock, shared data and queues, metrics.
import { describe, expect, it } from "vitest";
import { SharedDataStore, VirtualClock, WasmResult } from "../../src-host-sim/index.js";
import { GET, result, results, started } from "./scripted.js";

describe("ticks", () => {
  it("fires the first tick after the period, re-arms after each tick, and stops with period 0", async () => {
    const sim = await started({ vm_start: "tick_period 100", "tick": "log 2 tick" });
    const ticks = () => sim.trace.vmCalls("proxy_on_tick").length;
    sim.advanceTime(99);
    expect(ticks()).toBe(0);
    sim.advanceTime(1);
    expect(ticks()).toBe(1);
    sim.advanceTime(250);
    expect(ticks()).toBe(3);
    expect(sim.trace.vmCalls("proxy_on_tick").every((e) => e.args[0] === 1)).toBe(true);
  });

  it("a period set from a stream context arms the root's timer; a new period restarts it; 0 stops it", async () => {
    const sim = await started({ request_headers: "tick_period 50", "request_headers@3": "tick_period 0" });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.advanceTime(120);
    expect(sim.trace.vmCalls("proxy_on_tick").map((e) => e.contextId)).toEqual([1, 1]);
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.advanceTime(1000);
    expect(sim.trace.vmCalls("proxy_on_tick")).toHaveLength(2);
  });
});

describe("time", () => {
  it("proxy_get_current_time_nanoseconds and WASI realtime read the virtual clock; monotonic counts from its creation", async () => {
    const clock = new VirtualClock(Date.UTC(2030, 0, 1));
    const sim = await started({ tick: "time; wasi_time 0; wasi_time 1" }, { clock });
    sim.advanceTime(1500);
    sim.tick();
    // Each read moves time by a small step inside the virtual millisecond (clock-watchdog.test.ts).
    const ns = BigInt(Date.UTC(2030, 0, 1) + 1500) * 1_000_000n;
    const read = (cmd: string): bigint => BigInt(result(sim, cmd).split(" ")[1]!);
    expect(result(sim, "time").split(" ")[0]).toBe("0");
    const [t, w0, w1] = [read("time"), read("wasi_time 0"), read("wasi_time 1")];
    expect(t > ns && t < ns + 1_000_000n).toBe(true);
    expect(w0 > t && w0 < ns + 1_000_000n).toBe(true);
    expect(w1 - 1500n * 1_000_000n > w0 - ns && w1 < 1501n * 1_000_000n).toBe(true);
  });
});

describe("shared data", () => {
  it("shares values between simulators with one store (worker VMs of one proxy), with compare-and-swap", async () => {
    const store = new SharedDataStore();
    const a = await started({ tick: "shared_set k v1 0; shared_get k" }, { sharedData: store });
    const b = await started({ tick: "shared_get k; shared_set k v2 $last; shared_set k v3 1; shared_get k" }, { sharedData: store });
    a.tick();
    expect(result(a, "shared_get k")).toBe("0 v1 cas 1");
    b.tick();
    expect(results(b, "shared_set")).toEqual(["0", String(WasmResult.CasMismatch)]);
    expect(results(b, "shared_get k")).toEqual(["0 v1 cas 1", "0 v2 cas 2"]);
  });

  it("answers NotFound for a missing key and keeps VM ids apart", async () => {
    const store = new SharedDataStore();
    const a = await started({ tick: "shared_set k v 0" }, { sharedData: store, vmId: "one" });
    const b = await started({ tick: "shared_get k" }, { sharedData: store, vmId: "two" });
    a.tick();
    b.tick();
    expect(result(b, "shared_get k")).toBe(String(WasmResult.NotFound));
  });
});

describe("shared queues", () => {
  it("registers (tokens from 1), resolves, enqueues and posts on_queue_ready to the registrant asynchronously", async () => {
    const store = new SharedDataStore();
    const owner = await started({ vm_start: "queue_register jobs", queue_ready: "queue_dequeue $a1; queue_dequeue $a1" }, { sharedData: store });
    const producer = await started({ tick: "queue_resolve - jobs; queue_enqueue $last job-1; queue_resolve - nope" }, { sharedData: store });
    expect(result(owner, "queue_register")).toBe("0 1");
    producer.tick();
    expect(results(producer, "queue_resolve")).toEqual(["0 1", String(WasmResult.NotFound)]);
    expect(owner.trace.vmCalls("proxy_on_queue_ready")).toHaveLength(0);
    await owner.idle();
    expect(owner.trace.vmCalls("proxy_on_queue_ready")[0]!.args).toEqual([1, 1]);
    expect(results(owner, "queue_dequeue")).toEqual(["0 job-1", String(WasmResult.Empty)]);
  });

  it("enqueue/dequeue on an unknown token are NotFound", async () => {
    const sim = await started({ tick: "queue_enqueue 99 x; queue_dequeue 99" });
    sim.tick();
    expect([result(sim, "queue_enqueue"), result(sim, "queue_dequeue")]).toEqual([String(WasmResult.NotFound), String(WasmResult.NotFound)]);
  });
});

describe("metrics", () => {
  it("numbers ids per type (counters 4, 8; gauges 5; histograms 6) and applies Envoy's statuses", async () => {
    const sim = await started({
      tick: [
        "metric_define 0 requests", "metric_define 0 requests", "metric_define 1 inflight", "metric_define 2 latency", "metric_define 3 bad",
        "metric_inc 4 2", "metric_inc 8 1", "metric_inc 4 0", "metric_inc 4 -1", "metric_get 4",
        "metric_inc 5 5", "metric_inc 5 -2", "metric_get 5", "metric_record 5 42", "metric_get 5",
        "metric_record 6 17", "metric_inc 6 1", "metric_get 6", "metric_get 99", "metric_inc 99 1", "metric_get 96", "metric_inc 96 1",
      ],
    });
    sim.tick();
    expect(results(sim, "metric_define")).toEqual(["0 4", "0 8", "0 5", "0 6", String(WasmResult.BadArgument)]);
    // The id's low two bits pick the type before the lookup (Context::incrementMetric / getMetric):
    // 99 is type 3 → BadArgument; 96 is an undefined counter → NotFound.
    expect(results(sim, "metric_inc")).toEqual(["0", "0", "2", "2", "0", "0", "2", "2", "1"]);
    expect(results(sim, "metric_get")).toEqual(["0 3", "0 3", "0 42", String(WasmResult.BadArgument), String(WasmResult.BadArgument), String(WasmResult.NotFound)]);
    expect(sim.metrics.value("requests")).toBe(3);
    expect(sim.metrics.get("latency")?.samples).toEqual([17n]);
  });
});
