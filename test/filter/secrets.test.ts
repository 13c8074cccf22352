// No secret in clear in any log line, at trace level (docs/behaviour.md); masked forms only at debug.
import { describe, expect, it } from "vitest";
import { config, get, onlyAuthrep, send, SYSTEM_CLUSTER, systemBlock } from "./harness.js";
import { startFilter } from "./harness.js";

const SERVICE_TOKEN = "svc-token-SECRET-1234";
const FETCHED_TOKEN = "fetched-token-SECRET-5678";
const SYSTEM_TOKEN = "system-token-SECRET-9abc";
const USER_KEY = "user-key-SECRET-def0";
const APP_KEY = "app-key-SECRET-1122";
const SECRETS = [SERVICE_TOKEN, FETCHED_TOKEN, SYSTEM_TOKEN, USER_KEY, APP_KEY];

describe("secrets in logs", () => {
  it("a full run (configure, fetch, requests, answers) never logs a secret in clear", async () => {
    const sim = await startFilter(config({ system: systemBlock({ token: SYSTEM_TOKEN }) }, {
      token: SERVICE_TOKEN,
      credentials: {
        user_key: [{ query_string: { keys: ["user_key"] } }],
        app_id: [{ header: { keys: ["app_id"] } }],
        app_key: [{ header: { keys: ["app_key"] } }],
      },
    }), { logLevel: "trace" });
    const fetch = sim.httpCalls.pending().find((c) => c.cluster === SYSTEM_CLUSTER)!;
    expect(fetch.path).toContain(SYSTEM_TOKEN);
    fetch.respond({ status: 200, body: JSON.stringify({ proxy_config: { content: { backend_authentication_type: "service_token", backend_authentication_value: FETCHED_TOKEN, proxy: { proxy_rules: [] } } } }) });
    const a = get(sim, `/?user_key=${USER_KEY}`);
    onlyAuthrep(sim).call.respond({ status: 200 });
    const b = send(sim, [[":method", "GET"], [":path", "/"], [":authority", "a"], ["app_id", "my-app"], ["app_key", APP_KEY]]);
    onlyAuthrep(sim).call.respond({ status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"]] });
    get(sim, `/nomatch?user_key=${USER_KEY}`);
    sim.advanceTime(600_000);
    sim.httpCalls.pending().find((c) => c.cluster === SYSTEM_CLUSTER)!.respond({ status: 500 });
    expect(a.requestDecision).toBe("continued");
    expect(b.localResponse?.status).toBe(429);

    expect(sim.logs.length).toBeGreaterThan(5);
    for (const line of sim.logs) {
      for (const secret of SECRETS) expect(line.message, line.message).not.toContain(secret);
    }
    // Masked forms appear only at debug.
    for (const line of sim.logs.filter((l) => l.message.includes("***"))) expect(line.level, line.message).toBe(1);
    expect(sim.logs.some((l) => l.level === 1 && l.message.includes("user_key ***def0"))).toBe(true);
    expect(sim.logs.some((l) => l.level === 1 && l.message.includes("service_token=***1234"))).toBe(true);
    expect(sim.logs.some((l) => l.level === 1 && l.message.includes("app_key ***1122"))).toBe(true);
  });
});
