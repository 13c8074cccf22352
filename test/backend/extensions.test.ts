// The 3scale-options extensions (reference) beyond the vectors: hierarchy,
// list_app_keys, flat_usage on authrep, the deprecated no_body query parameter, limit-header
// selection rules.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { app, get, providerFixtures, send, setLimits, setMetrics, startBackend, statusBody } from "./helpers.js";

const AR = "/transactions/authrep.xml?provider_key=pk&app_id=A";
const AZ = "/transactions/authorize.xml?provider_key=pk&app_id=A";

let sim: BackendSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function withHierarchy(limits: Array<{ metric: string; period: string; value: number }>, keys: string[] = []) {
  const doc = providerFixtures();
  setMetrics(doc, [{ name: "hits" }, { name: "products", parent: "hits" }, { name: "sales", parent: "hits" }]);
  setLimits(doc, limits);
  app(doc)["keys"] = keys;
  ({ sim } = await startBackend(doc));
  return sim!;
}

const day = (metric: string, max: number, cur: number) =>
  `<usage_report metric="${metric}" period="day"><period_start>2010-05-15 00:00:00 +0000</period_start><period_end>2010-05-16 00:00:00 +0000</period_end><max_value>${max}</max_value><current_value>${cur}</current_value></usage_report>`;

describe("backend simulator: body extensions", () => {
  it("hierarchy=1 lists each reported metric with its children, leaves empty", async () => {
    const s = await withHierarchy([
      { metric: "hits", period: "day", value: 100 },
      { metric: "products", period: "day", value: 50 },
    ]);
    const r = await get(s, `${AZ}&app_key=k`, { "3scale-options": "hierarchy=1" });
    expect(r.body).toBe(
      statusBody(
        `<authorized>true</authorized><plan>planN</plan><usage_reports>${day("hits", 100, 0)}${day("products", 50, 0)}</usage_reports>` +
          '<hierarchy><metric name="hits" children="products sales"/><metric name="products" children=""/></hierarchy>',
      ),
    );
  });

  it.each([
    ["an app with two keys", ["k1", "k2"], '<app_keys app="A" svc="1001"><key id="k1"/><key id="k2"/></app_keys>'],
    ["an app without keys", [], '<app_keys app="A" svc="1001"></app_keys>'],
  ])("list_app_keys=1 on %s", async (_n, keys, section) => {
    const s = await withHierarchy([], keys);
    const q = keys.length ? `${AZ}&app_key=${keys[0]}` : AZ;
    const r = await get(s, q, { "3scale-options": "list_app_keys=1" });
    expect(r.body).toBe(statusBody(`<authorized>true</authorized><plan>planN</plan>${section}`));
  });

  it("app_keys come after usage_reports and before hierarchy", async () => {
    const s = await withHierarchy([{ metric: "hits", period: "day", value: 9 }]);
    const r = await get(s, AZ, { "3scale-options": "list_app_keys=1&hierarchy=1" });
    expect(r.body).toMatch(/<\/usage_reports><app_keys [^>]*><\/app_keys><hierarchy>.*<\/hierarchy><\/status>$/);
  });

  it.each([
    ["no_body=true", "no_body=true", ""],
    ["no_body=1", "no_body=1", ""],
    ["no_body= (empty)", "no_body=", ""],
    ["no_body=0", "no_body=0", "body"],
    ["no_body=false", "no_body=false", "body"],
  ])("deprecated query parameter %s", async (_n, param, expected) => {
    const s = await withHierarchy([]);
    const r = await get(s, `${AZ}&${param}`);
    expect(r.status).toBe(200);
    expect(r.body === "" ? "" : "body").toBe(expected);
  });
});

describe("backend simulator: flat_usage on authrep", () => {
  it("without flat_usage a child call increments and checks the parent", async () => {
    const s = await withHierarchy([{ metric: "hits", period: "day", value: 1 }]);
    s.addUsage("1001", "A", "hits", 1);
    const r = await get(s, `${AR}&usage[products]=1`);
    expect(r.status).toBe(409);
  });

  it("with flat_usage=1 the parent is neither checked nor incremented", async () => {
    const s = await withHierarchy([{ metric: "hits", period: "day", value: 1 }]);
    s.addUsage("1001", "A", "hits", 1);
    const r = await get(s, `${AR}&usage[products]=1`, { "3scale-options": "flat_usage=1" });
    expect(r.status).toBe(200);
    expect([s.usage("1001", "A", "hits", "day"), s.usage("1001", "A", "products", "day")]).toEqual([1, 1]);
    // the shown value still adds the descendants' usage of this call, as apisonator's UsageReport does
    expect(r.body).toContain(day("hits", 1, 2));
  });
});

describe("backend simulator: limit header selection", () => {
  it("without usage every report is considered and the fewest remaining wins", async () => {
    const s = await withHierarchy([
      { metric: "hits", period: "day", value: 100 },
      { metric: "sales", period: "day", value: 10 },
    ]);
    s.addUsage("1001", "A", "sales", 4);
    const r = await get(s, AZ, { "3scale-options": "limit_headers=1" });
    // no usage in the call: remaining_same_calls is -1 (unlimited) for every report
    expect([r.headers["3scale-limit-remaining"], r.headers["3scale-limit-reset"], r.headers["3scale-limit-max-value"]]).toEqual(["-1", "-1", undefined]);
  });

  it("only the metrics in usage and their ancestors count", async () => {
    const s = await withHierarchy([
      { metric: "hits", period: "day", value: 100 },
      { metric: "sales", period: "day", value: 2 },
    ]);
    const r = await get(s, `${AR}&usage[products]=5`, { "3scale-options": "limit_headers=1" });
    // hits: 100 - 5 = 95 left, 95 / 5 = 19 calls; sales is not in this call
    expect([r.headers["3scale-limit-remaining"], r.headers["3scale-limit-max-value"]]).toEqual(["19", "100"]);
  });

  it("a tie goes to the longer period", async () => {
    const s = await withHierarchy([
      { metric: "hits", period: "minute", value: 10 },
      { metric: "hits", period: "month", value: 10 },
    ]);
    const r = await get(s, `${AZ}&usage[hits]=1`, { "3scale-options": "limit_headers=1" });
    // month ends 2010-06-01 00:00:00; now is 2010-05-15 13:00:00
    expect([r.headers["3scale-limit-remaining"], r.headers["3scale-limit-reset"]]).toEqual(["10", String(16 * 86400 + 11 * 3600)]);
  });
});

describe("backend simulator: listener normalisation (normalize_non_empty_keys!)", () => {
  it.each([
    ["credentials are stripped", `/transactions/authrep.xml?provider_key=%20pk%20&app_id=%20A%20&service_id=%201001`, 200],
    ["an empty provider_key falls back to the service token", `/transactions/authrep.xml?provider_key=&service_token=a_token&service_id=1001&app_id=A`, 200],
    ["a blank app_id is absent", `/transactions/authrep.xml?provider_key=pk&app_id=%20`, 404],
    ["a service id with a prefix resolves by its last part", `/transactions/authrep.xml?provider_key=pk&service_id=tenant-1001&app_id=A`, 200],
  ])("%s", async (_n, path, status) => {
    ({ sim } = await startBackend(providerFixtures()));
    expect((await get(sim!, path)).status).toBe(status);
  });

  it("a whitespace-only app_key is kept as an empty key (application key is missing)", async () => {
    const doc = providerFixtures();
    app(doc)["keys"] = ["k"];
    ({ sim } = await startBackend(doc));
    const r = await get(sim!, `${AR}&app_key=%20%20`);
    expect([r.status, r.body.includes("<reason>application key is missing</reason>")]).toEqual([409, true]);
  });

  it.each([
    ["header no_body=0 wins over the query parameter", { "3scale-options": "no_body=0" }, "&no_body=1", false],
    ["header without no_body lets the query parameter decide", { "3scale-options": "limit_headers=1" }, "&no_body=1", true],
  ])("%s", async (_n, headers, query, empty) => {
    ({ sim } = await startBackend(providerFixtures()));
    const r = await get(sim!, `${AZ}${query}`, headers);
    expect(r.body === "").toBe(empty);
  });

  it("a referrer filter * lets an empty referrer through", async () => {
    const doc = providerFixtures();
    doc.services[0]!["referrer_filters_required"] = true;
    app(doc)["referrer_filters"] = ["*"];
    ({ sim } = await startBackend(doc));
    expect((await get(sim!, `${AR}&referrer=`)).status).toBe(200);
    expect((await get(sim!, AR)).status).toBe(409);
  });
});

describe("backend simulator: report listener order", () => {
  const post = (s: BackendSimulator, body: string) =>
    send(s.url, "POST", "/transactions.xml", { "content-type": "application/x-www-form-urlencoded" }, body);

  it("credentials are checked before the UTF-8 of other fields", async () => {
    ({ sim } = await startBackend(providerFixtures()));
    const r = await post(sim!, "transactions[0][app_id]=%FF&transactions[0][usage][hits]=1");
    expect(r.status).toBe(403);
    const r2 = await post(sim!, "provider_key=pk&transactions[0][app_id]=%FF&transactions[0][usage][hits]=1");
    expect(r2.status).toBe(422);
  });

  it("transactions given as an array are transactions_format_invalid", async () => {
    ({ sim } = await startBackend(providerFixtures()));
    const r = await post(sim!, "provider_key=pk&transactions[][app_id]=A&transactions[][usage][hits]=1");
    expect(r.status).toBe(400);
    expect(r.body).toContain("transactions_format_invalid");
  });

  it("usages of exactly \"0\" are filtered out before queueing, so an unknown app is never looked up", async () => {
    ({ sim } = await startBackend(providerFixtures()));
    const r = await post(sim!, "provider_key=pk&transactions[0][app_id]=boo&transactions[0][usage][hits]=0");
    expect(r.status).toBe(202);
    expect(sim!.pendingReports).toBe(0);
    await sim!.flushReports();
    expect(sim!.errors()).toEqual([]);
  });
});

describe("backend simulator: apisonator's limit-header comparator quirk", () => {
  it.each([
    ["the unlimited report first: the limited one wins", [{ id: "1", name: "hits" }, { id: "2", name: "metric2" }], "19"],
    ["the unlimited report last: it wins and the headers say unconstrained", [{ id: "2", name: "hits" }, { id: "1", name: "metric2" }], "-1"],
  ])("%s", async (_n, metrics, remaining) => {
    const doc = providerFixtures();
    setMetrics(doc, metrics);
    setLimits(doc, [{ metric: "hits", period: "day", value: 100 }, { metric: "metric2", period: "day", value: 200 }]);
    ({ sim } = await startBackend(doc));
    const r = await get(sim!, `${AR}&usage[hits]=0&usage[metric2]=10`, { "3scale-options": "limit_headers=1" });
    expect(r.headers["3scale-limit-remaining"]).toBe(remaining);
  });
});
