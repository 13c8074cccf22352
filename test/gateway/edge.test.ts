// The gateway behaves like an Envoy edge, over real sockets on 127.0.0.1: what Envoy refuses
// before any filter (oversized headers, two Host fields, CONNECT, bodies over the buffer limit),
// absolute-form targets, streamed bodies, keep-alive pool hygiene and retry, access log, start-up
// log lines, graceful stop.
import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer, request } from "node:http";
import { type Socket, connect, createServer as createNetServer } from "node:net";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src-host-sim/backend/index.js";
import { Gateway, type GatewayOptions } from "../../src-host-sim/gateway/gateway.js";
import { modulePath } from "../support/modules.js";

let gw: Gateway | undefined;
const servers: Array<Server | ReturnType<typeof createNetServer>> = [];
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  for (const s of servers.splice(0)) {
    (s as Server).closeAllConnections?.();
    await new Promise((r) => s.close(() => r(null)));
  }
});

async function start(extra: GatewayOptions = {}): Promise<{ g: Gateway; lines: string[] }> {
  const lines: string[] = [];
  gw = await Gateway.start({
    port: 0,
    modulePath: modulePath("product"),
    backendClock: new ManualClock("2026-03-04T10:20:05Z"),
    onLog: (l) => lines.push(l),
    ...extra,
  });
  return { g: gw, lines };
}

const portOf = (g: Gateway) => Number(new URL(g.url).port);
const authreps = (g: Gateway) => g.backend.requests.filter((q) => q.path === "/transactions/authrep.xml").length;

/** raw sends bytes on a fresh connection and returns everything the gateway answers until it closes or goes quiet. */
function raw(g: Gateway, bytes: string, quietMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(portOf(g), "127.0.0.1");
    let out = "";
    let timer: NodeJS.Timeout;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    };
    s.on("data", (d) => {
      out += d.toString("latin1");
      quiet();
    });
    s.on("end", done);
    s.on("error", (e) => (out ? done() : reject(e)));
    s.write(bytes);
    quiet();
  });
}

interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function call(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string; chunks?: Buffer[]; pauseAfterFirstMs?: number; agent?: false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: init.headers ?? {}, agent: init.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    if (init.chunks) {
      const [first, ...rest] = init.chunks;
      req.write(first!);
      setTimeout(() => {
        for (const c of rest) req.write(c);
        req.end();
      }, init.pauseAfterFirstMs ?? 0);
    } else req.end(init.body);
  });
}

async function listenOn(server: Server | ReturnType<typeof createNetServer>): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe("what Envoy refuses before the filter runs", () => {
  it("request headers over 60 KiB get 431 and never reach the filter", async () => {
    const { g } = await start();
    const r = await call(portOf(g), "/?user_key=user_key_demo", { headers: { "x-big": "a".repeat(61 * 1024) } }).catch((e) => e as Error);
    expect((r as Reply).status).toBe(431);
    expect(authreps(g)).toBe(0);
  });

  it("a 17 KB query is authorized and answered by the echo upstream (it accepts what the gateway accepts)", async () => {
    const { g } = await start();
    const r = await call(portOf(g), `/?user_key=user_key_demo&pad=${"p".repeat(17_000)}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).path).toHaveLength(17_000 + "/?user_key=user_key_demo&pad=".length);
    expect(authreps(g)).toBe(1);
  });

  it("two Host headers get 400 and never reach the filter", async () => {
    const { g } = await start();
    const out = await raw(g, "GET /?user_key=user_key_demo HTTP/1.1\r\nHost: localhost\r\nHost: apps.localhost\r\n\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(authreps(g)).toBe(0);
  });

  it("CONNECT gets 403 with an empty body, as Envoy's default connection manager answers it", async () => {
    const { g, lines } = await start();
    const out = await raw(g, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(out).toMatch(/content-length: 0\r\n/i);
    expect(out.endsWith("\r\n\r\n")).toBe(true);
    expect(lines.some((l) => /access: CONNECT example\.com:443 .* 403 .*upgrade_failed/.test(l))).toBe(true);
  });

  it("a declared body over the limit gets 413 before the filter, so nothing is authorized or counted", async () => {
    const { g } = await start({ maxRequestBodyBytes: 64 * 1024 });
    const r = await call(portOf(g), "/products/1/sold?user_key=user_key_demo", { method: "POST", body: Buffer.alloc(64 * 1024 + 1, 97) });
    expect([r.status, r.body]).toEqual([413, "Payload Too Large"]);
    expect(authreps(g)).toBe(0);
  });

  it("a body at the limit goes through", async () => {
    const { g } = await start({ maxRequestBodyBytes: 64 * 1024 });
    const r = await call(portOf(g), "/products/1/sold?user_key=user_key_demo", { method: "POST", body: Buffer.alloc(64 * 1024, 97) });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).body).toHaveLength(64 * 1024);
  });

  it("the default limit is 1 MiB", async () => {
    const { g } = await start();
    const over = await call(portOf(g), "/?user_key=user_key_demo", { method: "PUT", body: Buffer.alloc(1024 * 1024 + 1, 97) });
    expect(over.status).toBe(413);
  });

  it("a chunked body that outgrows the limit while the filter is still deciding gets 413", async () => {
    // 3scale (here a stand-in that says yes) takes 400 ms to answer; meanwhile 256 KiB arrive.
    const slow = createHttpServer((_req, res) => setTimeout(() => res.writeHead(200).end(), 400));
    const slowUrl = await listenOn(slow);
    const { g } = await start({ maxRequestBodyBytes: 64 * 1024, clusters: { "3scale-backend": slowUrl } });
    const r = await call(portOf(g), "/products/1/sold?user_key=user_key_demo", { method: "POST", chunks: Array.from({ length: 4 }, () => Buffer.alloc(64 * 1024, 98)) });
    expect(r.status).toBe(413);
  });
});

describe("request targets and bodies", () => {
  it("an absolute-form target is split into :authority (selecting the service) and :path", async () => {
    const { g } = await start();
    const out = await raw(g, "GET http://apps.localhost/things?app_id=aladdin&app_key=opensesame HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    const echo = JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4));
    expect(echo.path).toBe("/things?app_id=aladdin&app_key=opensesame");
    expect(echo.headers.host).toBe("apps.localhost");
  });

  it("once allowed, the body streams: the upstream gets its start before the client has sent the rest", async () => {
    let firstBytes: () => void = () => {};
    const started = new Promise<void>((r) => (firstBytes = r));
    const upstream = createHttpServer((req, res) => {
      let n = 0;
      req.on("data", (c: Buffer) => {
        n += c.length;
        firstBytes();
      });
      req.on("end", () => res.end(String(n)));
    });
    const url = await listenOn(upstream);
    const { g } = await start({ upstreamUrl: url, maxRequestBodyBytes: 8 * 1024 * 1024 });
    const answer = new Promise<Reply>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: portOf(g), path: "/products/1/sold?user_key=user_key_demo", method: "POST" }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.write(Buffer.alloc(32 * 1024, 99));
      // Only once the upstream has the first chunk does the client send the other 4 MiB.
      const timer = setTimeout(() => reject(new Error("the upstream got nothing before the body ended: it was held")), 5000);
      void started.then(() => {
        clearTimeout(timer);
        for (let i = 0; i < 128; i++) req.write(Buffer.alloc(32 * 1024, 99));
        req.end();
      });
    });
    const r = await answer;
    expect([r.status, r.body]).toEqual([200, String(129 * 32 * 1024)]);
  });

  it("a chunked body that outgrows the limit after the decision gets 413, and the upstream request is cut", async () => {
    let upstreamGot = 0;
    let upstreamAborted = false;
    const upstream = createHttpServer((req, res) => {
      req.on("data", (c: Buffer) => (upstreamGot += c.length));
      req.on("aborted", () => (upstreamAborted = true));
      req.on("error", () => (upstreamAborted = true));
      req.on("end", () => res.end("whole"));
    });
    const url = await listenOn(upstream);
    const { g } = await start({ upstreamUrl: url, maxRequestBodyBytes: 256 * 1024 });
    const r = await call(portOf(g), "/products/1/sold?user_key=user_key_demo", {
      method: "POST", chunks: Array.from({ length: 32 }, () => Buffer.alloc(32 * 1024, 99)), pauseAfterFirstMs: 300,
    });
    expect(r.status).toBe(413);
    await new Promise((res) => setTimeout(res, 100));
    expect(upstreamAborted).toBe(true);
    expect(upstreamGot).toBeLessThanOrEqual(256 * 1024);
  });
});

describe("the echo upstream", () => {
  it("repeats at most 1 MiB of a body and reports its length (a huge body cannot crash it)", async () => {
    const { g } = await start({ maxRequestBodyBytes: 4 * 1024 * 1024 });
    const r = await call(portOf(g), "/products/1/sold?user_key=user_key_demo", { method: "POST", body: Buffer.alloc(3 * 1024 * 1024, 97) });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body) as { body: string; bodyLength: number; bodyTruncated: boolean };
    expect([echo.body.length, echo.bodyLength, echo.bodyTruncated]).toEqual([1024 * 1024, 3 * 1024 * 1024, true]);
  });
});

describe("the upstream keep-alive pool", () => {
  /** An upstream that answers the first request of each connection and resets the connection on the second. */
  async function resettingUpstream() {
    const seen: string[] = [];
    let connections = 0;
    const server = createNetServer((socket: Socket) => {
      connections++;
      let n = 0;
      let buf = "";
      socket.on("data", (d) => {
        buf += d.toString("latin1");
        while (buf.includes("\r\n\r\n")) {
          const head = buf.slice(0, buf.indexOf("\r\n\r\n"));
          const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          buf = buf.slice(head.length + 4 + len);
          seen.push(head.split(" ")[0]!);
          if (++n === 1) socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok");
          else return socket.resetAndDestroy();
        }
      });
      socket.on("error", () => {});
    });
    const url = await listenOn(server);
    return { url, seen, connections: () => connections };
  }

  it("an idempotent request whose reused connection is reset is retried once on a new one", async () => {
    const up = await resettingUpstream();
    const { g, lines } = await start({ upstreamUrl: up.url });
    expect((await call(portOf(g), "/?user_key=user_key_demo")).status).toBe(200);
    const second = await call(portOf(g), "/?user_key=user_key_demo");
    expect([second.status, second.body]).toEqual([200, "ok"]);
    expect(up.seen).toEqual(["GET", "GET", "GET"]);
    expect(up.connections()).toBe(2);
    expect(lines.some((l) => /access: GET .* 200 .*upstream \(retried once\)/.test(l))).toBe(true);
  });

  it("a POST on a reset reused connection is not retried: 503", async () => {
    const up = await resettingUpstream();
    const { g } = await start({ upstreamUrl: up.url });
    expect((await call(portOf(g), "/products/1/sold?user_key=user_key_demo", { method: "POST", body: "x" })).status).toBe(200);
    const second = await call(portOf(g), "/products/1/sold?user_key=user_key_demo", { method: "POST", body: "x" });
    expect(second.status).toBe(503);
    expect(second.body).toMatch(/^upstream connect error/);
    expect(up.seen).toEqual(["POST", "POST"]);
  });

  it("idle upstream connections are closed by the gateway before the upstream's keep-alive timeout", async () => {
    let closedByClient = 0;
    let connections = 0;
    const server = createHttpServer((_req: IncomingMessage, res: ServerResponse) => res.end("ok"));
    server.keepAliveTimeout = 60_000;
    server.on("connection", (s: Socket) => {
      connections++;
      s.on("end", () => closedByClient++);
    });
    const url = await listenOn(server);
    const { g } = await start({ upstreamUrl: url, upstreamIdleMs: 150 });
    await call(portOf(g), "/?user_key=user_key_demo");
    await new Promise((r) => setTimeout(r, 500));
    expect(closedByClient).toBe(1);
    await call(portOf(g), "/?user_key=user_key_demo");
    expect(connections).toBe(2);
  });
});

describe("logs", () => {
  it("start-up lines at info: the configuration accepted and the system fetches", async () => {
    const { lines } = await start();
    expect(lines).toContainEqual(expect.stringMatching(/^\[info\] configuration accepted: api v1, 2 service\(s\)/));
    expect(lines).toContainEqual(expect.stringMatching(/^\[info\] system: service \d+: configuration fetched/));
  });

  it("one access line per request: method, authority, path without query values, status, duration, who answered", async () => {
    const { g, lines } = await start();
    await call(portOf(g), "/a?user_key=user_key_demo&x=1");
    await call(portOf(g), "/b?user_key=wrong_key");
    const access = lines.filter((l) => l.includes("access: "));
    expect(access).toHaveLength(2);
    expect(access[0]).toMatch(/^\[info\] access: GET 127\.0\.0\.1:\d+ \/a\?user_key=…&x=… 200 \d+\.\dms upstream$/);
    expect(access[1]).toMatch(/^\[info\] access: GET 127\.0\.0\.1:\d+ \/b\?user_key=… 403 \d+\.\dms filter threescale_auth_failed$/);
    expect(lines.join("\n")).not.toContain("user_key_demo");
    expect(lines.join("\n")).not.toContain("wrong_key");
  });

  it("a wrong service token in the configuration is named at warn, with the service id and not the token", async () => {
    const configPath = join(tmpdir(), `gw-token-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(configPath, `api: v1
backend:
  upstream: {name: 3scale-backend, url: "http://backend.3scale.localhost/", timeout: 5000}
services:
  - id: "2555417834780"
    token: not-the-token
    authorities: ["*"]
    credentials: {user_key: [{query_string: {keys: [user_key]}}]}
    mapping_rules: [{method: GET, pattern: /, usages: [{name: hits, delta: 1}]}]
`);
    const { g, lines } = await start({ configPath, logLevel: "debug" });
    const r = await call(portOf(g), "/?user_key=user_key_demo");
    expect([r.status, r.body]).toEqual([403, "Authentication failed\n"]);
    expect(lines).toContainEqual(expect.stringMatching(/^\[warn\] backend: service 2555417834780: 3scale refused the configuration: service_token_invalid \(/));
    expect(lines).toContainEqual(expect.stringMatching(/^\[debug\] .*→ 403 Authentication failed \(3scale: service_token_invalid\)$/));
    expect(lines.join("\n")).not.toContain("not-the-token");
  });

  it("at warn, no access lines", async () => {
    const { g, lines } = await start({ logLevel: "warn" });
    await call(portOf(g), "/?user_key=user_key_demo");
    expect(lines.filter((l) => l.includes("access: "))).toEqual([]);
  });
});

describe("graceful stop", () => {
  it("a request in flight finishes; new connections are refused", async () => {
    const upstream = createHttpServer((_req, res) => setTimeout(() => res.end("late"), 300));
    const url = await listenOn(upstream);
    const { g } = await start({ upstreamUrl: url });
    const inFlight = call(portOf(g), "/?user_key=user_key_demo");
    await new Promise((r) => setTimeout(r, 100));
    expect(g.requestsInFlight).toBe(1);
    const stopped = g.stop();
    await new Promise((r) => setTimeout(r, 20));
    await expect(call(portOf(g), "/?user_key=user_key_demo", { agent: false })).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(await inFlight).toMatchObject({ status: 200, body: "late" });
    await stopped;
  });

  it("a request that outlasts the drain timeout is cut", async () => {
    const upstream = createHttpServer(() => {});
    const url = await listenOn(upstream);
    const { g } = await start({ upstreamUrl: url, drainMs: 100 });
    const inFlight = call(portOf(g), "/?user_key=user_key_demo").catch((e: NodeJS.ErrnoException) => e.code);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await g.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await inFlight).toBe("ECONNRESET");
  });
});

describe("clients that go away", () => {
  it("a client that sends half a body and disconnects while the filter decides does not disturb the gateway", async () => {
    const slow = createHttpServer((_req, res) => setTimeout(() => res.writeHead(200).end(), 300));
    const slowUrl = await listenOn(slow);
    const { g } = await start({ clusters: { "3scale-backend": slowUrl } });
    const s = connect(portOf(g), "127.0.0.1");
    s.on("error", () => {});
    s.write("POST /products/1/sold?user_key=user_key_demo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    await new Promise((r) => setTimeout(r, 400));
    const r = await call(portOf(g), "/?user_key=user_key_demo");
    expect(r.status).toBe(200);
  });
});
