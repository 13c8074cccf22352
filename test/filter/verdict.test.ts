// Backend answer vectors (docs/behaviour.md) and the stream-lifetime cases around them.
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, config, expectReply, get, onlyAuthrep, REPLY, startFilter } from "./harness.js";

type Answer = { status: number | string; headers?: Array<[string, string]>; body?: string };

describe("classification of the backend's answer", () => {
  it.each([
    ["409 limits_exceeded", { status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"]] }, REPLY.limitsExceeded],
    ["409 limits_exceeded (header name in upper case)", { status: 409, headers: [["3Scale-Rejection-Reason", "limits_exceeded"]] }, REPLY.limitsExceeded],
    ["409 application_key_invalid", { status: 409, headers: [["3scale-rejection-reason", "application_key_invalid"]] }, REPLY.authFailed],
    ["409 LIMITS_EXCEEDED (value compared exactly)", { status: 409, headers: [["3scale-rejection-reason", "LIMITS_EXCEEDED"]] }, REPLY.authFailed],
    ["409 without a reason", { status: 409 }, REPLY.authFailed],
    ["403 user_key_invalid", { status: 403, headers: [["3scale-rejection-reason", "user_key_invalid"]] }, REPLY.authFailed],
    ["404 application_not_found", { status: 404, headers: [["3scale-rejection-reason", "application_not_found"]] }, REPLY.authFailed],
    ["404 metric_invalid", { status: 404, headers: [["3scale-rejection-reason", "metric_invalid"]] }, REPLY.authFailed],
    ["400", { status: 400 }, REPLY.authFailed],
    ["422", { status: 422 }, REPLY.authFailed],
    ["429 from the backend", { status: 429 }, REPLY.authFailed],
    ["500", { status: 500 }, REPLY.badGateway],
    ["503 no healthy upstream", { status: 503, body: "no healthy upstream" }, REPLY.badGateway],
    ["504", { status: 504 }, REPLY.badGateway],
    ["202", { status: 202 }, REPLY.badGateway],
    ["302", { status: 302, headers: [["location", "/x"]] }, REPLY.badGateway],
    ["100", { status: 100 }, REPLY.badGateway],
    [":status abc", { status: "abc" }, REPLY.badGateway],
  ] as Array<[string, Answer, readonly [number, string, string]]>)("%s → local reply", async (_name, answer, reply) => {
    const sim = await startFilter(config());
    const s = get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond(answer as never);
    expectReply(s, reply);
    expect(s.forwardedUpstream?.headers ?? null).toBeNull();
  });

  it("200 resumes the request unchanged", async () => {
    const sim = await startFilter(config());
    const s = get(sim, "/?user_key=k", [["x-extra", "1"]]);
    const before = s.requestHeaders.map(([k, v]) => [k, v]);
    onlyAuthrep(sim).call.respond({ status: 200 });
    expect(s.requestDecision).toBe("continued");
    expect(s.localResponse ?? null).toBeNull();
    expect(s.forwardedUpstream!.headers).toEqual(before);
  });

  it("a 200 with a body (no no_body) is still only judged by its headers", async () => {
    const sim = await startFilter(config({ backend: { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/" } } }));
    const s = get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 200, body: "<status><authorized>false</authorized></status>" });
    expect(s.requestDecision).toBe("continued");
  });

  it("a failed call (0 headers) → 502, logged at warn", async () => {
    const sim = await startFilter(config());
    const s = get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.fail();
    expectReply(s, REPLY.badGateway);
    expect(sim.logs.some((l) => l.level === 3 && l.message === "backend: authrep failed: no response")).toBe(true);
  });

  it("a 5xx is logged at warn with its status", async () => {
    const sim = await startFilter(config());
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 503 });
    expect(sim.logs.some((l) => l.level === 3 && l.message === "backend: authrep failed: status 503")).toBe(true);
  });

  it("an unknown cluster (BadArgument) → 502 at once, logged at warn (G9)", async () => {
    const sim = await startFilter(config(), { clusters: { other: "manual" } });
    const s = get(sim, "/?user_key=k");
    expectReply(s, REPLY.badGateway);
    expect(sim.logs.some((l) => l.level === 3 && l.message === `backend: authrep failed: dispatch failed (cluster "${BACKEND_CLUSTER}")`)).toBe(true);
  });

  it("an answer arriving after the client reset the stream is dropped", async () => {
    const sim = await startFilter(config());
    const s = get(sim, "/?user_key=k");
    const { call } = onlyAuthrep(sim);
    s.reset();
    const r = call.respond({ status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"]] });
    expect(r.trapped).toBeUndefined();
    expect(s.localResponse ?? null).toBeNull();
    expect(sim.vmState.status).toBe("ok");
    expect(sim.logs.some((l) => l.level === 1 && l.message.includes("dropped"))).toBe(true);
    // The next request still works.
    const s2 = get(sim, "/?user_key=k");
    sim.httpCalls.pending()[0]!.respond({ status: 200 });
    expect(s2.requestDecision).toBe("continued");
  });

  it("interleaved answers go to their own streams", async () => {
    const sim = await startFilter(config());
    const a = get(sim, "/?user_key=a");
    const b = get(sim, "/?user_key=b");
    const [ca, cb] = sim.httpCalls.pending();
    cb!.respond({ status: 403 });
    ca!.respond({ status: 200 });
    expect(a.requestDecision).toBe("continued");
    expectReply(b, REPLY.authFailed);
  });
});
