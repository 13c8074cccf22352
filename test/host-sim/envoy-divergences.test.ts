// Conformance tests for behaviours where an earlier simulator differed from Envoy in a way a module
// can observe. Each names the Envoy (source/extensions/common/wasm/context.cc unless said) or
// proxy-wasm-cpp-host function whose behaviour it pins.
import { describe, expect, it } from "vitest";
import { ProxyWasmSimulator, WasmResult } from "../../src-host-sim/index.js";
import { op, WasmBuilder } from "./wasm-builder.js";
import { GET, result, results, started, type Script } from "./scripted.js";

const NOT_FOUND = String(WasmResult.NotFound);

describe("header-based properties follow the filter's header maps (Context::findValue)", () => {
  it("request.* is answered while the filter holds the request headers, NotFound after Continue, and again in on_log", async () => {
    const sim = await started({
      request_headers: ["get_property request/path", "get_property request/headers/x-a", "get_property request/duration", "return 0"],
      response_headers: ["get_property request/path", "get_property request/method", "get_property response/headers/x-b", "get_property response/code"],
      log: ["get_property request/path", "get_property response/headers/x-b", "get_property request/duration"],
    });
    await sim.request({ headers: [...GET, ["x-a", "1"]], upstream: () => ({ status: 200, headers: [["x-b", "2"]] }) });
    expect(results(sim, "get_property request/path")).toEqual(["0 /resource?x=1 (size 13)", NOT_FOUND, "0 /resource?x=1 (size 13)"]);
    expect(result(sim, "get_property request/headers/x-a")).toBe("0 1 (size 1)");
    expect(result(sim, "get_property request/method")).toBe(NOT_FOUND);
    expect(results(sim, "get_property response/headers/x-b")).toEqual(["0 2 (size 1)", "0 2 (size 1)"]);
    // response.code comes from stream info, not from the header map.
    expect(result(sim, "get_property response/code")).toMatch(/^0 /);
    // request.duration: only once the request is complete (StreamInfo::requestComplete).
    const durations = results(sim, "get_property request/duration");
    expect(durations[0]).toBe(NOT_FOUND);
    expect(durations[1]).toMatch(/^0 /);
  });

  it("continue_stream releases the request headers at once, for properties too (Context::continueStream)", async () => {
    const sim = await started({ request_headers: ["get_property request/host", "continue 0", "get_property request/host", "return 1"] });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(results(sim, "get_property request/host")).toEqual(["0 api.example.com (size 15)", NOT_FOUND]);
  });
});

describe("property values are serialized as Envoy's serializeValue does", () => {
  const METADATA = { "envoy.filters.http.jwt_authn": { verified: { gone: null, none: [], empty: {} } } };
  const JWT = "metadata/filter_metadata/envoy.filters.http.jwt_authn/verified";
  it("a null (a JSON null claim) is SerializationFailure; an empty list or map is the pairs format's 4-byte count (PairsUtil)", async () => {
    const sim = await started({ request_headers: [`get_property ${JWT}/gone`, `get_property_hex ${JWT}/none`, `get_property_hex ${JWT}/empty`] });
    sim.newHttpStream({ metadata: METADATA }).sendRequestHeaders(GET);
    expect(result(sim, `get_property ${JWT}/gone`)).toBe(String(WasmResult.SerializationFailure));
    expect(result(sim, `get_property_hex ${JWT}/none`)).toBe("0 00000000 (size 4)");
    expect(result(sim, `get_property_hex ${JWT}/empty`)).toBe("0 00000000 (size 4)");
  });
});

describe("proxy_get_status after call-outs (Context::onHttpCallFailure / onHttpCallSuccess)", () => {
  const CALL = "http_call backend :method=GET,:path=/,:authority=b 1000";
  it("a failure gives 11 \"reset\" whatever the reason; the message is cleared after it, the code stays 11 for later answers", async () => {
    const sim = await started({ request_headers: `${CALL}; return 1`, http_call_response: "status" });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.newHttpStream().sendRequestHeaders(GET);
    const [first, second] = sim.httpCalls.pending();
    first!.fail("overflow");
    second!.respond({ status: 200 });
    expect(results(sim, "status")).toEqual(["0 11 reset", "0 11 "]);
  });
});

describe("inline headers join a second value with \",\" (HeaderMapImpl::insertByKey → appendToHeader)", () => {
  it("proxy_add_header_map_value on an inline header appends to its one entry; on another header adds a second entry", async () => {
    const sim = await started({
      request_headers: ["add 0 user-agent b", "add 0 x-user-key k2", "get_value 0 user-agent", "get_value 0 x-user-key", "get_pairs 0"],
    });
    sim.newHttpStream().sendRequestHeaders([...GET, ["user-agent", "a"], ["x-user-key", "k1"]]);
    expect(result(sim, "get_value 0 user-agent")).toBe("0 a,b");
    expect(result(sim, "get_value 0 x-user-key")).toBe("0 k1");
    expect(result(sim, "get_pairs 0")).toContain("user-agent=a,b");
    expect(result(sim, "get_pairs 0")).toContain("x-user-key=k1,x-user-key=k2");
  });

  it("the codec builds request maps the same way: a client's duplicated inline headers arrive as one entry", async () => {
    const sim = await started({ request_headers: ["get_value 0 x-forwarded-for", "get_value 0 :authority", "get_value 0 authorization", "map_size 0"] });
    const s = sim.newHttpStream();
    s.sendRequestHeaders([...GET, ["host", "other.example.com"], ["x-forwarded-for", "10.0.0.1"], ["x-forwarded-for", "10.0.0.2"], ["authorization", "Basic a"], ["authorization", "Basic b"]]);
    expect(result(sim, "get_value 0 x-forwarded-for")).toBe("0 10.0.0.1,10.0.0.2");
    expect(result(sim, "get_value 0 :authority")).toBe("0 api.example.com,other.example.com");
    // authorization is not inline in Envoy's own list: two entries, the first is read.
    expect(result(sim, "get_value 0 authorization")).toBe("0 Basic a");
    expect(s.requestHeaders.filter(([k]) => k === "authorization")).toHaveLength(2);
  });
});

describe("local-reply headers (Utility::encodeLocalReply)", () => {
  it("an empty body drops the module's content-length and content-type", async () => {
    const sim = await started({ request_headers: "local_reply 204 no - content-type=text/html,content-length=5,x-a=1" });
    const r = await sim.request({ headers: GET });
    const names = r.localResponse!.headers.map(([k]) => k);
    expect(names).toEqual([":status", "x-a"]);
  });

  it("a gRPC reply keeps a grpc-status the module set, drops content-length, and percent-encodes '~' in grpc-message", async () => {
    const sim = await started({ request_headers: "local_reply 403 no a~b grpc-status=7,content-length=3 16" });
    const r = await sim.request({ headers: [...GET, ["content-type", "application/grpc"]] });
    const h = Object.fromEntries(r.localResponse!.headers);
    expect(h["grpc-status"]).toBe("7");
    expect(h["grpc-message"]).toBe("a%7Eb");
    expect(h["content-length"]).toBeUndefined();
    expect(r.localResponse!.headers.filter(([k]) => k === "grpc-status")).toHaveLength(1);
  });
});

describe("a configuration rejected on a worker (PluginConfig::createContext returns no context)", () => {
  it.each([
    { name: "on_configure returning 0", script: { configure: "return 0", request_headers: "log 2 filter-ran" } as Script },
    { name: "on_vm_start returning 0", script: { vm_start: "return 0", request_headers: "log 2 filter-ran" } as Script },
  ])("$name: the filter is not installed, requests bypass it even when fail-closed", async ({ script }) => {
    const sim = await started(script, { pluginConfiguration: "x", failurePolicy: "fail-closed" });
    expect(sim.filterBypassed).toBe(true);
    const r = await sim.request({ headers: GET, upstream: () => ({ status: 200 }) });
    expect(r.decision).toBe("continued");
    expect(r.localResponse).toBeUndefined();
    expect(r.downstream?.headers).toContainEqual([":status", "200"]);
    expect(sim.trace.vmCalls("proxy_on_request_headers")).toHaveLength(0);
  });

  it("with the canary, the configuration is refused instead and no worker VM starts (the canary's on_configure)", async () => {
    const sim = await started({ configure: "return 0" }, { pluginConfiguration: "x", simulateCanary: true });
    const r = sim.canary!.result;
    expect(r.ok).toBe(false);
    expect(sim.filterBypassed).toBe(false);
    expect(sim.trace.vmCalls("proxy_on_configure")).toHaveLength(0);
  });
});

describe("local replies and the filter chain (DownstreamFilterManager::sendLocalReply)", () => {
  it("a local reply from on_response_headers is sent directly: the module's response callbacks do not run again", async () => {
    const sim = await started({ response_headers: "local_reply 403 denied no -" });
    const r = await sim.request({ headers: GET, upstream: () => ({ status: 200, body: "upstream" }) });
    expect(sim.trace.vmCalls("proxy_on_response_headers")).toHaveLength(1);
    expect(sim.trace.vmCalls("proxy_on_response_body")).toHaveLength(0);
    expect(r.downstream?.headers?.[0]).toEqual([":status", "403"]);
    expect(new TextDecoder().decode(r.downstream!.body)).toBe("no");
  });

  it("a local reply before any response goes through the encoder filters, this one included", async () => {
    const sim = await started({ request_headers: "local_reply 403 denied no -" });
    await sim.request({ headers: GET });
    expect(sim.trace.vmCalls("proxy_on_response_headers")).toHaveLength(1);
  });

  it("the request headers stay readable after a local reply (only Continue / continue_stream release them)", async () => {
    const sim = await started({ request_headers: "local_reply 403 denied no -", response_headers: "get_value 0 :path" });
    await sim.request({ headers: GET });
    expect(result(sim, "get_value 0 :path")).toBe("0 /resource?x=1");
  });
});

describe("body buffers with no body (Context::getBuffer, Buffer::copyFrom)", () => {
  it("reads are Ok with size 0 and a write is BadArgument, on a stream without a body and on the root", async () => {
    const cmds = ["get_buffer 0 0 100", "buffer_status 1", "set_buffer 0 0 0 x"];
    const sim = await started({ request_headers: cmds, tick: cmds });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.tick();
    expect(results(sim, "get_buffer 0")).toEqual(["0 [] ptr 0", "0 [] ptr 0"]);
    expect(results(sim, "buffer_status 1")).toEqual(["0 0", "0 0"]);
    expect(results(sim, "set_buffer 0")).toEqual([String(WasmResult.BadArgument), String(WasmResult.BadArgument)]);
  });
});

describe("a VM that fails while other streams are paused (no reply until their next callback)", () => {
  it("the other paused stream is stalled, not answered; its next callback gets the fail-closed 503", async () => {
    const sim = await started({ request_headers: "return 1", "request_headers@3": "trap" });
    const a = sim.newHttpStream();
    a.sendRequestHeaders(GET, { endOfStream: false });
    const b = sim.newHttpStream();
    b.sendRequestHeaders(GET, { endOfStream: false });
    expect(await b.whenRequestDecided()).toBe("failed");
    expect(b.localResponse?.status).toBe(503);
    expect(await a.whenRequestDecided()).toBe("stalled");
    expect(a.localResponse).toBeUndefined();
    expect(a.sentDownstream).toBeUndefined();
    expect(a.status).toBe("paused-request");
    a.sendRequestBody("x");
    expect(a.requestDecision).toBe("failed");
    expect(a.localResponse?.status).toBe(503);
  });
});

describe("smaller host-call details", () => {
  it("get_header_map_size on call-response maps is BadArgument (Envoy's getMap has no case for them); absent call-response trailers are a null map (BadArgument)", async () => {
    const sim = await started({
      request_headers: "http_call backend :method=GET,:path=/,:authority=b 1000; return 1",
      http_call_response: ["map_size 6", "map_size 7", "get_value 6 :status", "get_value 7 grpc-status"],
    });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.httpCalls.last()!.respond({ status: 200 });
    const BAD = String(WasmResult.BadArgument);
    expect(results(sim, "map_size")).toEqual([BAD, BAD]);
    expect(result(sim, "get_value 6 :status")).toBe("0 200");
    expect(result(sim, "get_value 7 grpc-status")).toBe(BAD);
  });

  it("set_property stores \"wasm.\" + the raw path; get_property looks up the first segment only (Context::setProperty / findValue)", async () => {
    const sim = await started({ request_headers: ["set_property one v1", "set_property two/deep v2", "get_property one", "get_property two/deep", "get_property two"] });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "get_property one")).toBe("0 v1 (size 2)");
    expect(result(sim, "get_property two/deep")).toBe(NOT_FOUND);
    expect(result(sim, "get_property two")).toBe(NOT_FOUND);
  });

  it("close_stream of a network stream type is an Ok no-op on an HTTP context (Context::closeStream)", async () => {
    const sim = await started({ request_headers: ["close 2", "close 3", "return 0"] });
    const r = await sim.request({ headers: GET });
    expect(results(sim, "close")).toEqual(["0", "0"]);
    expect(r.decision).toBe("continued");
    expect(r.stream.status).not.toBe("reset");
  });

  it("http_call with a body sets content-length to the body's size over the module's own (Context::httpCall)", async () => {
    const sim = await started({ request_headers: "http_call backend :method=POST,:path=/x,:authority=b,content-length=99 250 payload" });
    sim.newHttpStream().sendRequestHeaders(GET);
    const call = sim.httpCalls.last()!;
    expect(call.headers.filter(([k]) => k === "content-length")).toEqual([["content-length", "7"]]);
  });

  it("proxy_done is accepted from a stream context while the root is pending done (WasmBase::done)", async () => {
    const sim = await started({ done: "return 0", request_headers: "done" });
    expect(sim.shutdown().pendingDone).toBe(true);
    // A request still reaching the module after on_done (an in-flight stream) may finish the root.
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(result(sim, "done")).toBe("0");
    expect(sim.trace.vmCalls("proxy_on_delete").map((e) => e.contextId)).toContain(1);
  });

  it("set_effective_context accepts a stream whose on_context_create has not run yet (the context exists in Envoy)", async () => {
    const sim = await started({ tick: ["effective 3", "effective 9"] });
    sim.newHttpStream(); // id 2, never sent anything
    sim.newHttpStream(); // id 3
    sim.tick();
    expect(results(sim, "effective")).toEqual(["0", String(WasmResult.BadArgument)]);
  });

  it("WASI: poll_oneoff answers 0 events with success, path_open NOENT, fd_prestat_dir_name NOSYS (cpp-host exports.cc)", async () => {
    const b = new WasmBuilder();
    const poll = b.import("wasi_snapshot_preview1", "poll_oneoff", ["i32", "i32", "i32", "i32"]);
    const open = b.import("wasi_snapshot_preview1", "path_open", ["i32", "i32", "i32", "i32", "i32", "i64", "i64", "i32", "i32"]);
    const dir = b.import("wasi_snapshot_preview1", "fd_prestat_dir_name", ["i32", "i32", "i32"]);
    // Imports Go and Rust runtimes bring in link now.
    b.import("wasi_snapshot_preview1", "sock_accept", ["i32", "i32", "i32"]);
    b.import("wasi_snapshot_preview1", "fd_tell", ["i32", "i32"]);
    b.withBasics();
    const i64 = [0x42, 0x00];
    const storeAt = (addr: number, call: number[]) => [...op.i32(addr), ...call, 0x36, 2, 0]; // i32.store
    // on_vm_start stores each errno at 0, 4, 8; the poll's event count (pre-set to 7) lands at 12.
    b.func(["i32", "i32"], ["i32"], [
      ...op.store(12, 7),
      ...storeAt(0, [...op.i32(0), ...op.i32(0), ...op.i32(0), ...op.i32(12), ...op.call(poll)]),
      ...storeAt(4, [...op.i32(3), ...op.i32(0), ...op.i32(0), ...op.i32(0), ...op.i32(0), ...i64, ...i64, ...op.i32(0), ...op.i32(16), ...op.call(open)]),
      ...storeAt(8, [...op.i32(3), ...op.i32(0), ...op.i32(0), ...op.call(dir)]),
      ...op.i32(1),
    ], "proxy_on_vm_start");
    const sim = await ProxyWasmSimulator.create(b.build());
    sim.start();
    const view = new DataView((sim.exports["memory"] as WebAssembly.Memory).buffer);
    expect([view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true), view.getUint32(12, true)]).toEqual([0, 44, 52, 0]);
  });
});

describe("log level", () => {
  it("defaults to Envoy's wasm logger level, info: trace and debug lines are dropped", async () => {
    const sim = await started({ tick: ["log 0 t", "log 1 d", "log 2 i"] });
    sim.tick();
    expect(sim.logs.filter((l) => !l.message.startsWith("> ")).map((l) => [l.level, l.message])).toEqual([[2, "i"]]);
  });
});

describe("call-out and local-reply conditions Envoy produces (opt-in cluster behaviours and options)", () => {
  const CALL = "http_call backend :method=GET,:path=/,:authority=b 1000; return 1";
  it("a backend that is down answers a successful 503 with the router's body, not a failure callback", async () => {
    const sim = await started({ request_headers: CALL, http_call_response: ["status", "get_buffer 4 0 200"] }, { clusters: { backend: () => "connect-failure" as const } });
    sim.newHttpStream().sendRequestHeaders(GET);
    await sim.idle();
    expect(sim.trace.vmCalls("proxy_on_http_call_response")[0]!.args[2]).toBeGreaterThan(0); // a response, with headers
    expect(result(sim, "status")).toBe("0 0 ");
    expect(result(sim, "get_buffer 4")).toBe("0 [upstream connect error or disconnect/reset before headers. reset reason: connection failure] ptr set");
  });

  it("an undispatchable call-out is InternalFailure with no callback (Context::httpCall)", async () => {
    const sim = await started({ request_headers: "http_call backend :method=GET,:path=/,:authority=b 1000" }, { clusters: { backend: "undispatchable" } });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "http_call")).toBe(`${WasmResult.InternalFailure} 0`);
    expect(sim.httpCalls.count).toBe(0);
  });

  it("an answer over the AsyncClient's 32 MiB buffer fails the call", async () => {
    const sim = await started({ request_headers: CALL, http_call_response: "status" });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.httpCalls.last()!.respond({ status: 200, body: new Uint8Array(32 * 1024 * 1024 + 1) });
    expect(sim.trace.vmCalls("proxy_on_http_call_response")[0]!.args.slice(2)).toEqual([0, 0, 0]);
    expect(result(sim, "status")).toBe("0 11 reset");
  });

  it("routerHeadersOnCallResponses adds x-envoy-upstream-service-time to call-out answers", async () => {
    const sim = await started({ request_headers: CALL, http_call_response: "get_value 6 x-envoy-upstream-service-time" }, { routerHeadersOnCallResponses: true });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.advanceTime(12);
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(result(sim, "get_value 6 x-envoy-upstream-service-time")).toBe("0 12");
  });

  it("a local reply to a HEAD request keeps content-length and sends no body (Utility::sendLocalReply)", async () => {
    const sim = await started({ request_headers: "local_reply 403 denied forbidden -" });
    const r = await sim.request({ headers: [[":method", "HEAD"], [":path", "/"], [":authority", "a"]] });
    expect(r.downstream!.headers).toContainEqual(["content-length", "9"]);
    expect(r.downstream!.body).toHaveLength(0);
  });
});

describe("request header limits (opt-in: max_request_headers_kb / max_headers_count)", () => {
  it("a request over the count or size limit gets 431 from the codec; the filter never sees it", async () => {
    const sim = await started({ request_headers: "log 2 seen" }, { requestHeaderLimits: { maxCount: 5, maxKb: 1 } });
    const many = await sim.request({ headers: [...GET, ["a", "1"], ["b", "2"], ["c", "3"]] });
    const big = await sim.request({ headers: [...GET, ["x-big", "y".repeat(1100)]] });
    const ok = await sim.request({ headers: [...GET, ["a", "1"]] });
    expect([many.localResponse?.status, big.localResponse?.status, ok.decision]).toEqual([431, 431, "continued"]);
    expect(sim.trace.vmCalls("proxy_on_request_headers")).toHaveLength(1);
    expect(sim.trace.vmCalls("proxy_on_context_create").filter((e) => e.contextId !== 1)).toHaveLength(1);
  });
});
