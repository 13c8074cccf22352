// Pausing, resuming and local replies (docs/host-simulator.md).
import { describe, expect, it } from "vitest";
import { FilterDataStatus, FilterHeadersStatus, WasmResult } from "../../src-host-sim/index.js";
import { GET, result, results, started } from "./scripted.js";

const CALL = "http_call backend :method=GET,:path=/,:authority=b 0";

describe("return value conversion", () => {
  it.each([
    { name: "StopIteration (1) becomes StopAllIterationAndWatermark", ret: 1, options: {}, expected: FilterHeadersStatus.StopAllIterationAndWatermark },
    { name: "StopIteration (1) stays with allowOnHeadersStopIteration", ret: 1, options: { allowOnHeadersStopIteration: true }, expected: FilterHeadersStatus.StopIteration },
    { name: "ContinueAndEndStream (2) becomes Continue", ret: 2, options: {}, expected: FilterHeadersStatus.Continue },
    { name: "StopAllIterationAndBuffer (3) passes", ret: 3, options: {}, expected: FilterHeadersStatus.StopAllIterationAndBuffer },
    { name: "a value above 4 becomes StopAllIterationAndWatermark", ret: 9, options: {}, expected: FilterHeadersStatus.StopAllIterationAndWatermark },
  ])("headers: $name", async ({ ret, options, expected }) => {
    const sim = await started({ request_headers: `return ${ret}` }, options);
    const r = sim.newHttpStream().sendRequestHeaders(GET);
    expect(r).toMatchObject({ called: true, rawReturn: ret, envoyStatus: expected });
  });

  it.each([
    { name: "data: a value above 3 becomes StopIterationNoBuffer", cb: "request_body", ret: 7, expected: FilterDataStatus.StopIterationNoBuffer },
    { name: "data: a local reply forces StopIterationNoBuffer", cb: "request_body", ret: 0, reply: true, expected: FilterDataStatus.StopIterationNoBuffer },
    { name: "trailers: a value above 1 becomes StopIteration", cb: "request_trailers", ret: 5, expected: 1 },
  ])("$name", async ({ cb, ret, reply, expected }) => {
    const sim = await started({ [cb]: `${reply ? "local_reply 403 no - - ; " : ""}return ${ret}` });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    const r = cb === "request_body" ? s.sendRequestBody("x", { endOfStream: true }) : (s.sendRequestBody("x", { endOfStream: false }), s.sendRequestTrailers([["t", "1"]]));
    expect(r.envoyStatus).toBe(expected);
  });
});

describe("continue", () => {
  it("defers proxy_continue_stream until the VM call returns, then forwards the request", async () => {
    const sim = await started({
      request_headers: `${CALL}; return 1`,
      http_call_response: "effective $origin; add 0 x-verdict ok; continue 0; log 2 still-in-callback",
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(s.forwardedUpstream).toBeUndefined();
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(result(sim, "continue 0")).toBe("0");
    expect(s.forwardedUpstream?.headers).toContainEqual(["x-verdict", "ok"]);
    expect(s.requestDecision).toBe("continued");
    // the trace shows continue_stream inside the callback, the forwarding after it
    const ev = sim.trace.events;
    const cont = ev.findIndex((e) => e.name === "proxy_continue_stream");
    const logAfter = ev.findIndex((e, i) => i > cont && e.name === "proxy_log");
    expect(logAfter).toBeGreaterThan(cont);
  });

  it("buffers the request body while headers are stopped and delivers it to the filter's body callback after continue", async () => {
    const sim = await started({
      request_headers: `${CALL}; return 1`,
      request_body: "get_buffer 0 0 100",
      http_call_response: "effective $origin; continue 0",
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    expect(s.sendRequestBody("part1-", { endOfStream: false }).called).toBe(false);
    expect(s.sendRequestBody("part2", { endOfStream: true }).called).toBe(false);
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(results(sim, "get_buffer 0")).toEqual(["0 [part1-part2] ptr set"]);
    expect(new TextDecoder().decode(s.forwardedUpstream!.body)).toBe("part1-part2");
    expect(s.forwardedUpstream!.endOfStream).toBe(true);
  });

  it("holds trailers during a StopAll and hands them to the trailers callback once the body is continued", async () => {
    const sim = await started({
      request_headers: `${CALL}; return 1`,
      http_call_response: "effective $origin; continue 0",
      request_body: "return 1",
      request_trailers: "get_value 1 t",
      tick: "effective 2; continue 0",
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    s.sendRequestBody("b", { endOfStream: false });
    expect(s.sendRequestTrailers([["t", "1"]]).called).toBe(false);
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(sim.trace.vmCalls("proxy_on_request_body")).toHaveLength(1);
    expect(sim.trace.vmCalls("proxy_on_request_trailers")).toHaveLength(0);
    expect(s.forwardedUpstream?.endOfStream).toBe(false);
    sim.tick();
    expect(result(sim, "get_value 1 t")).toBe("0 1");
    expect(s.forwardedUpstream).toMatchObject({ trailers: [["t", "1"]], endOfStream: true });
    expect(new TextDecoder().decode(s.forwardedUpstream!.body)).toBe("b");
  });

  it("passes cumulative body sizes after StopIterationAndBuffer, and chunk sizes otherwise", async () => {
    const sim = await started({ request_body: "get_buffer 0 0 100; return 1", "request_body@3": "return 2" });
    const a = sim.newHttpStream();
    a.sendRequestHeaders(GET, { endOfStream: false });
    a.sendRequestBody("abc", { endOfStream: false });
    a.sendRequestBody("de", { endOfStream: false });
    a.sendRequestBody("f", { endOfStream: true });
    expect(sim.trace.vmCalls("proxy_on_request_body").map((e) => e.args[1])).toEqual([3, 5, 6]);
    expect(results(sim, "get_buffer 0")).toEqual(["0 [abc] ptr set", "0 [abcde] ptr set", "0 [abcdef] ptr set"]);
    const b = sim.newHttpStream();
    b.sendRequestHeaders(GET, { endOfStream: false });
    b.sendRequestBody("abc", { endOfStream: false });
    b.sendRequestBody("de", { endOfStream: false });
    expect(sim.trace.vmCalls("proxy_on_request_body").filter((e) => e.args[0] === 3).map((e) => e.args[1])).toEqual([3, 2]);
  });

  it("proxy_set_buffer_bytes: (0, 0) prepends, (0, len) replaces, start ≥ len appends, otherwise BadArgument", async () => {
    const sim = await started({ request_body: "set_buffer 0 0 0 <; set_buffer 0 99 0 >; set_buffer 0 2 0 x; get_buffer 0 0 100; set_buffer 0 0 99 new; get_buffer 0 0 100" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    s.sendRequestBody("body", { endOfStream: true });
    expect(results(sim, "set_buffer")).toEqual(["0", "0", String(WasmResult.BadArgument), "0"]);
    expect(results(sim, "get_buffer 0")).toEqual(["0 [<body>] ptr set", "0 [new] ptr set"]);
    expect(new TextDecoder().decode(s.forwardedUpstream!.body)).toBe("new");
  });

  it("continue_stream on a root context without an effective context is Ok and does nothing", async () => {
    const sim = await started({ tick: "continue 0; local_reply 500 x - -" });
    sim.tick();
    expect(results(sim, "continue 0")).toEqual(["0"]);
    expect(result(sim, "local_reply")).toBe("0");
  });

  it.each([
    { name: "type 4", cmd: "continue 4", expected: WasmResult.BadArgument },
    { name: "Upstream (3)", cmd: "continue 3", expected: WasmResult.Unimplemented },
    { name: "Downstream (2)", cmd: "continue 2", expected: WasmResult.Ok },
  ])("continue_stream with $name answers its Envoy status", async ({ cmd, expected }) => {
    const sim = await started({ request_headers: cmd });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, cmd)).toBe(String(expected));
  });

  it("close_stream resets the stream after the VM call with details wasm_close_stream", async () => {
    const sim = await started({ request_headers: "close 0; log 2 after-close; return 1" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(result(sim, "log 2 after-close")).toBe("0");
    expect(s.status).toBe("reset");
    expect(s.codeDetails).toBe("wasm_close_stream");
  });
});

describe("local reply", () => {
  it("is deferred until after the callback, forces stop, and is built like Envoy's (details '_', text/plain, content-length)", async () => {
    const sim = await started({ request_headers: "local_reply 403 not%20authorized%09now denied X-Reason=bad 7; log 2 after; return 0" });
    const s = sim.newHttpStream();
    const r = s.sendRequestHeaders(GET);
    expect(r.envoyStatus).toBe(FilterHeadersStatus.StopAllIterationAndWatermark);
    expect(result(sim, "log 2 after")).toBe("0");
    expect(s.localResponse).toMatchObject({ status: 403, bodyText: "denied", details: "not_authorized_now", grpcStatus: 7 });
    expect(s.localResponse!.headers).toEqual([[":status", "403"], ["x-reason", "bad"], ["content-length", "6"], ["content-type", "text/plain"]]);
    expect(s.forwardedUpstream).toBeUndefined();
    expect(s.status).toBe("local-reply");
    expect(await s.whenRequestDecided()).toBe("local-reply");
  });

  it("keeps the module's own content-type with a body, drops it with an empty body (Utility::encodeLocalReply); grpc -1 means none", async () => {
    const sim = await started({ request_headers: "local_reply 401 d - Content-Type=application/json 4294967295", "request_headers@3": "local_reply 401 d {} Content-Type=application/json" });
    const a = sim.newHttpStream();
    a.sendRequestHeaders(GET);
    expect(a.localResponse!.headers).toEqual([[":status", "401"]]);
    expect(a.localResponse!.grpcStatus).toBeNull();
    const b = sim.newHttpStream();
    b.sendRequestHeaders(GET);
    expect(b.localResponse!.headers).toEqual([[":status", "401"], ["content-type", "application/json"], ["content-length", "2"]]);
  });

  it.each([
    { name: "re-enters on_response_headers/body through the filter by default", options: {}, expectedCallbacks: ["proxy_on_response_headers", "proxy_on_response_body"] },
    { name: "bypasses the filter when localReplyThroughFilter is false", options: { localReplyThroughFilter: false }, expectedCallbacks: [] },
  ])("the local reply $name", async ({ options, expectedCallbacks }) => {
    const sim = await started({ request_headers: "local_reply 429 limited too%20many -", response_headers: "add 2 x-seen yes" }, options);
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    const cbs = sim.trace.vmCalls().map((e) => e.name).filter((n) => n.startsWith("proxy_on_response"));
    expect(cbs).toEqual(expectedCallbacks);
    expect(s.sentDownstream?.headers?.[0]).toEqual([":status", "429"]);
    expect(new TextDecoder().decode(s.sentDownstream!.body)).toBe("too many");
    expect(s.sentDownstream!.headers!.some(([k]) => k === "x-seen")).toBe(expectedCallbacks.length > 0);
  });

  it("from on_http_call_response with the stream as effective context answers that stream", async () => {
    const sim = await started({ request_headers: `${CALL}; return 1`, http_call_response: "effective $origin; local_reply 403 denied nope -" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    s.sendRequestBody("held");
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(s.localResponse?.status).toBe(403);
    expect(s.forwardedUpstream).toBeUndefined();
  });

  it.each([
    { name: "the module's gRPC status", reply: "local_reply 403 denied no%20access - 7", grpcStatus: "7" },
    { name: "a status mapped from HTTP when the module names none (401 → 16)", reply: "local_reply 401 denied bad%25key -", grpcStatus: "16" },
  ])("answers a gRPC request trailers-only with $name", async ({ reply, grpcStatus }) => {
    const sim = await started({ request_headers: reply }, { localReplyThroughFilter: false });
    const s = sim.newHttpStream();
    s.sendRequestHeaders([[":method", "POST"], [":path", "/pkg.Svc/Call"], [":authority", "a"], ["content-type", "application/grpc"]]);
    const headers = Object.fromEntries(s.sentDownstream!.headers!);
    expect(headers).toMatchObject({ ":status": "200", "content-type": "application/grpc", "grpc-status": grpcStatus });
    expect(headers["grpc-message"]).toBe(reply.includes("%25") ? "bad%25key" : "no access");
    expect(s.sentDownstream!.body).toHaveLength(0);
    expect(s.localResponse).toMatchObject({ grpc: true });
  });

  it("records a second local reply on the same stream as a warning; the first one wins", async () => {
    const sim = await started({ request_headers: "local_reply 403 a - -; local_reply 500 b - -" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(s.localResponse!.status).toBe(403);
    expect(s.localReplyRequests.map((r) => r.status)).toEqual([403, 500]);
    expect(s.warnings).toHaveLength(1);
  });
});
