// Loading as Envoy does (docs/host-simulator.md): ABI markers and per-version
// linking, missing or mistyped imports, allocator, start section, restricted callbacks, WASI.
import { describe, expect, it } from "vitest";
import { FailState, LogLevel, ProxyWasmSimulator, SimulatorLoadError, WasmResult } from "../../src-host-sim/index.js";
import { GET, result, started } from "./scripted.js";
import { op, WasmBuilder } from "./wasm-builder.js";

async function loadError(bytes: Uint8Array): Promise<SimulatorLoadError> {
  const e = await ProxyWasmSimulator.create(bytes, { rootId: "x" }).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof SimulatorLoadError)) throw new Error(`expected a SimulatorLoadError, got ${String(e)}`);
  return e;
}

describe("load failures", () => {
  it.each([
    {
      name: "a module without ABI marker",
      build: () => new WasmBuilder().withBasics("").build(),
      message: "Missing or unknown Proxy-Wasm ABI version",
    },
    {
      name: "a module without malloc or proxy_on_memory_allocate",
      build: () => new WasmBuilder().withBasics("proxy_abi_version_0_2_0", false).build(),
      message: "Wasm module is missing malloc function.",
      failState: FailState.MissingFunction,
    },
    {
      name: "an import the host does not provide",
      build: () => { const b = new WasmBuilder(); b.import("env", "proxy_does_not_exist", []); return b.withBasics().build(); },
      message: "Failed to load Wasm module due to a missing import: env.proxy_does_not_exist",
    },
    {
      name: "env.abort (Envoy does not provide it; build with --use abort=abort_proc_exit)",
      build: () => { const b = new WasmBuilder(); b.import("env", "abort", ["i32", "i32", "i32", "i32"], []); return b.withBasics().build(); },
      message: "Failed to load Wasm module due to a missing import: env.abort",
    },
    {
      name: "an import with the wrong signature",
      build: () => { const b = new WasmBuilder(); b.import("env", "proxy_log", ["i32", "i32"]); return b.withBasics().build(); },
      message: "Failed to load Wasm module due to an import type mismatch for env.proxy_log, want: i32 i32 -> i32, but host exports: i32 i32 i32 -> i32",
    },
    {
      name: "a 0.2.x module importing proxy_clear_route_cache (0.1.0 only)",
      build: () => { const b = new WasmBuilder(); b.import("env", "proxy_clear_route_cache", []); return b.withBasics().build(); },
      message: "Failed to load Wasm module due to a missing import: env.proxy_clear_route_cache",
    },
    {
      name: "a 0.2.0 module importing proxy_get_log_level (0.2.1 only)",
      build: () => { const b = new WasmBuilder(); b.import("env", "proxy_get_log_level", ["i32"]); return b.withBasics().build(); },
      message: "Failed to load Wasm module due to a missing import: env.proxy_get_log_level",
    },
    {
      name: "a callback export with the wrong signature",
      build: () => { const b = new WasmBuilder().withBasics(); b.func(["i32"], ["i32"], op.i32(0), "proxy_on_request_headers"); return b.build(); },
      message: "Bad function signature for: proxy_on_request_headers",
    },
  ])("rejects $name", async ({ build, message, failState }) => {
    const e = await loadError(build());
    expect(e.message).toBe(message);
    if (failState !== undefined) expect(e.failState).toBe(failState);
  });

  it("treats a host call from the start section (module top-level code) as fatal", async () => {
    const b = new WasmBuilder();
    const log = b.import("env", "proxy_log", ["i32", "i32", "i32"]);
    b.withBasics();
    const start = b.func([], [], [...op.i32(2), ...op.i32(0), ...op.i32(0), ...op.call(log), ...op.drop]);
    const e = await loadError(b.start(start).build());
    expect(e.message).toMatch(/host call env\.proxy_log during module instantiation \(start section\)/);
  });

  it("runs _initialize under the restricted allow-list: a proxy_* call other than logging fails the load", async () => {
    const b = new WasmBuilder();
    const tick = b.import("env", "proxy_set_tick_period_milliseconds", ["i32"]);
    b.withBasics();
    b.func([], [], [...op.i32(10), ...op.call(tick), ...op.drop], "_initialize");
    const e = await loadError(b.build());
    expect(e.message).toMatch(/restricted_callback/);
  });
});

describe("ABI versions", () => {
  it.each([
    { marker: "proxy_abi_version_0_1_0", abi: "0.1.0" },
    { marker: "proxy_abi_version_0_2_0", abi: "0.2.0" },
    { marker: "proxy_abi_version_0_2_1", abi: "0.2.1" },
  ])("recognises $marker", async ({ marker, abi }) => {
    const sim = await ProxyWasmSimulator.create(new WasmBuilder().withBasics(marker).build(), { rootId: "x" });
    expect(sim.abiVersion).toBe(abi);
  });

  it("0.1.0: headers callbacks get (ctx, n), a missing header is Ok with an empty value, continue_request links", async () => {
    const b = new WasmBuilder();
    const getValue = b.import("env", "proxy_get_header_map_value", ["i32", "i32", "i32", "i32", "i32"]);
    b.import("env", "proxy_continue_request", []);
    b.withBasics("proxy_abi_version_0_1_0");
    // get_header_map_value(0, key "zz" at 0 (zero bytes), 2, &ptr=16, &size=20) → status kept as return
    b.func(["i32", "i32"], ["i32"], [...op.i32(0), ...op.i32(100), ...op.i32(2), ...op.i32(16), ...op.i32(20), ...op.call(getValue), ...op.drop, ...op.i32(0)], "proxy_on_request_headers");
    const sim = await ProxyWasmSimulator.create(b.build(), { rootId: "x" });
    expect(sim.start().ok).toBe(true);
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(sim.trace.vmCalls("proxy_on_request_headers")[0]!.args).toEqual([2, 3]);
    expect(sim.trace.hostCalls("proxy_get_header_map_value")[0]!.result).toBe(WasmResult.Ok);
  });

  it("0.2.1: proxy_get_log_level writes the configured level", async () => {
    const b = new WasmBuilder();
    const getLevel = b.import("env", "proxy_get_log_level", ["i32"]);
    b.withBasics("proxy_abi_version_0_2_1");
    b.func(["i32"], [], [...op.i32(64), ...op.call(getLevel), ...op.drop], "proxy_on_tick");
    const sim = await ProxyWasmSimulator.create(b.build(), { rootId: "x", logLevel: "warn" });
    sim.start();
    sim.tick();
    const mem = sim.exports["memory"] as WebAssembly.Memory;
    expect(new DataView(mem.buffer).getUint32(64, true)).toBe(LogLevel.Warn);
  });
});

describe("memory protocol", () => {
  it("asks malloc for exactly the result size and never for size 0", async () => {
    const sim = await started({ configure: "get_buffer 7 0 100; get_buffer 7 5 100" }, { pluginConfiguration: "12345" });
    const mallocs = sim.trace.mallocs().map((e) => e.args[0]);
    expect(mallocs.slice(-1)).toEqual([5]);
    expect(results(sim)).toEqual(["0 [12345] ptr set", "0 [] ptr 0"]);
  });

  it("answers InvalidMemoryAccess for ranges outside linear memory instead of trapping", async () => {
    const sim = await started({ request_headers: "log_oob; get_buffer_oob 6" });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "log_oob")).toBe(String(WasmResult.InvalidMemoryAccess));
    expect(result(sim, "get_buffer_oob")).toBe(String(WasmResult.InvalidMemoryAccess));
    expect(sim.vmState.status).toBe("ok");
  });

  it("re-creates memory views after the guest grows its memory", async () => {
    const sim = await started({ request_headers: "grow 3; get_pairs 0; get_value 0 :authority" });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "get_value 0 :authority")).toBe("0 api.example.com");
    expect(sim.memoryPages).toBeGreaterThanOrEqual(4);
  });

  it("a malloc that calls a non-logging host function traps (restricted_callback)", async () => {
    const b = new WasmBuilder();
    const tick = b.import("env", "proxy_set_tick_period_milliseconds", ["i32"]);
    const getBuffer = b.import("env", "proxy_get_buffer_bytes", ["i32", "i32", "i32", "i32", "i32"]);
    b.withBasics("proxy_abi_version_0_2_0", false);
    b.func(["i32"], ["i32"], [...op.i32(1), ...op.call(tick), ...op.drop, ...op.i32(1024)], "malloc");
    // on_configure reads its configuration: the host calls malloc, which calls back into the host
    b.func(["i32", "i32"], ["i32"], [...op.i32(7), ...op.i32(0), ...op.i32(100), ...op.i32(16), ...op.i32(20), ...op.call(getBuffer), ...op.drop, ...op.i32(1)], "proxy_on_configure");
    const sim = await ProxyWasmSimulator.create(b.build(), { rootId: "x", pluginConfiguration: "cfg" });
    const r = sim.start();
    expect(r).toMatchObject({ ok: false, failState: FailState.RuntimeError });
    expect(r.trapped?.message).toMatch(/restricted_callback: env\.proxy_set_tick_period_milliseconds called from malloc/);
  });
});

describe("WASI", () => {
  it.each(["wasi_unstable", "wasi_snapshot_preview1"])("provides proc_exit under %s and reports it with the trap", async (module) => {
    const b = new WasmBuilder();
    const exit = b.import(module, "proc_exit", ["i32"], []);
    b.withBasics();
    b.func(["i32"], [], [...op.i32(255), ...op.call(exit), ...op.unreachable], "proxy_on_tick");
    const sim = await ProxyWasmSimulator.create(b.build(), { rootId: "x" });
    sim.start();
    const r = sim.tick();
    expect(r.trapped).toMatchObject({ exportName: "proxy_on_tick", procExitCode: 255 });
    expect(sim.procExits).toEqual([{ code: 255, contextId: 1 }]);
    expect(sim.vmState).toMatchObject({ status: "failed", failState: FailState.RuntimeError });
  });

  it("logs fd_write on fd 1 at info and fd 2 at error; other fds are BADF", async () => {
    const sim = await started({ tick: "fd_write 1 to stdout; fd_write 2 to stderr; fd_write 7 nowhere" });
    sim.tick();
    expect(sim.logs.filter((l) => l.message.startsWith("to ")).map((l) => [l.level, l.message])).toEqual([
      [LogLevel.Info, "to stdout"],
      [LogLevel.Error, "to stderr"],
    ]);
    expect(result(sim, "fd_write 7")).toBe("8");
  });

  it.each(["args_sizes_get", "environ_sizes_get"])("%s reports 0 entries and 0 bytes", async (name) => {
    const b = new WasmBuilder();
    const fn = b.import("wasi_snapshot_preview1", name, ["i32", "i32"]);
    b.withBasics();
    b.func(["i32"], [], [...op.store(64, 7), ...op.store(68, 7), ...op.i32(64), ...op.i32(68), ...op.call(fn), ...op.drop], "proxy_on_tick");
    const sim = await ProxyWasmSimulator.create(b.build(), { rootId: "x" });
    sim.start();
    sim.tick();
    const view = new DataView((sim.exports["memory"] as WebAssembly.Memory).buffer);
    expect([view.getUint32(64, true), view.getUint32(68, true)]).toEqual([0, 0]);
    expect(sim.trace.hostCalls(name)[0]!.result).toBe(0);
  });

  it("fills random_get deterministically per simulator", async () => {
    const a = await started({ tick: "wasi_random" });
    const b = await started({ tick: "wasi_random" });
    a.tick();
    b.tick();
    expect(result(a, "wasi_random")).toMatch(/^0 \d+$/);
    expect(result(a, "wasi_random")).toBe(result(b, "wasi_random"));
  });
});

function results(sim: ProxyWasmSimulator): string[] {
  return sim.logs.filter((l) => l.message.startsWith("> get_buffer")).map((l) => l.message.slice(l.message.indexOf(" = ") + 3));
}
