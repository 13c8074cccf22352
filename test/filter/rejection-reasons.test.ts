// Diagnosable denials: the reason 3scale gave is on every denial's debug line, and reasons that
// mean the operator's configuration is wrong are logged at warn, once per minute per service,
// with the service id and never a credential.
import { afterEach, describe, expect, it } from "vitest";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import { forward } from "../support/forward.js";
import { config, get, onlyAuthrep, REPLY, expectReply, requestHeaders, SERVICE_ID, startFilter } from "./harness.js";

const WITH_BODY = { backend: { upstream: { name: "outbound|443||su1.3scale.net", url: "https://su1.3scale.net/", timeout: 5000 } } };
const LOG_DEBUG = 1;
const LOG_WARN = 3;

function errorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><error code="${code}">${message}</error>`;
}

type Sim = Awaited<ReturnType<typeof startFilter>>;
const warnings = (sim: Sim) => sim.logs.filter((l) => l.level === LOG_WARN).map((l) => l.message);
const debugDenials = (sim: Sim) => sim.logs.filter((l) => l.level === LOG_DEBUG && l.message.includes(" → ")).map((l) => l.message);

describe("the rejection reason on denial lines (debug)", () => {
  it.each([
    ["409 header", { status: 409, headers: [["3scale-rejection-reason", "application_key_invalid"]] as Array<[string, string]> }, "application_key_invalid"],
    ["403 error body", { status: 403, body: errorBody("user_key_invalid", 'user key "uk-secret" is invalid') }, "user_key_invalid"],
    ["404 error body", { status: 404, body: errorBody("application_not_found", 'application with id="x" was not found') }, "application_not_found"],
    ["422 error body", { status: 422, body: errorBody("service_id_missing", "Service ID is missing") }, "service_id_missing"],
  ])("%s → the reason on the debug line", async (_name, answer, reason) => {
    const sim = await startFilter(config(WITH_BODY));
    const s = get(sim, "/?user_key=uk-secret");
    onlyAuthrep(sim).call.respond(answer);
    expectReply(s, REPLY.authFailed);
    const lines = debugDenials(sim);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`→ 403 Authentication failed \\(3scale: ${reason}\\)$`));
    expect(sim.logs.map((l) => l.message).join("\n")).not.toContain("uk-secret");
  });

  it("a refusal with no reason (no_body) says so", async () => {
    const sim = await startFilter(config());
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 403 });
    expect(debugDenials(sim)[0]).toMatch(/→ 403 Authentication failed \(3scale: status 403, no reason given; the no_body extension hides it\)$/);
    // a 409 names its reason whatever no_body says
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 409, headers: [["3scale-rejection-reason", "application_not_active"]] });
    expect(debugDenials(sim)[1]).toMatch(/\(3scale: application_not_active\)$/);
  });

  it("something that is not a code is never logged (it could carry a credential)", async () => {
    const sim = await startFilter(config(WITH_BODY));
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 409, headers: [["3scale-rejection-reason", "key=SECRETVALUE"]] });
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 403, body: errorBody("Bad Code SECRET2", "x") });
    const all = sim.logs.map((l) => l.message).join("\n");
    expect(all).not.toContain("SECRETVALUE");
    expect(all).not.toContain("SECRET2");
    expect(debugDenials(sim).every((l) => l.endsWith("no reason given)"))).toBe(true);
  });

  it("an allowed request or a 5xx carries no reason", async () => {
    const sim = await startFilter(config(WITH_BODY));
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 503, body: errorBody("service_token_invalid", "x") });
    expect(debugDenials(sim)[0]).toMatch(/→ 502 Bad Gateway$/);
    expect(warnings(sim).some((w) => w.includes("refused the configuration"))).toBe(false);
  });
});

describe("configuration problems at warn", () => {
  it.each([
    ["service_token_invalid", 403, 'service token "st-secret" or service id "2555417834780" is invalid'],
    ["provider_key_invalid", 403, 'provider key "st-secret" is invalid'],
    ["service_id_invalid", 403, 'service id "2555417834780" is invalid'],
    ["metric_invalid", 404, 'metric "hitz" is invalid'],
  ])("%s is logged at warn with the service id, without the credential", async (code, status, message) => {
    const sim = await startFilter(config(WITH_BODY, { token: "tok-SECRET" }), { logLevel: "warn" });
    const s = get(sim, "/?user_key=uk-1");
    onlyAuthrep(sim).call.respond({ status, body: errorBody(code, message) });
    expectReply(s, REPLY.authFailed);
    const w = warnings(sim).filter((m) => m.includes(code));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(new RegExp(`^backend: service ${SERVICE_ID}: 3scale refused the configuration: ${code} \\(.+\\)$`));
    expect(w[0]).not.toContain("st-secret");
    expect(w[0]).not.toContain("tok-SECRET");
    expect(w[0]).not.toContain("uk-1");
  });

  it("an end user's bad credential is not a configuration warning", async () => {
    const sim = await startFilter(config(WITH_BODY));
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 403, body: errorBody("user_key_invalid", "user key \"k\" is invalid") });
    get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"]] });
    expect(warnings(sim)).toEqual([]);
  });

  it("at most once per minute per service", async () => {
    const sim = await startFilter(config(WITH_BODY, {}), { logLevel: "warn" });
    const refuse = () => {
      get(sim, "/?user_key=k");
      onlyAuthrep(sim).call.respond({ status: 403, body: errorBody("service_token_invalid", "x") });
    };
    refuse();
    refuse();
    sim.advanceTime(59_000);
    refuse();
    expect(warnings(sim).filter((w) => w.includes("service_token_invalid"))).toHaveLength(1);
    sim.advanceTime(1_000);
    refuse();
    expect(warnings(sim).filter((w) => w.includes("service_token_invalid"))).toHaveLength(2);
  });

  it("each service has its own minute", async () => {
    const two = config(WITH_BODY);
    (two as { services: unknown[] }).services = [
      { ...(two.services as Array<Record<string, unknown>>)[0], id: "S1", authorities: ["one.example.com"] },
      { ...(two.services as Array<Record<string, unknown>>)[0], id: "S2", authorities: ["two.example.com"] },
    ];
    const sim = await startFilter(two, { logLevel: "warn" });
    for (const host of ["one.example.com", "two.example.com", "one.example.com"]) {
      get(sim, "/?user_key=k", [], host);
      onlyAuthrep(sim).call.respond({ status: 403, body: errorBody("service_id_invalid", "x") });
    }
    expect(warnings(sim).filter((w) => w.includes("service_id_invalid"))).toEqual([
      expect.stringMatching(/^backend: service S1: /),
      expect.stringMatching(/^backend: service S2: /),
    ]);
  });
});

describe("with the 3scale backend simulator", () => {
  let backend: BackendSimulator | null = null;
  afterEach(async () => {
    await backend?.stop();
    backend = null;
  });

  it("a wrong service token is told apart from a wrong user key", async () => {
    backend = new BackendSimulator({
      seed: {
        services: [{
          id: "S1", provider_key: "pk", backend_version: "1", service_tokens: ["st-right"],
          metrics: [{ id: "1", name: "hits" }], plans: [{ id: "p", name: "basic" }],
          applications: [{ id: "A", plan: "p", user_key: "uk-1234" }],
        }],
      },
      clock: new ManualClock("2026-01-01T00:00:10Z"),
    });
    const base = await backend.start();
    const run = async (token: string, userKey: string) => {
      const sim = await startFilter(
        config({ backend: { upstream: { name: "backend", url: base, timeout: 5000 } } }, { id: "S1", token }),
        { clusters: { backend: (call) => forward(base, call) } },
      );
      const s = sim.newHttpStream();
      s.sendRequestHeaders(requestHeaders("GET", `/items?user_key=${userKey}`), { endOfStream: true });
      await s.whenRequestDecided();
      expect(s.localResponse!.status).toBe(403);
      return sim;
    };
    const wrongToken = await run("st-wrong", "uk-1234");
    const wrongKey = await run("st-right", "uk-nope");
    expect(debugDenials(wrongToken)[0]).toMatch(/\(3scale: service_token_invalid\)$/);
    expect(warnings(wrongToken)).toEqual([expect.stringMatching(/^backend: service S1: 3scale refused the configuration: service_token_invalid/)]);
    expect(debugDenials(wrongKey)[0]).toMatch(/\(3scale: user_key_invalid\)$/);
    expect(warnings(wrongKey)).toEqual([]);
    expect(wrongToken.logs.filter((l) => l.level !== LOG_DEBUG && l.level !== 0).map((l) => l.message).join("\n")).not.toContain("st-wrong");
  });
});
