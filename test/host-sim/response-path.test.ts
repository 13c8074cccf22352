// The response direction ( step 5) and the continue_stream map quirk.
import { describe, expect, it } from "vitest";
import { FilterHeadersStatus, WasmResult } from "../../src-host-sim/index.js";
import { GET, result, results, started } from "./scripted.js";

const CALL = "http_call c :method=GET,:path=/,:authority=a 0";
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe("response path", () => {
  it("pauses the response at headers and resumes it with continue_stream(Response), delivering the held body", async () => {
    const sim = await started({
      response_headers: `${CALL}; return 1`,
      response_body: "get_buffer 1 0 100",
      http_call_response: "effective $origin; replace 2 x-checked yes; continue 1",
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    const r = s.sendResponseHeaders([[":status", "200"]], { endOfStream: false });
    expect(r.envoyStatus).toBe(FilterHeadersStatus.StopAllIterationAndWatermark);
    expect(s.status).toBe("paused-response");
    expect(s.sendResponseBody("payload", { endOfStream: true }).called).toBe(false);
    expect(s.sentDownstream).toBeUndefined();
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(s.sentDownstream?.headers).toEqual([[":status", "200"], ["x-checked", "yes"]]);
    expect(text(s.sentDownstream?.body)).toBe("payload");
    expect(s.sentDownstream?.endOfStream).toBe(true);
    expect(result(sim, "get_buffer 1")).toBe("0 [payload] ptr set");
    expect(s.status).toBe("active");
  });

  it("buffers response body chunks with StopIterationAndBuffer and releases them all on Continue", async () => {
    const sim = await started({ response_body: "get_buffer 1 0 100; return_eos 0 1" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.sendResponseHeaders([[":status", "200"]]);
    s.sendResponseBody("ab", { endOfStream: false });
    s.sendResponseBody("cd", { endOfStream: false });
    expect(text(s.sentDownstream?.body)).toBe("");
    s.sendResponseBody("e", { endOfStream: true });
    expect(text(s.sentDownstream?.body)).toBe("abcde");
    expect(sim.trace.vmCalls("proxy_on_response_body").map((e) => e.args[1])).toEqual([2, 4, 5]);
    expect(results(sim, "get_buffer 1")).toEqual(["0 [ab] ptr set", "0 [abcd] ptr set", "0 [abcde] ptr set"]);
  });

  it("continue_stream(Response) clears the REQUEST maps at once (Envoy quirk), not the response ones", async () => {
    const sim = await started({
      request_headers: `${CALL}; return 1`,
      http_call_response: "effective $origin; continue 1; get_value 0 :path; local_reply 403 x - -",
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    sim.httpCalls.last()!.respond({ status: 200 });
    expect(result(sim, "get_value 0 :path")).toBe(String(WasmResult.BadArgument));
  });

  it("response trailers reach the filter and can be modified", async () => {
    const sim = await started({ response_trailers: "get_value 3 grpc-status; add 3 x-t 1" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.sendResponseHeaders([[":status", "200"]]);
    s.sendResponseBody("b", { endOfStream: false });
    s.sendResponseTrailers([["grpc-status", "0"]]);
    expect(results(sim, "get_value 3")).toEqual(["0 0"]);
    expect(s.sentDownstream?.trailers).toEqual([["grpc-status", "0"], ["x-t", "1"]]);
    expect(s.sentDownstream?.endOfStream).toBe(true);
  });
});
