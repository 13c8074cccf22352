// Host-call transcript of the hot path (the project's style): a user_key request → authrep → 200 →
// continue → response. Pins how many host calls a request costs; a change here is a deliberate
// performance decision.
import { describe, expect, it } from "vitest";
import { config, get, startFilter } from "./harness.js";

describe("hot-path transcript", () => {
  it("at Envoy's default level (info): user_key request → authrep → 200 → continue costs 7 host calls, no log line", async () => {
    const sim = await startFilter(config(), { logLevel: "info" });
    const mark = sim.trace.mark();
    const s = get(sim, "/?user_key=abcdefg");
    sim.httpCalls.pending()[0]!.respond({ status: 200 });
    s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
    s.complete();
    const events = sim.trace.since(mark).filter((e) => e.kind !== "malloc").map((e) => `${e.kind === "vm-call" ? "→" : "←"} ${e.name}`);
    expect(events).toEqual([
      "→ proxy_on_context_create",
      "→ proxy_on_request_headers",
      "← proxy_get_log_level", // once per request: debug lines are built only when the host keeps them
      "← proxy_get_header_map_pairs", // all request headers, read once
      "← proxy_http_call",
      "→ proxy_on_http_call_response",
      "← proxy_set_effective_context",
      "← proxy_get_header_map_value", // :status only; the body is never read
      "← proxy_continue_stream",
      "→ proxy_on_response_headers",
      "← proxy_replace_header_map_value", // powered-by: 3scale
      "→ proxy_on_log",
      "→ proxy_on_done",
      "→ proxy_on_delete",
    ]);
    expect(Object.values(sim.trace.countHostCalls(mark)).reduce((a, b) => a + b, 0)).toBe(7);
    // The host allocates only for the request headers and the :status value.
    expect(sim.trace.mallocs(mark)).toHaveLength(2);
  });

  it("at debug level the same request adds exactly its two debug lines", async () => {
    const sim = await startFilter(config(), { logLevel: "debug" });
    const mark = sim.trace.mark();
    const s = get(sim, "/?user_key=abcdefg");
    sim.httpCalls.pending()[0]!.respond({ status: 200 });
    s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
    s.complete();
    const events = sim.trace.since(mark).filter((e) => e.kind !== "malloc").map((e) => `${e.kind === "vm-call" ? "→" : "←"} ${e.name}`);
    expect(events).toEqual([
      "→ proxy_on_context_create",
      "→ proxy_on_request_headers",
      "← proxy_get_log_level",
      "← proxy_get_header_map_pairs",
      "← proxy_http_call",
      "← proxy_log", // debug: authrep path, secrets masked
      "→ proxy_on_http_call_response",
      "← proxy_set_effective_context",
      "← proxy_get_header_map_value", // :status only; the body is never read
      "← proxy_log", // debug: the decision
      "← proxy_continue_stream",
      "→ proxy_on_response_headers",
      "← proxy_replace_header_map_value", // powered-by: 3scale
      "→ proxy_on_log",
      "→ proxy_on_done",
      "→ proxy_on_delete",
    ]);
    expect(Object.values(sim.trace.countHostCalls(mark)).reduce((a, b) => a + b, 0)).toBe(9);
  });

  it("a local reply (missing credentials) at trace level: level, headers, decision line, reply; powered-by on the reply", async () => {
    const sim = await startFilter(config());
    const mark = sim.trace.mark();
    get(sim, "/");
    const counts = sim.trace.countHostCalls(mark);
    expect(counts).toEqual({ proxy_get_log_level: 1, proxy_get_header_map_pairs: 1, proxy_log: 1, proxy_send_local_response: 1, proxy_replace_header_map_value: 1 });
  });
});
