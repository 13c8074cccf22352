// The default seed (examples/seed.yaml) against the documented examples, seed validation, and
// the simulator's in-process API (handle, clock, reset, states, reports).
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import { SeedError, seedFromObject, seedFromYaml } from "../../src-host-sim/seed/seed.js";
import { ROOT } from "../support/modules.js";

const SEED = resolve(ROOT, "examples/seed.yaml");
const TOKEN = "service_id=2555417834780&service_token=service_token";
const APPS = "service_id=2555417834781&service_token=service_token";

function seeded(now = "2026-03-04T10:20:05Z"): { sim: BackendSimulator; clock: ManualClock } {
  const clock = new ManualClock(now);
  return { sim: new BackendSimulator({ seed: SEED, clock }), clock };
}

const authrep = (sim: BackendSimulator, q: string, headers: Record<string, string> = {}) =>
  sim.handle({ method: "GET", url: `/transactions/authrep.xml?${q}`, headers });

describe("default seed (examples/seed.yaml)", () => {
  it.each([
    ["C1: user_key some_api_key", `${TOKEN}&user_key=some_api_key&usage[hits]=1`, 200],
    ["user_key_demo", `${TOKEN}&user_key=user_key_demo&usage[hits]=1`, 200],
    ["C4: app_id aladdin + app_key opensesame", `${APPS}&app_id=aladdin&app_key=opensesame&usage[hits]=1`, 200],
    ["C3: some_app_id + some_app_key", `${APPS}&app_id=some_app_id&app_key=some_app_key&usage[hits]=1`, 200],
    ["R21 usages on products, sales and hits", `${TOKEN}&user_key=user_key_demo&usage[hits]=1&usage[products]=2&usage[sales]=1`, 200],
    ["C6/C7 metrics oidc and sale", `${TOKEN}&user_key=user_key_demo&usage[oidc]=1&usage[sale]=5`, 200],
    ["a wrong user key", `${TOKEN}&user_key=nope&usage[hits]=1`, 403],
    ["a wrong app key", `${APPS}&app_id=aladdin&app_key=nope&usage[hits]=1`, 409],
    ["a user_key on the app_id service", `${APPS}&user_key=user_key_demo&usage[hits]=1`, 404],
  ])("%s → %i", (_n, q, status) => {
    const { sim } = seeded();
    expect(authrep(sim, q, { "3scale-options": "rejection_reason_header=1&no_body=1" }).status).toBe(status);
  });

  it("the limited app allows 3 hits per minute, and again in the next minute", () => {
    const { sim, clock } = seeded();
    const q = `${TOKEN}&user_key=limited_demo&usage[hits]=1`;
    const h = { "3scale-options": "rejection_reason_header=1" };
    const first = [1, 2, 3, 4].map(() => authrep(sim, q, h));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 409]);
    expect(first[3]!.headers["3scale-rejection-reason"]).toBe("limits_exceeded");
    clock.advance(60_000);
    expect(authrep(sim, q, h).status).toBe(200);
  });

  it("the user_key service is the provider's default service", () => {
    const { sim } = seeded();
    expect(authrep(sim, "provider_key=provider_key_demo&user_key=user_key_demo").status).toBe(200);
  });
});

describe("seed validation", () => {
  it.each([
    ["a service without id", { services: [{ provider_key: "pk" }] }, "services[0].id: missing required field"],
    ["an unknown backend_version", { services: [{ id: "1", provider_key: "pk", backend_version: "3" }] }, 'services[0].backend_version: expected "1", "2" or "oauth"'],
    ["a parent that does not exist", { services: [{ id: "1", provider_key: "pk", metrics: [{ name: "a", parent: "zz" }] }] }, 'services[0].metrics[0].parent: unknown metric "zz"'],
    ["an unknown period", { services: [{ id: "1", provider_key: "pk", plans: [{ id: "p", limits: [{ metric: "hits", period: "decade", value: 1 }] }] }] }, "services[0].plans[0].limits[0].period: expected minute|hour|day|week|month|year|eternity"],
    ["a negative limit", { services: [{ id: "1", provider_key: "pk", plans: [{ id: "p", limits: [{ metric: "hits", period: "day", value: -1 }] }] }] }, "services[0].plans[0].limits[0].value: expected a non-negative integer"],
    ["an app on an unknown plan", { services: [{ id: "1", provider_key: "pk", applications: [{ id: "a", plan: "gold" }] }] }, 'services[0].applications[0].plan: unknown plan "gold"'],
    ["a duplicate service id", { services: [{ id: "1", provider_key: "pk" }, { id: "1", provider_key: "pk" }] }, 'services[1].id: duplicate service id "1"'],
  ])("%s is refused with its path", (_n, doc, message) => {
    expect(() => seedFromObject(doc)).toThrow(new SeedError(message));
  });

  it("invalid YAML names the source", () => {
    expect(() => seedFromYaml("services: [\n", "my-seed.yaml")).toThrow(/^my-seed\.yaml: invalid YAML: /);
  });
});

describe("backend simulator in-process API", () => {
  it("handle() answers without a socket and records the request", () => {
    const { sim } = seeded();
    const r = authrep(sim, `${TOKEN}&user_key=user_key_demo&usage[hits]=2`);
    expect(r.status).toBe(200);
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ method: "GET", path: "/transactions/authrep.xml", status: 200 });
    expect(sim.usage("2555417834780", "user-key-app", "hits", "minute")).toBe(2);
  });

  it("reset() restores counters, states and the request log from the seed", () => {
    const { sim } = seeded();
    authrep(sim, `${TOKEN}&user_key=user_key_demo&usage[hits]=5`);
    sim.setApplicationState("2555417834780", "user-key-app", "suspended");
    expect(authrep(sim, `${TOKEN}&user_key=user_key_demo`).status).toBe(409);
    sim.reset();
    expect(sim.requests).toHaveLength(0);
    expect(sim.usage("2555417834780", "user-key-app", "hits", "day")).toBe(0);
    expect(sim.application("2555417834780", "user-key-app")?.state).toBe("active");
    expect(authrep(sim, `${TOKEN}&user_key=user_key_demo`).status).toBe(200);
  });

  it("setServiceState suspends a service", () => {
    const { sim } = seeded();
    sim.setServiceState("2555417834780", "suspended");
    const r = authrep(sim, `${TOKEN}&user_key=user_key_demo`);
    expect([r.status, r.body.includes("<reason>service is not active</reason>")]).toEqual([409, true]);
  });

  it("reports are 202 first and visible after flushReports()", async () => {
    const { sim } = seeded();
    const r = sim.handle({
      method: "POST",
      url: "/transactions.xml",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: Buffer.from(`${TOKEN}&transactions[0][user_key]=user_key_demo&transactions[0][usage][products]=3`),
    });
    expect(r.status).toBe(202);
    expect(sim.pendingReports).toBe(1);
    expect(sim.usage("2555417834780", "user-key-app", "hits", "day")).toBe(0);
    await sim.flushReports();
    expect(sim.pendingReports).toBe(0);
    expect(sim.usage("2555417834780", "user-key-app", "hits", "day")).toBe(3);
    expect(sim.usage("2555417834780", "user-key-app", "products", "day")).toBe(3);
  });

  it.each([
    ["older than a day", "2026-03-03 10:20:04", "transaction_timestamp_too_old"],
    ["more than an hour ahead", "2026-03-04 11:20:06", "transaction_timestamp_too_new"],
    ["within the window, with an offset", "2026-03-04 12:00:00 +02:00", null],
    ["as UNIX seconds", String(Date.parse("2026-03-04T09:00:00Z") / 1000), null],
  ])("a report timestamp %s", async (_n, ts, code) => {
    const { sim } = seeded();
    sim.handle({
      method: "POST",
      url: "/transactions.xml",
      headers: {},
      body: Buffer.from(`${TOKEN}&transactions[0][user_key]=user_key_demo&transactions[0][usage][hits]=1&transactions[0][timestamp]=${encodeURIComponent(ts)}`),
    });
    await sim.flushReports();
    expect(sim.errors().map((e) => e.code)).toEqual(code ? [code] : []);
    expect(sim.usage("2555417834780", "user-key-app", "hits", "eternity")).toBe(code ? 0 : 1);
  });

  it("a week runs from Monday 00:00 UTC", () => {
    const { sim, clock } = seeded("2026-03-08T23:59:59Z"); // a Sunday
    sim.addUsage("2555417834780", "user-key-app", "hits", 4);
    expect(sim.usage("2555417834780", "user-key-app", "hits", "week")).toBe(4);
    clock.advance(1000); // Monday 2026-03-09 00:00:00
    expect(sim.usage("2555417834780", "user-key-app", "hits", "week")).toBe(0);
    expect(sim.usage("2555417834780", "user-key-app", "hits", "month")).toBe(4);
  });
});
