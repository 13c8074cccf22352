// The system (porta) simulator over real HTTP: the proxy-config document for the default seed,
// porta's token/environment/service errors, and the test knobs.
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SystemSimulator } from "../../src-host-sim/system/index.js";
import { ROOT } from "../support/modules.js";

const SEED = resolve(ROOT, "examples/seed.yaml");
const path = (id: string, env: string, q: string) => `/admin/api/services/${id}/proxy/configs/${env}/latest.json${q}`;

let sim: SystemSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(): Promise<SystemSimulator> {
  sim = new SystemSimulator({ seed: SEED });
  await sim.start();
  return sim;
}

async function fetchText(s: SystemSimulator, p: string, headers: Record<string, string> = {}) {
  const r = await fetch(new URL(p.slice(1), s.url), { headers });
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
}

describe("system simulator: proxy config", () => {
  it("serves the seed's service token and mapping rules in porta's document shape", async () => {
    const s = await start();
    const r = await fetchText(s, path("2555417834780", "production", "?access_token=atoken"));
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/json; charset=utf-8");
    const doc = JSON.parse(r.body);
    const content = doc.proxy_config.content;
    expect(doc.proxy_config.environment).toBe("production");
    expect(content.id).toBe(2555417834780);
    expect(content.backend_version).toBe("1");
    expect(content.backend_authentication_type).toBe("service_token");
    expect(content.backend_authentication_value).toBe("service_token");
    expect(content.proxy.proxy_rules.map((r: Record<string, unknown>) => [r.http_method, r.pattern, r.metric_system_name, r.delta, r.last])).toEqual([
      ["GET", "/", "hits", 1, false],
      ["GET", "/products/", "products", 1, false],
      ["ANY", "/products/{id}/sold", "sales", 1, false],
      ["GET", "/o{*}c", "oidc", 1, false],
      ["ANY", "/{anything}?bigsale={*}", "sale", 5, false],
    ]);
    expect(s.requestCount).toBe(1);
  });

  it.each([
    ["production", 200, "production"],
    ["sandbox", 200, "sandbox"],
    ["staging", 200, "sandbox"],
  ])("environment %s is accepted", async (env, status, shown) => {
    const s = await start();
    const r = await fetchText(s, path("2555417834780", env, "?access_token=atoken"));
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body).proxy_config.environment).toBe(shown);
  });

  it.each([
    ["an unknown environment", path("2555417834780", "qa", "?access_token=atoken"), {}, 400, { error: "invalid environment" }],
    ["no access token", path("2555417834780", "production", ""), {}, 403, { error: "Access Denied" }],
    ["an empty access token", path("2555417834780", "production", "?access_token="), {}, 403, { error: "Access Denied" }],
    ["a wrong access token", path("2555417834780", "production", "?access_token=nope"), {}, 403, { error: "Access Denied" }],
    ["an unknown service", path("999", "production", "?access_token=atoken"), {}, 404, { status: "Not found" }],
    ["another route", "/admin/api/services.json?access_token=atoken", {}, 404, { status: "Not found" }],
    ["basic auth with the token as password", path("2555417834780", "production", ""), { authorization: `Basic ${Buffer.from(":atoken").toString("base64")}` }, 200, null],
    ["a token after another query parameter", path("2555417834780", "production", "?tenant=a&access_token=atoken"), {}, 200, null],
  ])("%s", async (_n, p, headers, status, body) => {
    const s = await start();
    const r = await fetchText(s, p, headers as Record<string, string>);
    expect(r.status).toBe(status);
    if (body) expect(JSON.parse(r.body)).toEqual(body);
  });

  it("a token without the account_management scope is refused", async () => {
    sim = new SystemSimulator({
      seed: { services: [], system: { access_tokens: [{ value: "ro", scopes: ["finance"] }] } },
    });
    await sim.start();
    const r = await fetchText(sim, path("1", "production", "?access_token=ro"));
    expect([r.status, JSON.parse(r.body)]).toEqual([403, { error: "Your access token does not have the correct permissions" }]);
  });
});

describe("system simulator: test knobs", () => {
  it.each([
    ["a forced status", { status: 503 }, 503, null],
    ["a malformed body", { malformed: true }, 200, "not json{"],
    ["a forced body", { body: "{}" }, 200, "{}"],
  ])("%s", async (_n, fault, status, body) => {
    const s = await start();
    s.fault = fault;
    const r = await fetchText(s, path("2555417834780", "production", "?access_token=atoken"));
    expect(r.status).toBe(status);
    if (body !== null) expect(r.body).toBe(body);
    expect(s.requests.map((q) => q.status)).toEqual([status]);
  });

  it("a delay holds the answer back", async () => {
    const s = await start();
    s.fault = { delayMs: 150 };
    const t0 = Date.now();
    const r = await fetchText(s, path("2555417834780", "production", "?access_token=atoken"));
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it("reset clears the request log and the faults", async () => {
    const s = await start();
    s.fault = { status: 500 };
    await fetchText(s, path("2555417834780", "production", "?access_token=atoken"));
    s.reset();
    const r = await fetchText(s, path("2555417834780", "production", "?access_token=atoken"));
    expect([r.status, s.requestCount]).toEqual([200, 1]);
  });
});
