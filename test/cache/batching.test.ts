// Authorization cache and batched reports across several worker VMs of one proxy (docs/cache.md):
// one authorize call per key and ttl, usage reported in batches by exactly one worker, and the
// backend simulator's counters equal to the requests served, exactly.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { filterConfig, Proxy, SERVICE, startBackend, TOKEN } from "./helpers.js";

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

const CACHE = { enabled: true, ttl: 60, report_interval: 5 };

/** form parses a report body into its fields. */
function form(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of body.split("&")) {
    const eq = item.indexOf("=");
    out[decodeURIComponent(item.slice(0, eq))] = decodeURIComponent(item.slice(eq + 1));
  }
  return out;
}

describe("cache hits and batched reports", () => {
  it.each([1, 4])("1,000 requests of one application on %i worker(s): 1 authorize call, counters exact after the flush", async (workers) => {
    backend = await startBackend();
    const p = await Proxy.start(backend, workers, filterConfig(backend.url, CACHE));
    let served = 0;
    for (let i = 0; i < 1000; i++) if ((await p.send(i % workers, "/?user_key=uk-b")) === 200) served++;
    expect(served).toBe(1000);
    expect(p.authorizeCalls()).toHaveLength(1);
    expect(p.authrepCalls()).toHaveLength(0);
    expect(p.reportCalls()).toHaveLength(0); // nothing reported before the interval
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(0);
    await p.advance(5000);
    expect(p.reportCalls()).toHaveLength(1);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1000);
    expect(backend.errors()).toEqual([]);
  });

  it("one report per application, form-encoded, with one transaction merging all its metrics", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    for (const path of ["/?user_key=uk-b", "/search?user_key=uk-b", "/?user_key=uk-b", "/?user_key=uk-c", "/search?user_key=uk-b"]) {
      expect(await p.send(0, path)).toBe(200);
    }
    // Three keys (B·hits, B·search, C·hits): three authorize calls, one report per application.
    expect(p.authorizeCalls()).toHaveLength(3);
    await p.advance(5000);
    const reports = p.reportCalls();
    expect(reports).toHaveLength(2);
    expect(backend.requests.at(-1)!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const forms = reports.map((r) => form(r.body));
    for (const f of forms) {
      expect(f).toMatchObject({ service_token: TOKEN, service_id: SERVICE });
      // exactly one transaction in each report
      expect(Object.keys(f).filter((k) => /^transactions\[\d+\]\[user_key\]$/.test(k))).toEqual(["transactions[0][user_key]"]);
    }
    expect(forms.map((f) => f["transactions[0][user_key]"]).sort()).toEqual(["uk-b", "uk-c"]);
    const b = forms.find((f) => f["transactions[0][user_key]"] === "uk-b")!;
    expect(b["transactions[0][usage][hits]"]).toBe("2");
    expect(b["transactions[0][usage][search]"]).toBe("2");
    // search is a child of hits: the backend propagates it.
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(4);
    expect(backend.usage(SERVICE, "B", "search", "minute")).toBe(2);
    expect(backend.usage(SERVICE, "C", "hits", "minute")).toBe(1);
  });

  it("exactly one of 4 workers flushes each interval; every request is reported once", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 4, filterConfig(backend.url, CACHE));
    let served = 0;
    for (let interval = 0; interval < 6; interval++) {
      for (let i = 0; i < 25; i++) if ((await p.send((i + interval) % 4, "/?user_key=uk-b")) === 200) served++;
      await p.advance(5000);
      expect(p.reportCalls()).toHaveLength(interval + 1);
    }
    expect(served).toBe(150);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(150);
    // Each report re-opens the question to 3scale for the next request: one authorize per interval.
    expect(p.authorizeCalls()).toHaveLength(6);
  });

  it("a configuration change sends the pending usage at once, from whichever worker sees it first", async () => {
    backend = await startBackend();
    const cfg = filterConfig(backend.url, CACHE);
    const p = await Proxy.start(backend, 4, cfg);
    for (let i = 0; i < 40; i++) await p.send(i % 4, "/?user_key=uk-b");
    // Envoy reconfigures every worker; each tries to flush, the per-slot CAS claim lets one win.
    for (const vm of p.vms) expect(vm.reconfigure({ ...cfg, services: cfg.services })).toBe(true);
    await p.settle();
    expect(p.reportCalls()).toHaveLength(1);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(40);
  });

  it("caching turned off: the pending usage is flushed at the change; if that fails it waits until caching returns", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    for (let i = 0; i < 3; i++) expect(await p.send(i % 2, "/?user_key=uk-b")).toBe(200);
    p.setOutage("5xx");
    p.reconfigure(filterConfig(backend.url, null)); // no cache, failure mode closed: nothing reports
    await p.settle();
    expect(p.reportCalls()).toHaveLength(1); // the flush at the change, refused
    p.setOutage("up");
    expect(await p.send(0, "/?user_key=uk-b")).toBe(200); // authrep, counted by 3scale itself
    await p.advance(20_000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1);
    p.reconfigure(filterConfig(backend.url, CACHE));
    await p.advance(6000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(4);
  });

  it("a service removed from the configuration keeps its unreported usage until it is configured again", async () => {
    backend = await startBackend();
    const withS1 = filterConfig(backend.url, CACHE);
    const p = await Proxy.start(backend, 2, withS1);
    for (let i = 0; i < 2; i++) expect(await p.send(i % 2, "/?user_key=uk-b")).toBe(200);
    p.setOutage("5xx");
    const withoutS1 = { ...withS1, services: [{ ...withS1.services[0]!, id: "S9" }] };
    p.reconfigure(withoutS1); // the flush at the change fails
    await p.settle();
    p.setOutage("up");
    await p.advance(12_000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(0); // S1's token is unknown now
    p.reconfigure(withS1);
    await p.advance(6000);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(2);
  });

  it("a denied key (403) is not reused: every request asks 3scale again", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, CACHE));
    expect(await p.send(0, "/?user_key=wrong")).toBe(403);
    expect(await p.send(1, "/?user_key=wrong")).toBe(403);
    expect(p.authorizeCalls()).toHaveLength(2);
    await p.advance(5000);
    expect(p.reportCalls()).toHaveLength(0);
  });

  it("an OIDC service is cached through oauth_authorize.xml and reported by app_id", async () => {
    backend = await startBackend();
    const cfg = filterConfig(backend.url, CACHE);
    cfg.services = [{
      id: "S2",
      token: TOKEN,
      authentication: "oidc",
      credentials: { app_id: [{ filter: { path: ["envoy.filters.http.jwt_authn", "verified_jwt"], keys: ["azp"] } }] },
      mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
    }] as never;
    const p = await Proxy.start(backend, 2, cfg);
    const jwt = { "envoy.filters.http.jwt_authn": { verified_jwt: { azp: "client-1", iss: "https://sso.example.com" } } };
    for (let i = 0; i < 6; i++) expect(await p.send(i % 2, "/", jwt)).toBe(200);
    const calls = p.calls.filter((c) => c.method === "GET");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toMatch(/^\/transactions\/oauth_authorize\.xml\?service_id=S2&service_token=st-secret&app_id=client-1&usage\[hits\]=1/);
    await p.advance(5000);
    expect(form(p.reportCalls()[0]!.body)).toMatchObject({ service_id: "S2", "transactions[0][app_id]": "client-1", "transactions[0][usage][hits]": "6" });
    expect(backend.usage("S2", "client-1", "hits", "minute")).toBe(6);
  });

  it("zero and negative totals are never reported (3scale would drop the whole batch)", async () => {
    backend = await startBackend();
    const cfg = filterConfig(backend.url, CACHE, "open");
    cfg.services[0]!.mapping_rules = [
      { method: "GET", pattern: "/free", usages: [{ name: "hits", delta: 0 }], last: true },
      { method: "GET", pattern: "/refund", usages: [{ name: "hits", delta: -1 }], last: true },
      { method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] },
    ] as never;
    const p = await Proxy.start(backend, 2, cfg);
    for (let i = 0; i < 5; i++) expect(await p.send(i % 2, "/free?user_key=uk-b")).toBe(200);
    await p.advance(5000);
    expect(p.reportCalls()).toHaveLength(0);
    // A negative delta is only ever allowed by failure mode open (3scale rejects it): kept, not sent.
    p.setOutage("5xx");
    expect(await p.send(0, "/refund?user_key=uk-c")).toBe(200);
    p.setOutage("up");
    await p.advance(5000);
    await p.advance(5000);
    expect(p.reportCalls()).toHaveLength(0);
    expect(await p.send(1, "/?user_key=uk-b")).toBe(200);
    await p.advance(5000);
    expect(p.reportCalls()).toHaveLength(1);
    expect(p.reportCalls()[0]!.body).not.toContain("uk-c");
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(1);
    expect(backend.errors()).toEqual([]);
  });

  it("with the cache disabled (the default) every request still makes one authrep call", async () => {
    backend = await startBackend();
    const p = await Proxy.start(backend, 2, filterConfig(backend.url, null));
    for (let i = 0; i < 5; i++) expect(await p.send(i % 2, "/?user_key=uk-b")).toBe(200);
    expect(p.authrepCalls()).toHaveLength(5);
    expect(p.authorizeCalls()).toHaveLength(0);
    await p.advance(20000);
    expect(p.reportCalls()).toHaveLength(0);
    expect(backend.usage(SERVICE, "B", "hits", "minute")).toBe(5);
  });
});
