// Bad input reaches the backend simulator over real sockets and is answered as apisonator (Rack
// 3.1's query parser in front of it) would: 400/422/403/404 replies, never a crash.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { app, errorBody, get, providerFixtures, send, startBackend, svc } from "./helpers.js";

const AR = "/transactions/authrep.xml?";
const BAD_ENCODING = errorBody("bad_request", "Invalid query parameters: invalid %-encoding");
const SYNTAX = errorBody("bad_request", "request contains syntax errors, should not be repeated without modification");
const NOT_UTF8 = errorBody("not_valid_data", "all data must be valid UTF8");

let sim: BackendSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function fixture(): Promise<BackendSimulator> {
  const doc = providerFixtures();
  ({ sim } = await startBackend(doc));
  return sim!;
}

/** After any bad request the server still answers a good one. */
async function stillServes(s: BackendSimulator): Promise<void> {
  const r = await get(s, `${AR}provider_key=pk&app_id=A&usage[hits]=1`);
  expect(r.status).toBe(200);
}

describe("backend simulator: malformed queries", () => {
  it.each([
    ["a lone %", "provider_key=pk&app_id=A&x=%"],
    ["% followed by non-hex", "provider_key=pk&app_id=%zz"],
    ["a truncated escape", "provider_key=pk&app_id=A%4"],
    ["a bad escape in a key", "provider_key=pk&app_id=A&usage%5Xhits%5D=1"],
  ])("%s is 400 invalid percent-encoding, with its body even under no_body", async (_n, q) => {
    const s = await fixture();
    const r = await get(s, `${AR}${q}`);
    expect([r.status, r.body]).toEqual([400, BAD_ENCODING]);
    const quiet = await get(s, `${AR}${q}`, { "3scale-options": "no_body=1" });
    expect([quiet.status, quiet.body]).toEqual([400, BAD_ENCODING]);
    await stillServes(s);
  });

  it.each([
    ["array then hash", "usage[]=1&usage[hits]=1", SYNTAX],
    ["nesting deeper than 32 levels", `x${"[a]".repeat(40)}=1`, SYNTAX],
    // Sinatra's own 400 for the other Rack type errors, which apisonator does not rewrite
    ["hash then array", "usage[hits]=1&usage[]=1", "Invalid query parameters: expected Array (got Hash) for param `usage&#39;"],
    ["string then hash", "app_id=A&app_id[x]=1", "Invalid query parameters: expected Hash (got String) for param `app_id&#39;"],
  ])("%s is a 400", async (_n, q, body) => {
    const s = await fixture();
    const r = await get(s, `${AR}provider_key=pk&app_id=A&${q}`, { "3scale-options": "no_body=1" });
    expect([r.status, r.body]).toEqual([400, body]);
    await stillServes(s);
  });

  it("4096 or more parameters hit Rack's parameter limit", async () => {
    const s = await fixture();
    const q = `provider_key=pk&app_id=A${"&a=1".repeat(4200)}`;
    const r = await get(s, `${AR}${q}`);
    expect([r.status, r.body]).toEqual([400, errorBody("bad_request", "total number of query parameters (4201) exceeds limit (4096)")]);
    await stillServes(s);
  });

  it("a query over 4 MiB hits Rack's size limit", async () => {
    const s = await fixture();
    const q = `provider_key=pk&app_id=A&pad=${"x".repeat(4 * 1024 * 1024)}`;
    const r = await get(s, `${AR}${q}`);
    expect([r.status, r.body]).toEqual([400, errorBody("bad_request", `total query size (${q.length}) exceeds limit (4194304)`)]);
    await stillServes(s);
  });

  it.each([
    ["raw non-UTF-8 bytes in a value", "provider_key=pk&app_id=\xff\xfe"],
    ["an encoded invalid sequence", "provider_key=pk&app_id=%C3%28"],
    ["an encoded surrogate", "provider_key=pk&app_id=%ED%A0%80"],
    ["an overlong encoding", "provider_key=pk&app_id=%C0%AF"],
    ["invalid UTF-8 in an ignored parameter", "provider_key=pk&app_id=A&whatever=%FF"],
  ])("%s is 422 not_valid_data", async (_n, q) => {
    const s = await fixture();
    const r = await get(s, `${AR}${q}`, { "3scale-options": "no_body=1" });
    expect([r.status, r.body]).toEqual([422, NOT_UTF8]);
    await stillServes(s);
  });

  it("valid multi-byte UTF-8 is accepted and echoed in messages", async () => {
    const s = await fixture();
    const r = await get(s, `${AR}provider_key=pk&app_id=%C3%A9t%C3%A9`);
    expect([r.status, r.body]).toEqual([404, errorBody("application_not_found", 'application with id="été" was not found')]);
  });

  it("error text escapes &, < and > but not quotes", async () => {
    const s = await fixture();
    const r = await get(s, `${AR}provider_key=pk&app_id=%3Ca%26b%3E%22`);
    expect(r.body).toBe(errorBody("application_not_found", 'application with id="&lt;a&amp;b&gt;"" was not found'));
  });
});

describe("backend simulator: huge parameters (64 KiB and more)", () => {
  const big = "k".repeat(70 * 1024);

  it("a 70 KiB user key is user_key_invalid with the key in the message", async () => {
    const doc = providerFixtures();
    svc(doc)["backend_version"] = "1";
    app(doc)["user_key"] = "real";
    ({ sim } = await startBackend(doc));
    const r = await get(sim!, `${AR}provider_key=pk&user_key=${big}`);
    expect([r.status, r.body]).toEqual([403, errorBody("user_key_invalid", `user key "${big}" is invalid`)]);
    await stillServes2(sim!);
  });

  it("a 70 KiB metric name is metric_invalid", async () => {
    const s = await fixture();
    const r = await get(s, `${AR}provider_key=pk&app_id=A&usage[${big}]=1`);
    expect([r.status, r.body]).toEqual([404, errorBody("metric_invalid", `metric "${big}" is invalid`)]);
  });

  it("a 70 KiB usage value is usage_value_invalid", async () => {
    const s = await fixture();
    const r = await get(s, `${AR}provider_key=pk&app_id=A&usage[hits]=${big}`);
    expect([r.status, r.body]).toEqual([403, errorBody("usage_value_invalid", `usage value "${big}" for metric "hits" is invalid`)]);
  });

  it("a 70 KiB 3scale-options header is parsed like any query", async () => {
    const s = await fixture();
    const r = await get(s, `${AR}provider_key=pk&app_id=A`, { "3scale-options": `no_body=1&pad=${big}` });
    expect([r.status, r.body]).toEqual([200, ""]);
  });

  it("a 1 MiB POST body with many transactions is accepted", async () => {
    const s = await fixture();
    const parts = ["provider_key=pk"];
    for (let i = 0; i < 3000; i++) parts.push(`transactions[${i}][app_id]=A&transactions[${i}][usage][hits]=1`);
    parts.push(`pad=${"p".repeat(1024 * 1024)}`);
    const r = await send(s.url, "POST", "/transactions.xml", { "content-type": "application/x-www-form-urlencoded" }, parts.join("&"));
    expect(r.status).toBe(400); // 3000*2+1 `&` separators: over Rack's 4096-parameter limit
    const small = parts.slice(0, 1001).join("&");
    const ok = await send(s.url, "POST", "/transactions.xml", { "content-type": "application/x-www-form-urlencoded" }, small);
    expect(ok.status).toBe(202);
    await s.flushReports();
    expect(s.usage("1001", "A", "hits", "day")).toBe(1000);
  });
});

async function stillServes2(s: BackendSimulator): Promise<void> {
  const r = await get(s, `${AR}provider_key=pk&user_key=real`);
  expect(r.status).toBe(200);
}

describe("backend simulator: odd shapes and transport", () => {
  it.each([
    ["usage value that is a hash", "usage[hits][x]=1", 403, errorBody("usage_value_invalid", 'usage value for metric "hits" can not be empty')],
    ["usage value without =", "usage[hits]", 403, errorBody("usage_value_invalid", 'usage value for metric "hits" can not be empty')],
    ["usage as an array", "usage[]=1", 403, ""],
    ["blank metric name", "usage[%20]=1", 404, errorBody("metric_invalid", 'metric "" is invalid')],
    ["a credential given as an array counts as absent", "app_id[]=A", 404, errorBody("application_not_found", "application id is missing")],
    ["a referrer given as a hash is ignored without referrer filters", "referrer[x]=1", 200, null],
  ])("%s", async (_n, q, status, body) => {
    const s = await fixture();
    const r = await get(s, `${AR}provider_key=pk&app_id=A&${q}`.replace("app_id=A&app_id[]", "app_id[]"));
    expect(r.status).toBe(status);
    if (body !== null) expect(r.body).toBe(body);
    await stillServes(s);
  });

  it.each([
    ["text/plain", "text/plain", 400],
    ["application/json", "application/json", 400],
    ["form with charset", "application/x-www-form-urlencoded; charset=utf-8", 202],
  ])("report Content-Type %s", async (_n, ct, status) => {
    const s = await fixture();
    const r = await send(s.url, "POST", "/transactions.xml", { "content-type": ct }, "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][hits]=1");
    expect(r.status).toBe(status);
    if (status === 400) expect(r.body).toBe(errorBody("content_type_invalid", `invalid Content-Type: ${ct}`));
  });

  it("report as multipart/form-data is accepted", async () => {
    const s = await fixture();
    const b = "XyZ";
    const field = (n: string, v: string) => `--${b}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
    const body = field("provider_key", "pk") + field("transactions[0][app_id]", "A") + field("transactions[0][usage][hits]", "4") + `--${b}--\r\n`;
    const r = await send(s.url, "POST", "/transactions.xml", { "content-type": `multipart/form-data; boundary=${b}` }, body);
    expect(r.status).toBe(202);
    await s.flushReports();
    expect(s.usage("1001", "A", "hits", "day")).toBe(4);
  });

  it("garbage on the socket does not stop the server", async () => {
    const s = await fixture();
    const u = new URL(s.url);
    await new Promise<void>((resolve) => {
      const sock = connect(Number(u.port), u.hostname, () => sock.end("\x00\x01NOT HTTP AT ALL\r\n\r\n"));
      sock.on("data", () => {});
      sock.on("close", () => resolve());
      sock.on("error", () => resolve());
    });
    await stillServes(s);
  });

  it.each([
    ["HEAD /available", "HEAD", "/available", 200, "application/vnd.3scale-v2.0+xml", ""],
    ["GET /check.txt", "GET", "/check.txt", 200, "text/plain;charset=utf-8", "ok"],
    ["GET /status", "GET", "/status", 200, "application/json", '{"status":"ok","version":{"backend":"3.4.3"}}'],
    ["OPTIONS (CORS pre-flight)", "OPTIONS", "/transactions/authrep.xml", 204, "application/vnd.3scale-v2.0+xml", ""],
  ])("status route %s", async (_n, method, path, status, ct, body) => {
    const s = await fixture();
    const r = await send(s.url, method, path);
    expect([r.status, r.body]).toEqual([status, body]);
    expect(r.headers["content-type"]).toBe(ct);
    expect(r.headers["access-control-allow-origin"]).toBe("*");
    if (method === "OPTIONS") expect(r.headers["access-control-allow-headers"]).toContain("3scale-options");
  });
});
