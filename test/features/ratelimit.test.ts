// Rate-limit headers (docs/features.md): backend.rate_limit_headers asks the backend for
// limit_headers and returns RateLimit-Limit/-Remaining/-Reset on allowed responses and on 429s.
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, filterOn, get, header, limitedBackend, request, s1Config, startFilter } from "./helpers.js";

describe("rate-limit headers with the backend simulator", () => {
  it("sends limit_headers=1 and maps the backend's limit headers, 3 hits/minute", async () => {
    const backend = limitedBackend(3);
    const sim = await filterOn(backend, s1Config({}, { rate_limit_headers: true }));
    const seen: Array<[string | undefined, string | undefined, string | undefined, number]> = [];
    for (let i = 0; i < 4; i++) {
      const { s, decision } = await request(sim, get("/items?user_key=uk-1234"));
      const h = decision === "continued" ? s.sentDownstream!.headers! : s.localResponse!.headers;
      seen.push([header(h, "ratelimit-limit"), header(h, "ratelimit-remaining"), header(h, "ratelimit-reset"),
        decision === "continued" ? 200 : s.localResponse!.status]);
      s.complete();
      await backend.flushReports();
    }
    expect(backend.requests[0]!.headers["3scale-options"]).toBe("rejection_reason_header=1&no_body=1&limit_headers=1");
    // The clock stands at 00:00:10: the minute resets in 50 s.
    expect(seen).toEqual([["3", "2", "50", 200], ["3", "1", "50", 200], ["3", "0", "50", 200], ["3", "0", "50", 429]]);
  });

  it("adds nothing and does not ask for limit headers when off (the default)", async () => {
    const backend = limitedBackend(3);
    const sim = await filterOn(backend, s1Config());
    const { s, decision } = await request(sim, get("/items?user_key=uk-1234"));
    expect(decision).toBe("continued");
    expect(backend.requests[0]!.headers["3scale-options"]).toBe("rejection_reason_header=1&no_body=1");
    expect(header(s.sentDownstream!.headers!, "ratelimit-limit")).toBeUndefined();
  });

  it("does not repeat limit_headers when extensions already has it", async () => {
    const backend = limitedBackend(3);
    const sim = await filterOn(backend, s1Config({}, { extensions: ["limit_headers"], rate_limit_headers: true }));
    await request(sim, get("/items?user_key=uk-1234"));
    expect(backend.requests[0]!.headers["3scale-options"]).toBe("rejection_reason_header=1&limit_headers=1");
  });
});

describe("rate-limit headers from untrusted backend answers", () => {
  it.each([
    { name: "all three", h: [["3scale-limit-max-value", "100"], ["3scale-limit-remaining", "7"], ["3scale-limit-reset", "30"]], want: ["100", "7", "30"] },
    { name: "eternity period (reset -1)", h: [["3scale-limit-max-value", "100"], ["3scale-limit-remaining", "7"], ["3scale-limit-reset", "-1"]], want: ["100", "7", undefined] },
    { name: "unlimited (no max-value, -1)", h: [["3scale-limit-remaining", "-1"], ["3scale-limit-reset", "-1"]], want: [undefined, undefined, undefined] },
    { name: "not a number", h: [["3scale-limit-max-value", "1e3"], ["3scale-limit-remaining", "7"]], want: [undefined, undefined, undefined] },
    { name: "header injection attempt", h: [["3scale-limit-max-value", "5\r\nx: y"], ["3scale-limit-remaining", "1"]], want: [undefined, undefined, undefined] },
    { name: "no limit headers", h: [], want: [undefined, undefined, undefined] },
  ])("200 with $name", async ({ h, want }) => {
    const sim = await startFilter(s1Config({}, { rate_limit_headers: true }), {
      clusters: { [BACKEND_CLUSTER]: () => ({ status: 200, headers: h as Array<[string, string]> }) },
    });
    const { s, decision } = await request(sim, get("/?user_key=k", [["ratelimit-limit", "spoofed"]]));
    expect(decision).toBe("continued");
    const out = s.sentDownstream!.headers!;
    expect([header(out, "ratelimit-limit"), header(out, "ratelimit-remaining"), header(out, "ratelimit-reset")]).toEqual(want);
  });

  it("replaces an upstream RateLimit-Limit instead of adding a second one", async () => {
    const sim = await startFilter(s1Config({}, { rate_limit_headers: true }), {
      clusters: { [BACKEND_CLUSTER]: () => ({ status: 200, headers: [["3scale-limit-max-value", "10"], ["3scale-limit-remaining", "9"], ["3scale-limit-reset", "5"]] }) },
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(get("/?user_key=k"), { endOfStream: true });
    expect(await s.whenRequestDecided()).toBe("continued");
    s.sendResponseHeaders([[":status", "200"], ["ratelimit-limit", "999"]], { endOfStream: true });
    expect(s.sentDownstream!.headers!.filter(([k]) => k === "ratelimit-limit")).toEqual([["ratelimit-limit", "10"]]);
  });

  it("429 carries the headers as local-reply headers", async () => {
    const sim = await startFilter(s1Config({}, { rate_limit_headers: true }), {
      clusters: { [BACKEND_CLUSTER]: () => ({ status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"], ["3scale-limit-max-value", "3"], ["3scale-limit-remaining", "0"], ["3scale-limit-reset", "42"]] }) },
    });
    const { s, decision } = await request(sim, get("/?user_key=k"));
    expect(decision).toBe("local-reply");
    expect(s.localResponse!.status).toBe(429);
    expect(s.localResponse!.bodyText).toBe("Usage limit exceeded\n");
    expect(s.localResponse!.additionalHeaders).toEqual([["ratelimit-limit", "3"], ["ratelimit-remaining", "0"], ["ratelimit-reset", "42"]]);
  });
});
