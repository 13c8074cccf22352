// Lifecycle and context ids as Envoy drives them (docs/host-simulator.md).
import { describe, expect, it } from "vitest";
import { FailState } from "../../src-host-sim/index.js";
import { GET, result, scripted, scriptText, started, type Script } from "./scripted.js";

const vmCalls = (sim: Awaited<ReturnType<typeof scripted>>) =>
  sim.trace.vmCalls().filter((e) => e.name.startsWith("proxy_on_")).map((e) => `${e.name}(${e.args.join(",")})`);

describe("startup", () => {
  it("creates the root (id 1) first, then on_vm_start(root, vm config length), then on_configure(root, plugin config length)", async () => {
    const script = { tick: "log 2 unused" };
    const sim = await scripted(script, { pluginConfiguration: "abcd" });
    expect(sim.start().ok).toBe(true);
    const vmcfgLen = new TextEncoder().encode(scriptText(script)).length;
    expect(vmCalls(sim).slice(0, 3)).toEqual(["proxy_on_context_create(1,0)", `proxy_on_vm_start(1,${vmcfgLen})`, "proxy_on_configure(1,4)"]);
  });

  it.each([
    { name: "on_vm_start returning 0 is StartFailed", script: { vm_start: "return 0" } as Script, failState: FailState.StartFailed },
    { name: "on_configure returning 0 is ConfigureFailed", script: { configure: "return 0" } as Script, failState: FailState.ConfigureFailed },
  ])("$name", async ({ script, failState }) => {
    const sim = await scripted(script, { pluginConfiguration: "x" });
    const r = sim.start();
    expect(r.ok).toBe(false);
    expect(r.failState).toBe(failState);
    expect(sim.vmState).toMatchObject({ status: "failed", failState });
  });

  it("reconfigure runs a new on_configure and reports a rejection (NACK) as false", async () => {
    const sim = await started({ configure: "get_buffer 7 0 100; return $a1" }, { pluginConfiguration: "first" });
    expect(sim.reconfigure("")).toBe(false);
    expect(sim.reconfigure("second")).toBe(true);
    expect(result(sim, "get_buffer 7")).toBe("0 [second] ptr set");
  });
});

describe("streams", () => {
  it("numbers stream contexts 2, 3, … and calls on_context_create(ctx, root) lazily at the first request headers", async () => {
    const sim = await started({});
    const a = sim.newHttpStream();
    const b = sim.newHttpStream();
    expect([a.contextId, b.contextId]).toEqual([2, 3]);
    expect(vmCalls(sim).filter((c) => c.startsWith("proxy_on_context_create(2"))).toEqual([]);
    b.sendRequestHeaders(GET);
    expect(vmCalls(sim).slice(-2)).toEqual(["proxy_on_context_create(3,1)", "proxy_on_request_headers(3,3,1)"]);
  });

  it.each([
    { name: "Envoy order by default: on_log → on_done → on_delete", order: undefined, expected: ["proxy_on_log", "proxy_on_done", "proxy_on_delete"] },
    { name: "the spec order on request: on_done → on_log → on_delete", order: "spec" as const, expected: ["proxy_on_done", "proxy_on_log", "proxy_on_delete"] },
  ])("ends a stream with $name", async ({ order, expected }) => {
    const sim = await started({}, order ? { lifecycleOrder: order } : {});
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
    expect(s.complete().callbacks).toEqual(expected);
    expect(s.status).toBe("done");
  });

  it("runs the log/destroy path on a client reset, with no further callbacks", async () => {
    const sim = await started({ request_headers: "return 1" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    expect(s.reset().callbacks).toEqual(["proxy_on_log", "proxy_on_done", "proxy_on_delete"]);
    expect(s.status).toBe("reset");
    expect(await s.whenRequestDecided()).toBe("reset");
    const before = sim.trace.vmCalls().length;
    s.sendRequestBody("late");
    expect(sim.trace.vmCalls().length).toBe(before);
  });

  it("creates the context before on_log when the stream ended before any request header reached the filter", async () => {
    const sim = await started({});
    const s = sim.newHttpStream();
    expect(s.complete().callbacks).toEqual(["proxy_on_context_create", "proxy_on_log", "proxy_on_done", "proxy_on_delete"]);
  });
});

describe("isolation", () => {
  it("keeps all state per simulator: two VMs interleaved number contexts and tokens independently", async () => {
    const script = { request_headers: "http_call c :method=GET,:path=/,:authority=a 0; return 1" };
    const a = await started(script);
    const b = await started(script);
    const sa = a.newHttpStream();
    const sb = b.newHttpStream();
    sa.sendRequestHeaders(GET);
    sb.sendRequestHeaders(GET);
    expect([sa.contextId, sb.contextId]).toEqual([2, 2]);
    expect([a.httpCalls.last()!.token, b.httpCalls.last()!.token]).toEqual([4, 4]);
    a.httpCalls.last()!.fail();
    expect(b.httpCalls.last()!.pending).toBe(true);
    expect(b.trace.vmCalls("proxy_on_http_call_response")).toHaveLength(0);
  });
});
