// HTTP call-outs (docs/host-simulator.md): bound to the root, Envoy tokens, never inline,
// failures, timeouts from the virtual clock, response maps only during the callback.
import { describe, expect, it } from "vitest";
import { WasmResult } from "../../src-host-sim/index.js";
import { GET, result, results, started } from "./scripted.js";

const CALL = "http_call backend :method=GET,:path=/check,:authority=backend.local 1000";

describe("issuing calls", () => {
  it("numbers tokens 4, 8, 12 … per VM and binds every call to the root context", async () => {
    const sim = await started({ request_headers: `${CALL}; ${CALL}; return 1` });
    const a = sim.newHttpStream();
    a.sendRequestHeaders(GET);
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(sim.httpCalls.all().map((c) => c.token)).toEqual([4, 8, 12, 16]);
    expect(sim.httpCalls.all().every((c) => c.rootContextId === 1)).toBe(true);
    expect(a.httpCalls.map((c) => c.issuingContextId)).toEqual([2, 2]);
  });

  it.each([
    { name: "an unknown cluster (when clusters are given)", cmd: "http_call nowhere :method=GET,:path=/,:authority=a 10", clusters: { backend: "manual" as const } },
    { name: "a missing :path", cmd: "http_call backend :method=GET,:authority=a 10" },
    { name: "a missing :method", cmd: "http_call backend :path=/,:authority=a 10" },
    { name: "a missing :authority", cmd: "http_call backend :method=GET,:path=/ 10" },
    { name: "a negative timeout", cmd: "http_call backend :method=GET,:path=/,:authority=a 4294967295" },
    { name: "malformed header pairs (read as an empty map)", cmd: "http_call_raw backend junk 10" },
  ])("answers BadArgument and token 0 for $name", async ({ cmd, clusters }) => {
    const sim = await started({ request_headers: cmd }, clusters ? { clusters } : {});
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "http_call")).toBe(`${WasmResult.BadArgument} 0`);
    expect(sim.httpCalls.count).toBe(0);
  });

  it("records headers (content-length added for a body), body and timeout of the call", async () => {
    const sim = await started({ request_headers: "http_call backend :method=POST,:path=/x,:authority=b,X-Key=v 250 payload" });
    sim.newHttpStream().sendRequestHeaders(GET);
    const call = sim.httpCalls.last()!;
    expect(call).toMatchObject({ cluster: "backend", method: "POST", path: "/x", authority: "b", bodyText: "payload", timeoutMs: 250 });
    expect(call.header("x-key")).toBe("v");
    expect(call.header("content-length")).toBe("7");
  });
});

describe("answers", () => {
  it("delivers the response to the ROOT id with (token, headers incl. :status, body size, trailers)", async () => {
    const sim = await started({ request_headers: `${CALL}; return 1`, http_call_response: "log 2 answered" });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.httpCalls.last()!.respond({ status: 200, headers: { "x-a": "1" }, body: "hello", trailers: { "x-t": "2" } });
    const cb = sim.trace.vmCalls("proxy_on_http_call_response")[0]!;
    expect(cb.contextId).toBe(1);
    expect(cb.args).toEqual([1, 4, 2, 5, 1]);
  });

  it("never answers inline: a cluster handler's answer arrives after the VM call that issued it", async () => {
    const sim = await started(
      { request_headers: `${CALL}; log 2 after-call; return 1`, http_call_response: "log 2 in-response" },
      { clusters: { backend: () => ({ status: 200 }) } },
    );
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(sim.trace.vmCalls("proxy_on_http_call_response")).toHaveLength(0);
    await sim.idle();
    const order = sim.logs.map((l) => l.message).filter((m) => m.startsWith("> log"));
    expect(order).toEqual(["> log 2 after-call = 0", "> log 2 in-response = 0"]);
  });

  it("fails a call as (root, token, 0, 0, 0) and proxy_get_status then gives 11 \"reset\"", async () => {
    const sim = await started({ request_headers: `${CALL}; return 1`, http_call_response: "status" });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.httpCalls.last()!.fail();
    expect(sim.trace.vmCalls("proxy_on_http_call_response")[0]!.args).toEqual([1, 4, 0, 0, 0]);
    expect(result(sim, "status")).toBe("0 11 reset");
  });

  it("a cluster handler answering \"fail\" fails the call", async () => {
    const sim = await started({ request_headers: `${CALL}; return 1`, http_call_response: "status" }, { clusters: { backend: async () => "fail" as const } });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    await sim.idle();
    expect(result(sim, "status")).toBe("0 11 reset");
  });

  it.each([
    { name: "times out as a successful 504 \"upstream request timeout\" after the timeout", timeout: 1000, advance: 1000, expected: ["0 504", "0 [upstream request timeout] ptr set"] },
    { name: "does not time out before the timeout", timeout: 1000, advance: 999, expected: [] },
    { name: "never times out with timeout 0", timeout: 0, advance: 1_000_000, expected: [] },
  ])("$name", async ({ timeout, advance, expected }) => {
    const sim = await started({
      request_headers: `http_call backend :method=GET,:path=/,:authority=a ${timeout}; return 1`,
      http_call_response: "get_value 6 :status; get_buffer 4 0 100",
    });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.advanceTime(advance);
    const got = [...results(sim, "get_value 6"), ...results(sim, "get_buffer 4")];
    expect(got).toEqual(expected);
    expect(sim.httpCalls.last()!.state).toBe(expected.length ? "timed-out" : "pending");
  });

  it("makes call-response headers, body and trailers readable only during on_http_call_response", async () => {
    const sim = await started({
      request_headers: `${CALL}; return 1`,
      http_call_response: "get_pairs 6; get_buffer 4 0 10; get_pairs 7",
      response_headers: "get_value 6 :status; get_buffer 4 0 10; buffer_status 4",
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    sim.httpCalls.last()!.respond({ status: 200, body: "ok", trailers: [["t", "1"]] });
    expect(result(sim, "get_pairs 6")).toMatch(/^0 :status=200 /);
    expect(result(sim, "get_pairs 7")).toMatch(/^0 t=1 /);
    expect(result(sim, "get_buffer 4")).toBe("0 [ok] ptr set");
    s.sendResponseHeaders([[":status", "200"]]);
    expect(result(sim, "get_value 6")).toBe(String(WasmResult.BadArgument));
    expect(result(sim, "get_buffer 4")).toBe(String(WasmResult.NotFound));
    expect(result(sim, "buffer_status 4")).toBe(String(WasmResult.NotFound));
  });

  it("still delivers the answer after the issuing stream was destroyed; set_effective_context(dead) is BadArgument", async () => {
    const sim = await started({ request_headers: `${CALL}; return 1`, http_call_response: "effective $origin" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.reset();
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(result(sim, "effective")).toBe(String(WasmResult.BadArgument));
  });

  it("async cluster handlers answer with the request they were given; whenRequestDecided resolves after continue", async () => {
    const seen: string[] = [];
    const sim = await started(
      { request_headers: `${CALL}; return 1`, http_call_response: "effective $origin; continue 0" },
      {
        clusters: {
          backend: async (req) => {
            seen.push(`${req.method} ${req.authority}${req.path}`);
            await new Promise((r) => setTimeout(r, 5));
            return { status: 200 };
          },
        },
      },
    );
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(s.status).toBe("paused-request");
    expect(await s.whenRequestDecided()).toBe("continued");
    expect(seen).toEqual(["GET backend.local/check"]);
    expect(s.forwardedUpstream?.headers).toEqual(GET);
  });
});
