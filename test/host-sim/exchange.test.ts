// sim.request(): a whole exchange through the filter, with cluster handlers and an upstream stub.
import { describe, expect, it } from "vitest";
import { GET, started } from "./scripted.js";

const SCRIPT = {
  request_headers: "http_call auth :method=GET,:path=/check,:authority=auth 1000; return 1",
  http_call_response: "effective $origin; get_value 6 :status; continue 0",
  response_headers: "add 2 x-filtered yes",
};

describe("request()", () => {
  it("runs request, call-out, upstream and response through the filter, then ends the stream", async () => {
    const sim = await started(SCRIPT, { clusters: { auth: async () => ({ status: 200 }) } });
    const seen: string[] = [];
    const r = await sim.request({
      headers: GET,
      upstream: (req) => {
        seen.push(req.headers.map(([k, v]) => `${k}=${v}`).join(","));
        return { status: 201, headers: { "content-type": "text/plain" }, body: "created" };
      },
    });
    expect(r.decision).toBe("continued");
    expect(seen).toEqual([":method=GET,:path=/resource?x=1,:authority=api.example.com"]);
    expect(r.downstream?.headers).toEqual([[":status", "201"], ["content-type", "text/plain"], ["x-filtered", "yes"]]);
    expect(new TextDecoder().decode(r.downstream?.body)).toBe("created");
    expect(r.stream.status).toBe("done");
  });

  it("returns decision null, without hanging, while a manual call-out is unanswered", async () => {
    const sim = await started(SCRIPT, { clusters: { auth: "manual" } });
    const r = await sim.request({ headers: GET, upstream: () => ({ status: 200 }) });
    expect(r.decision).toBeNull();
    expect(r.stream.status).toBe("paused-request");
    expect(sim.httpCalls.pending()).toHaveLength(1);
  });
});
