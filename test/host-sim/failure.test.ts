// Traps and VM failure (docs/host-simulator.md): fail-closed 503 / fail-open bypass.
import { describe, expect, it } from "vitest";
import { FailState, FilterHeadersStatus, LogLevel } from "../../src-host-sim/index.js";
import { GET, started } from "./scripted.js";

describe("fail-closed (default)", () => {
  it("answers the trapping stream with 503, empty body, gRPC 14, details wasm_fail_stream, and fails the VM", async () => {
    const sim = await started({ request_headers: "trap" });
    const s = sim.newHttpStream();
    const r = s.sendRequestHeaders(GET);
    expect(r.trapped?.exportName).toBe("proxy_on_request_headers");
    expect(r.envoyStatus).toBe(FilterHeadersStatus.StopAllIterationAndWatermark);
    expect(s.localResponse).toMatchObject({ status: 503, bodyText: "", grpcStatus: 14, details: "wasm_fail_stream", failClosed: true });
    expect(s.sentDownstream?.headers).toEqual([[":status", "503"]]);
    expect(s.forwardedUpstream).toBeUndefined();
    expect(sim.vmState).toMatchObject({ status: "failed", failState: FailState.RuntimeError });
    expect(sim.vmState.reason).toMatch(/^Function: proxy_on_request_headers failed: /);
    expect(await s.whenRequestDecided()).toBe("failed");
  });

  it("answers every later stream with 503 at request headers without calling the VM", async () => {
    const sim = await started({ request_headers: "trap" });
    sim.newHttpStream().sendRequestHeaders(GET);
    const vmCallsBefore = sim.trace.vmCalls().length;
    const later = sim.newHttpStream();
    const r = later.sendRequestHeaders(GET);
    expect(r.called).toBe(false);
    expect(later.localResponse).toMatchObject({ status: 503, details: "wasm_fail_stream" });
    expect(later.complete().callbacks).toEqual([]);
    expect(sim.trace.vmCalls().length).toBe(vmCallsBefore);
  });

  it("reports an AssemblyScript abort as a trap after proxy_log(critical) and proc_exit(255)", async () => {
    const sim = await started({ request_headers: "abort" });
    const r = sim.newHttpStream().sendRequestHeaders(GET);
    expect(r.trapped?.procExitCode).toBe(255);
    const critical = sim.logs.filter((l) => l.level === LogLevel.Critical);
    expect(critical.map((l) => l.message)).toEqual([expect.stringMatching(/^scripted abort at: /)]);
  });

  it("a trap in on_http_call_response leaves the paused stream stalled (no reply); its next callback gets the 503", async () => {
    const sim = await started({ request_headers: "http_call c :method=GET,:path=/,:authority=a 0; return 1", http_call_response: "trap" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    const r = sim.httpCalls.last()!.respond({ status: 200 });
    expect(r.trapped?.exportName).toBe("proxy_on_http_call_response");
    expect(await s.whenRequestDecided()).toBe("stalled");
    expect(s.localResponse).toBeUndefined();
    s.sendRequestBody("x");
    expect(s.requestDecision).toBe("failed");
    expect(s.localResponse?.status).toBe(503);
  });
});

describe("fail-open", () => {
  it("lets the trapping stream continue and later streams bypass the filter", async () => {
    const sim = await started({ request_headers: "trap" }, { failurePolicy: "fail-open" });
    const s = sim.newHttpStream();
    const r = s.sendRequestHeaders(GET);
    expect(r.trapped).toBeDefined();
    expect(r.envoyStatus).toBe(FilterHeadersStatus.Continue);
    expect(s.forwardedUpstream?.headers).toEqual(GET);
    expect(s.localResponse).toBeUndefined();
    const vmCallsBefore = sim.trace.vmCalls().length;
    const later = sim.newHttpStream();
    later.sendRequestHeaders(GET, { endOfStream: false });
    later.sendRequestBody("body");
    later.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
    expect(later.forwardedUpstream?.endOfStream).toBe(true);
    expect(later.sentDownstream?.headers).toEqual([[":status", "200"]]);
    expect(later.bypassed).toBe(true);
    expect(await later.whenRequestDecided()).toBe("continued");
    expect(sim.trace.vmCalls().length).toBe(vmCallsBefore);
  });
});
