// Envoy's throwaway canary VM (docs/host-simulator.md) with `simulateCanary`, and the opt-in
// `strict` checks: a trap or a call to an unlisted cluster throws SimulatorStrictError from
// the phase method, a second local reply is recorded in sim.warnings.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { FailState, ProxyWasmSimulator, SimulatorStrictError, type HttpCallRequest } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { GET, result, scripted, started, type Script } from "./scripted.js";

type Sim = Awaited<ReturnType<typeof scripted>>;
type Trace = Sim["trace"];

const callbacks = (trace: Trace) => trace.vmCalls().filter((e) => e.name.startsWith("proxy_on_")).map((e) => `${e.name}(${e.args.join(",")})`);
const countCalls = (trace: Trace, name: string) => trace.vmCalls().filter((e) => e.name === name).length;

const LOGGING: Script = { vm_start: "log 2 vm-start", configure: "log 2 configured" };
const CALL = "http_call backend :method=GET,:path=/check,:authority=backend.local 1000";

describe("canary VM (simulateCanary)", () => {
  it("runs context_create(1,0) → on_vm_start → on_configure once more in its own VM, without on_done/on_delete", async () => {
    const sim = await scripted(LOGGING, { pluginConfiguration: "abcd", simulateCanary: true });
    expect(sim.start().ok).toBe(true);
    const canary = sim.canary!;
    expect(canary.result.ok).toBe(true);
    const expected = ["proxy_on_context_create(1,0)", expect.stringMatching(/^proxy_on_vm_start\(1,\d+\)$/), "proxy_on_configure(1,4)"];
    expect(callbacks(canary.trace)).toEqual(expected);
    expect(callbacks(sim.trace).slice(0, 3)).toEqual(expected);
    const total = (name: string) => countCalls(sim.trace, name) + countCalls(canary.trace, name);
    expect([total("proxy_on_vm_start"), total("proxy_on_configure")]).toEqual([2, 2]);
    expect(countCalls(canary.trace, "proxy_on_done") + countCalls(canary.trace, "proxy_on_delete")).toBe(0);
    // The canary initialised its own instance (its own _initialize), not the worker's.
    expect(countCalls(canary.trace, "_initialize") + countCalls(canary.trace, "_start")).toBe(1);
  });

  it("keeps the canary's log lines apart from the worker's (sim.logs and onLog see only the worker)", async () => {
    const seen: string[] = [];
    const sim = await scripted(LOGGING, { pluginConfiguration: "x", simulateCanary: true, onLog: (r) => seen.push(r.message) });
    sim.start();
    const plain = (msgs: string[]) => msgs.filter((m) => !m.startsWith("> "));
    expect(plain(sim.canary!.logs.map((l) => l.message))).toEqual(["vm-start", "configured"]);
    expect(plain(sim.logs.map((l) => l.message))).toEqual(["vm-start", "configured"]);
    expect(plain(seen)).toEqual(["vm-start", "configured"]);
    expect(sim.canary!.logs).not.toBe(sim.logs);
  });

  it("is off by default: one on_vm_start, no canary report", async () => {
    const sim = await scripted(LOGGING, { pluginConfiguration: "x" });
    expect(sim.start().ok).toBe(true);
    expect(sim.canary).toBeUndefined();
    expect(countCalls(sim.trace, "proxy_on_vm_start")).toBe(1);
  });

  it.each([
    { name: "a configuration the module rejects (empty) is ConfigureFailed", script: { configure: "return $a1" } as Script, config: "", failState: FailState.ConfigureFailed, trapped: false },
    { name: "on_vm_start returning 0 is StartFailed", script: { vm_start: "return 0" } as Script, config: "x", failState: FailState.StartFailed, trapped: false },
    { name: "a trap in on_configure is RuntimeError", script: { configure: "trap" } as Script, config: "x", failState: FailState.RuntimeError, trapped: true },
  ])("refuses the configuration through the canary: $name, and no worker VM starts", async ({ script, config, failState, trapped }) => {
    const sim = await scripted(script, { pluginConfiguration: config, simulateCanary: true });
    const r = sim.start();
    expect(r).toMatchObject({ ok: false, failState, canaryFailed: true });
    expect(r.trapped !== undefined).toBe(trapped);
    expect(sim.canary!.result.ok).toBe(false);
    expect(sim.vmState).toMatchObject({ status: "failed", failState });
    expect(sim.hostLogs.join("\n")).toMatch(/canary VM: .*Unable to create Wasm HTTP filter/);
    // The worker VM was never started: none of its lifecycle callbacks ran.
    expect(callbacks(sim.trace)).toEqual([]);
  });

  it("accepts a configuration the module accepts after the same check", async () => {
    const sim = await scripted({ configure: "return $a1" }, { pluginConfiguration: "ok", simulateCanary: true });
    expect(sim.start()).toMatchObject({ ok: true, configureResult: 2 });
    expect(sim.canary!.result).toMatchObject({ ok: true, configureResult: 2 });
  });

  it("drops the canary's http calls and ticks: handlers never see them, only the worker's call and ticks happen", async () => {
    const handled: HttpCallRequest[] = [];
    const script: Script = { vm_start: "tick_period 100", configure: CALL, tick: "log 2 tick" };
    const sim = await scripted(script, {
      pluginConfiguration: "x",
      simulateCanary: true,
      clusters: { backend: (req) => (handled.push(req), { status: 200 }) },
    });
    expect(sim.start().ok).toBe(true);
    await sim.idle();
    sim.advanceTime(1000);
    const canary = sim.canary!;
    expect(canary.droppedHttpCalls.map((c) => [c.cluster, c.token])).toEqual([["backend", 4]]);
    expect(handled).toHaveLength(1);
    expect(sim.httpCalls.all().map((c) => [c.cluster, c.token, c.state])).toEqual([["backend", 4, "responded"]]);
    expect(countCalls(sim.trace, "proxy_on_http_call_response")).toBe(1);
    expect(countCalls(sim.trace, "proxy_on_tick")).toBe(10);
    expect(countCalls(canary.trace, "proxy_on_tick") + countCalls(canary.trace, "proxy_on_http_call_response")).toBe(0);
    // The canary's pending call does not time out into anything either.
    sim.advanceTime(5000);
    expect(countCalls(canary.trace, "proxy_on_http_call_response")).toBe(0);
  });

  it("starts the product module with the quickstart configuration, canary first", async () => {
    const config = parseYaml(await readFile(new URL("../../examples/quickstart.yaml", import.meta.url), "utf8")) as Record<string, unknown>;
    const options = { rootId: "threescale-wasm-auth", pluginConfiguration: config, clusters: { "3scale-backend": "manual" as const, "3scale-system": "manual" as const } };
    const plain = await ProxyWasmSimulator.create(modulePath("product"), options);
    const withCanary = await ProxyWasmSimulator.create(modulePath("product"), { ...options, simulateCanary: true });
    const r = withCanary.start();
    expect(r.ok, JSON.stringify({ r, host: withCanary.hostLogs, canary: withCanary.canary?.result })).toBe(true);
    expect(withCanary.canary!.result).toMatchObject({ ok: true, vmStartResult: 1 });
    expect(withCanary.vmState.status).toBe("ok");
    expect(countCalls(withCanary.canary!.trace, "proxy_on_configure")).toBe(1);
    expect(countCalls(withCanary.trace, "proxy_on_configure")).toBe(1);
    // The worker behaves as without a canary: the same calls, and the canary's stay out of it.
    expect(plain.start().ok).toBe(true);
    const calls = (s: ProxyWasmSimulator) => s.httpCalls.all().map((c) => `${c.cluster} ${c.header(":path") ?? ""}`);
    expect(calls(withCanary)).toEqual(calls(plain));
    expect(withCanary.logs.map((l) => l.message)).toEqual(plain.logs.map((l) => l.message));
  });
});

describe("strict: failOnTrap", () => {
  it.each([
    { name: "throws SimulatorStrictError from sendRequestHeaders", strict: true },
    { name: "only reports the trap in the result when off", strict: false },
  ])("a trapping on_request_headers $name; the fail-closed 503 is sent either way", async ({ strict }) => {
    const sim = await started({ request_headers: "trap" }, strict ? { strict: { failOnTrap: true } } : {});
    const s = sim.newHttpStream();
    let thrown: unknown;
    let trapped: unknown;
    try {
      trapped = s.sendRequestHeaders(GET).trapped;
    } catch (e) {
      thrown = e;
    }
    if (strict) {
      expect(thrown).toBeInstanceOf(SimulatorStrictError);
      expect(thrown).toMatchObject({ kind: "trap", detail: { contextId: s.contextId, trap: { exportName: "proxy_on_request_headers" } } });
    } else {
      expect(thrown).toBeUndefined();
      expect(trapped).toMatchObject({ exportName: "proxy_on_request_headers" });
    }
    expect(s.localResponse).toMatchObject({ status: 503, details: "wasm_fail_stream" });
    expect(sim.vmState.failState).toBe(FailState.RuntimeError);
  });

  it("throws from start() when on_configure traps (in the worker or in the canary)", async () => {
    for (const simulateCanary of [false, true]) {
      const sim = await scripted({ configure: "trap" }, { pluginConfiguration: "x", simulateCanary, strict: { failOnTrap: true } });
      expect(() => sim.start(), `simulateCanary ${simulateCanary}`).toThrow(SimulatorStrictError);
      expect(sim.vmState.status).toBe("failed");
    }
  });

  it("throws from advanceTime when a tick traps, and only once", async () => {
    const sim = await started({ vm_start: "tick_period 10", tick: "trap" }, { strict: { failOnTrap: true } });
    expect(() => sim.advanceTime(10)).toThrow(/proxy_on_tick trapped/);
    expect(() => sim.advanceTime(10)).not.toThrow();
  });

  it("throws from idle() when a cluster handler's answer traps on_http_call_response", async () => {
    const sim = await started({ request_headers: CALL, http_call_response: "trap" }, { clusters: { backend: () => ({ status: 200 }) }, strict: { failOnTrap: true } });
    sim.newHttpStream().sendRequestHeaders(GET);
    await expect(sim.idle()).rejects.toMatchObject({ kind: "trap", detail: { trap: { exportName: "proxy_on_http_call_response" } } });
  });
});

describe("strict: failOnUnexpectedHttpCall", () => {
  it.each([
    { name: "a call to an unlisted cluster throws, the module still got BadArgument", cluster: "nowhere", strict: true, throws: true },
    { name: "a listed cluster is fine", cluster: "backend", strict: true, throws: false },
    { name: "without the flag an unlisted cluster is only BadArgument", cluster: "nowhere", strict: false, throws: false },
  ])("$name", async ({ cluster, strict, throws }) => {
    const sim = await started(
      { request_headers: `http_call ${cluster} :method=GET,:path=/,:authority=a 10` },
      { clusters: { backend: "manual" }, ...(strict ? { strict: { failOnUnexpectedHttpCall: true } } : {}) },
    );
    const send = () => sim.newHttpStream().sendRequestHeaders(GET);
    if (throws) expect(send).toThrow(expect.objectContaining({ kind: "unexpected-http-call", detail: expect.objectContaining({ cluster }) }));
    else expect(send).not.toThrow();
    expect(result(sim, "http_call").startsWith(cluster === "backend" ? "0" : "2")).toBe(true);
  });
});

describe("strict: warnOnDoubleLocalResponse", () => {
  it.each([
    { name: "a second local reply is recorded in sim.warnings", replies: 2, flag: true, warnings: 1 },
    { name: "a single local reply is not", replies: 1, flag: true, warnings: 0 },
    { name: "without the flag only stream.warnings has it", replies: 2, flag: false, warnings: 0 },
  ])("$name", async ({ replies, flag, warnings }) => {
    const script = Array.from({ length: replies }, (_, i) => `local_reply ${403 - i} r${i} - -`);
    const sim = await started({ request_headers: script }, flag ? { strict: { warnOnDoubleLocalResponse: true } } : {});
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(sim.warnings).toHaveLength(warnings);
    if (warnings > 0) expect(sim.warnings[0]).toMatch(new RegExp(`2 times on stream ${s.contextId} \\(status 402\\)`));
    expect(s.warnings.filter((w) => w.startsWith("second proxy_send_local_response"))).toHaveLength(replies - 1);
    expect(s.localResponse?.status).toBe(403);
  });
});
