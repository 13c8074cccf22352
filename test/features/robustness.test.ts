// The gateway features never trap and never log a secret: hostile requests, backend answers and
// system answers with every feature switched on, at trace level.
import { describe, expect, it } from "vitest";
import { BACKEND_CLUSTER, SYSTEM_CLUSTER, config, requestHeaders, startFilter, systemBlock, type Json } from "./helpers.js";

const SECRET = "sekrit-user-key-123456";
const ALL_ON: Json = {
  metrics: true,
  backend: { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/", timeout: 5000 }, rate_limit_headers: true },
};
const SERVICE: Json = {
  credentials: {
    user_key: [{ query_string: { keys: ["user_key"] } }, { header: { keys: ["x-api-key"] } }],
    app_id: [{ header: { keys: ["app-id"] } }], app_key: [{ query_string: { keys: ["app_key"] } }],
  },
  strip_credentials: true,
  identity_headers: { app_id: "x-3scale-app-id", service_id: "x-3scale-service-id" },
  error_responses: { from_system: true, limits_exceeded: { headers: { "retry-after": "1" } } },
};

type Answer = { status: number; headers?: Array<[string, string]> };
const long = "a".repeat(60 * 1024);

describe("no trap, no secret in the logs", () => {
  it.each<{ name: string; path: string; extra?: Array<[string, string]>; answer: Answer }>([
    { name: "query of 60 KiB with the key in the middle", path: `/?${long}=1&user_key=${SECRET}&b=${long}`, answer: { status: 200 } },
    { name: "many copies of the key", path: `/?${Array.from({ length: 500 }, () => `user_key=${SECRET}`).join("&")}`, answer: { status: 200 } },
    { name: "empty items and a bare '?'", path: `/?&&user_key=${SECRET}&&`, answer: { status: 200 } },
    { name: "invalid percent escapes", path: `/?user%ZZkey=1&user_key=${SECRET}&%=%`, answer: { status: 200 } },
    { name: "a fragment after the key", path: `/?user_key=${SECRET}#x?user_key=y`, answer: { status: 200 } },
    { name: "an app id with control characters", path: `/?app_key=${SECRET}`, extra: [["app-id", "a\u0001b"]], answer: { status: 200 } },
    { name: "a key header of 60 KiB", path: "/", extra: [["x-api-key", SECRET + long]], answer: { status: 200 } },
    { name: "huge limit numbers", path: `/?user_key=${SECRET}`, answer: { status: 200, headers: [["3scale-limit-max-value", "9".repeat(40)], ["3scale-limit-remaining", "18446744073709551616"], ["3scale-limit-reset", "-0"]] } },
    { name: "a 409 with non-UTF-8 limit values", path: `/?user_key=${SECRET}`, answer: { status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"], ["3scale-limit-max-value", "\u00ff\u00fe"], ["3scale-limit-remaining", "1"]] } },
  ])("$name", async ({ path, extra, answer }) => {
    const sim = await startFilter(config(ALL_ON, SERVICE), { clusters: { [BACKEND_CLUSTER]: () => answer } });
    const s = sim.newHttpStream();
    const phase = s.sendRequestHeaders(requestHeaders("GET", path, extra ?? []), { endOfStream: true });
    expect(phase.trapped).toBeUndefined();
    const decision = await s.whenRequestDecided();
    expect(["continued", "local-reply"]).toContain(decision);
    if (decision === "continued") {
      const r = s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
      expect(r.trapped).toBeUndefined();
      const up = s.forwardedUpstream!.headers!;
      expect(up.some(([, v]) => v.includes(SECRET))).toBe(false);
    }
    expect(sim.vmState).not.toBe("failed");
    expect(sim.logs.filter((l) => l.message.includes(SECRET))).toEqual([]);
  });

  it.each<{ name: string; content: Json; fetched?: "fetch_failure" }>([
    { name: "error fields of every wrong type", content: { backend_version: ["oauth"], proxy: { error_auth_failed: 5, error_status_auth_failed: "x", error_headers_auth_failed: 7, error_no_match: null, error_status_no_match: 1e30, error_headers_no_match: "a\r\nb" } } },
    { name: "proxy not an object (the answer fails, as before)", content: { backend_version: 2, proxy: "x" }, fetched: "fetch_failure" },
    { name: "a huge backend_version number", content: { backend_version: 1e300 } },
  ])("system answer: $name", async ({ content, fetched }) => {
    const body = JSON.stringify({ proxy_config: { content: { backend_authentication_type: "service_token", backend_authentication_value: "t", ...content } } });
    const sim = await startFilter(config({ ...ALL_ON, system: systemBlock() }, { ...SERVICE, token: undefined }), {
      clusters: { [BACKEND_CLUSTER]: () => ({ status: 403 }), [SYSTEM_CLUSTER]: () => ({ status: 200, body }) },
    });
    await sim.idle();
    const s = sim.newHttpStream();
    expect(s.sendRequestHeaders(requestHeaders("GET", "/?user_key=k"), { endOfStream: true }).trapped).toBeUndefined();
    await s.whenRequestDecided();
    expect(sim.vmState).not.toBe("failed");
    expect(sim.metrics.value(`threescale_wasm_auth.system.${fetched ?? "fetch_success"}`)).toBe(1);
  });
});
