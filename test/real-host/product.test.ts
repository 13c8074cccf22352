// The release module in Envoy's own Proxy-Wasm host (proxy-wasm-cpp-host + WAMR): the verdicts, the
// local replies, a rejected configuration and the upstream changes. The 3scale backend is the
// project's backend simulator, answering the call-outs in-process.
import { expect, it } from "vitest";
import { ManualClock, BackendSimulator } from "../../src-host-sim/backend/index.js";
import { BACKEND_CLUSTER, REPLY, config, requestHeaders } from "../filter/harness.js";
import { limitedBackend, s1Config } from "../features/helpers.js";
import {
  answerCalls, backendAnswer, describeRealHost, expectReply, header, onlyCall, replyIn, upstreamIn, useRealHost, type HostEvent,
} from "./harness.js";

const get = (path: string, extra: Array<[string, string]> = []) => requestHeaders("GET", path, extra);

describeRealHost("release module in the real host: verdicts", () => {
  const newHost = useRealHost();

  it("allows a known user_key: authrep from the root context, the request continues, end in Envoy's order", async () => {
    const host = newHost();
    const backend = limitedBackend(100);
    await host.startOk("w0", { config: s1Config(), clusters: [BACKEND_CLUSTER] });
    const ev = await host.request("w0", "s1", get("/items?user_key=uk-1234"));
    const call = onlyCall(ev);
    expect(call.cluster).toBe(BACKEND_CLUSTER);
    expect(call.stream).toBe("s1"); // issued while stream s1 was current, bound to the root (token 4)
    expect(call.token).toBe(4);
    expect(header(call.headers, ":path")).toBe("/transactions/authrep.xml?service_id=S1&service_token=st-secret&user_key=uk-1234&usage[hits]=1");
    expect(ev.find((e) => e.ev === "phase")).toMatchObject({ phase: "request_headers", status: 4 }); // StopAllIterationAndWatermark
    const answered = await host.respond("w0", call.token, backendAnswer(backend, call));
    expect(upstreamIn(answered, "s1")).toBeDefined();
    expect(replyIn(answered)).toBeUndefined();
    const down = await host.upstreamResponse("s1", [[":status", "200"]], "ok");
    expect(down.find((e) => e.ev === "downstream")).toMatchObject({ body: "ok" });
    const end = await host.end("s1");
    expect(end.find((e) => e.ev === "stream_end")).toMatchObject({ callbacks: ["on_log", "on_done", "on_delete"], decision: "continued" });
    expect((await host.stats()).vms.w0).toMatchObject({ failed: false, streams: 0, pending_calls: 0 });
  });

  it("429 with RateLimit headers once the limit is reached", async () => {
    const host = newHost();
    const backend = limitedBackend(1);
    await host.startOk("w0", { config: s1Config({}, { rate_limit_headers: true }), clusters: [BACKEND_CLUSTER] });
    const first = await answerCalls(host, backend, await host.request("w0", "s1", get("/?user_key=uk-1234")));
    expect(upstreamIn(first, "s1")).toBeDefined();
    await backend.flushReports();
    const second = await answerCalls(host, backend, await host.request("w0", "s2", get("/?user_key=uk-1234")));
    const r = replyIn(second, "s2");
    expectReply(r, REPLY.limitsExceeded);
    expect(r!.additional_headers).toEqual([["ratelimit-limit", "1"], ["ratelimit-remaining", "0"], ["ratelimit-reset", "50"]]);
  });

  it("403 when credentials are missing, with no call-out", async () => {
    const host = newHost();
    await host.startOk("w0", { config: s1Config(), clusters: [BACKEND_CLUSTER] });
    const ev = await host.request("w0", "s1", get("/items"));
    expect(ev.filter((e) => e.ev === "http_call")).toHaveLength(0);
    expectReply(replyIn(ev, "s1"), REPLY.credentialsMissing);
  });

  it("403 when the backend rejects the credentials", async () => {
    const host = newHost();
    const backend = limitedBackend(100);
    await host.startOk("w0", { config: s1Config(), clusters: [BACKEND_CLUSTER] });
    const ev = await answerCalls(host, backend, await host.request("w0", "s1", get("/?user_key=nobody")));
    expectReply(replyIn(ev, "s1"), REPLY.authFailed);
  });

  it("404 when no mapping rule matches", async () => {
    const host = newHost();
    await host.startOk("w0", { config: s1Config({ mapping_rules: [{ method: "GET", pattern: "/only", usages: [{ name: "hits", delta: 1 }] }] }), clusters: [BACKEND_CLUSTER] });
    expectReply(replyIn(await host.request("w0", "s1", get("/other?user_key=uk-1234")), "s1"), REPLY.noMappingRule);
  });

  it("400 for requests missing :method or :path", async () => {
    const host = newHost();
    await host.startOk("w0", { config: config(), clusters: [BACKEND_CLUSTER] });
    expectReply(replyIn(await host.request("w0", "a", [[":method", "GET"], [":authority", "a"]]), "a"), REPLY.badRequest);
    expectReply(replyIn(await host.request("w0", "b", [[":path", "/?user_key=k"], [":authority", "a"]]), "b"), REPLY.badRequest);
    expect((await host.stats()).vms.w0!.failed).toBe(false);
  });

  describe502();

  it("an invalid configuration is refused by on_configure (canary), without a trap", async () => {
    const host = newHost();
    const started = await host.startVm("w0", { config: { api: "v1", services: [{ id: 2555417834780 }] } });
    expect(started).toMatchObject({ ok: false, phase: "canary" });
    const logs = host.logs();
    expect(logs.some((l) => l.startsWith("invalid configuration: "))).toBe(true);
    expect(logs).toContain(logs.find((l) => /^configuration rejected: \d+ problem\(s\)$/.test(l)));
    const hostErrors = host.driver.events.filter((e) => e.ev === "host_error").map((e) => String(e.msg));
    expect(hostErrors.some((m) => /RuntimeError|failed: |unreachable|proc_exit/.test(m)), hostErrors.join("\n")).toBe(false);
    // A configuration that is not JSON at all is refused the same way.
    expect(await host.startVm("w1", { config: "{not json" })).toMatchObject({ ok: false, phase: "canary" });
  });

  it("strips the credential and sets identity headers on the forwarded request", async () => {
    const host = newHost();
    const backend = new BackendSimulator({
      seed: { services: [{ id: "S1", provider_key: "pk", backend_version: "2", service_tokens: ["st-secret"], metrics: [{ id: "1", name: "hits" }], plans: [{ id: "p", name: "p", limits: [] }], applications: [{ id: "A1", plan: "p", application_keys: ["secret"] }] }] } as never,
      clock: new ManualClock("2026-01-01T00:00:10Z"),
    });
    const svc = {
      credentials: { app_id: [{ header: { keys: ["app-id"] } }], app_key: [{ header: { keys: ["app-key"] } }] },
      strip_credentials: true,
      identity_headers: { app_id: "x-3scale-app-id", service_id: "x-3scale-service-id" },
    };
    await host.startOk("w0", { config: s1Config(svc), clusters: [BACKEND_CLUSTER] });
    const ev = await answerCalls(host, backend, await host.request("w0", "s1", get("/?x=1", [["app-id", "A1"], ["app-key", "secret"], ["x-3scale-app-id", "spoofed"]])));
    const up = upstreamIn(ev, "s1");
    expect(up, JSON.stringify(ev)).toBeDefined();
    expect(header(up!.headers, "app-id")).toBeUndefined();
    expect(header(up!.headers, "app-key")).toBeUndefined();
    expect(header(up!.headers, "x-3scale-app-id")).toBe("A1");
    expect(header(up!.headers, "x-3scale-service-id")).toBe("S1");
    expect(up!.headers.filter(([k]) => k === "x-3scale-app-id")).toHaveLength(1);
  });

  function describe502(): void {
    const cases: Array<[string, (host: ReturnType<typeof newHost>, token: number) => Promise<HostEvent[]>]> = [
      ["a 5xx answer", (h, t) => h.respond("w0", t, { status: 503, body: "unavailable" })],
      ["a timeout (Envoy's 504 on the driver clock)", (h) => h.advance(5000)],
      ["a reset call", (h, t) => h.failCall("w0", t)],
      ["an answer without :status", (h, t) => h.respond("w0", t, { noStatus: true, headers: [["content-type", "text/xml"]], body: "<status/>" })],
    ];
    for (const [name, answer] of cases) {
      it(`502 Bad Gateway for ${name}`, async () => {
        const host = newHost();
        await host.startOk("w0", { config: s1Config(), clusters: [BACKEND_CLUSTER] });
        const call = onlyCall(await host.request("w0", "s1", get("/?user_key=uk-1234")));
        const ev = await answer(host, call.token);
        expectReply(replyIn(ev, "s1"), REPLY.badGateway);
        expect((await host.stats()).vms.w0!.failed).toBe(false);
      });
    }
  }
});
