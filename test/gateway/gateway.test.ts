// End to end: the local gateway on ephemeral ports, the product module in the host simulator,
// the backend and system simulators seeded from examples/seed.yaml, the echo upstream, real sockets.
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { type Socket, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src-host-sim/backend/index.js";
import { Gateway, type GatewayOptions } from "../../src-host-sim/gateway/gateway.js";
import { ROOT, modulePath } from "../support/modules.js";

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function start(extra: GatewayOptions = {}): Promise<Gateway> {
  gw = await Gateway.start({
    port: 0,
    modulePath: modulePath("product"),
    // a fixed backend time: the 3-per-minute window never rolls over mid-test
    backendClock: new ManualClock("2026-03-04T10:20:05Z"),
    ...extra,
  });
  return gw;
}

interface Reply {
  status: number;
  headers: Headers;
  body: string;
}

/** A plain HTTP/1.1 request (fetch cannot set Host, which selects the service). */
function call(g: Gateway, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const u = new URL(g.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: init.method ?? "GET", headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("gateway: requests through the product module", () => {
  it("an authorized request reaches the upstream unchanged and its echo comes back", async () => {
    const g = await start();
    const r = await call(g, "/some/path?user_key=user_key_demo&x=1", { headers: { "x-custom": "kept" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("powered-by")).toBe("3scale");
    const echo = JSON.parse(r.body);
    expect(echo.method).toBe("GET");
    expect(echo.path).toBe("/some/path?user_key=user_key_demo&x=1");
    expect(echo.headers["x-custom"]).toBe("kept");
    const authrep = g.backend.requests.find((q) => q.path === "/transactions/authrep.xml");
    expect(authrep?.query).toBe("service_id=2555417834780&service_token=service_token&user_key=user_key_demo&usage[hits]=1");
    expect(g.backend.usage("2555417834780", "user-key-app", "hits", "day")).toBe(1);
  });

  it.each([
    ["missing credentials", "/", {}, 403, "Authentication parameters missing\n"],
    ["a wrong user key", "/?user_key=wrong_key", {}, 403, "Authentication failed\n"],
    ["a wrong app key", "/?app_id=aladdin&app_key=nope", { host: "apps.localhost" }, 403, "Authentication failed\n"],
    ["app_id credentials on the user_key service", "/?app_id=aladdin&app_key=opensesame", {}, 403, "Authentication parameters missing\n"],
  ])("%s gets the module's local reply", async (_n, path, headers, status, body) => {
    const g = await start();
    const r = await call(g, path, { headers: headers as Record<string, string> });
    expect([r.status, r.body]).toEqual([status, body]);
    expect(r.headers.get("powered-by")).toBe("3scale");
  });

  it("the app_id/app_key service is selected by its authority", async () => {
    const g = await start();
    const r = await call(g, "/?app_id=aladdin&app_key=opensesame", { headers: { host: "apps.localhost" } });
    expect(r.status).toBe(200);
    expect(g.backend.usage("2555417834781", "aladdin", "hits", "day")).toBe(1);
    expect(JSON.parse(r.body).headers.host).toBe("apps.localhost");
  });

  it("the 3-per-minute application gets 200, 200, 200, then 429", async () => {
    const g = await start();
    const statuses: number[] = [];
    let last = "";
    for (let i = 0; i < 4; i++) {
      const r = await call(g, "/?user_key=limited_demo");
      statuses.push(r.status);
      last = r.body;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last).toBe("Usage limit exceeded\n");
  });

  it("a request body is passed to the upstream", async () => {
    const g = await start();
    const r = await call(g, "/products/7/sold?user_key=user_key_demo", { method: "POST", body: "a=1&b=2", headers: { "content-type": "text/plain" } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ method: "POST", path: "/products/7/sold?user_key=user_key_demo", body: "a=1&b=2" });
    // ANY /products/{id}/sold → sales 1, which the backend propagates to its parent hits
    expect(g.backend.usage("2555417834780", "user-key-app", "sales", "day")).toBe(1);
    expect(g.backend.usage("2555417834780", "user-key-app", "hits", "day")).toBe(1);
  });

  it("many simultaneous clients each get their own stream and answer", async () => {
    const g = await start();
    const n = 60;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => call(g, `/item/${i}?user_key=${i % 3 === 0 ? "wrong_key" : "user_key_demo"}`)),
    );
    replies.forEach((r, i) => {
      if (i % 3 === 0) expect([r.status, r.body]).toEqual([403, "Authentication failed\n"]);
      else expect([r.status, JSON.parse(r.body).path]).toEqual([200, `/item/${i}?user_key=user_key_demo`]);
    });
    expect(g.backend.usage("2555417834780", "user-key-app", "hits", "day")).toBe(n - n / 3);
  });

  it("a backend cluster mapped to a dead address gives 502 Bad Gateway", async () => {
    const dead = await freePort();
    const g = await start({ clusters: { "3scale-backend": `http://127.0.0.1:${dead}` } });
    const r = await call(g, "/?user_key=user_key_demo");
    expect([r.status, r.body]).toEqual([502, "Bad Gateway\n"]);
  });
});

describe("gateway: timeouts and aborted clients", () => {
  /** A TCP server that accepts connections and never answers. */
  async function blackHole(): Promise<{ port: number; close(): void }> {
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return {
      port: (server.address() as { port: number }).port,
      close: () => {
        for (const s of sockets) s.destroy();
        server.close();
      },
    };
  }

  function quickstartWithBackendTimeout(ms: number): string {
    const text = readFileSync(resolve(ROOT, "examples/quickstart.yaml"), "utf8").replace(/timeout: 5000\n(\s+extensions)/, `timeout: ${ms}\n$1`);
    expect(text).toContain(`timeout: ${ms}`);
    const path = join(tmpdir(), `gw-${process.pid}-${Math.random().toString(36).slice(2)}-timeout.yaml`);
    writeFileSync(path, text);
    return path;
  }

  it("a backend that never answers gives 502 once the call's timeout passes on the real clock", async () => {
    const hole = await blackHole();
    try {
      const g = await start({ configPath: quickstartWithBackendTimeout(300), clusters: { "3scale-backend": `http://127.0.0.1:${hole.port}` } });
      const r = await call(g, "/?user_key=user_key_demo");
      expect([r.status, r.body]).toEqual([502, "Bad Gateway\n"]);
    } finally {
      hole.close();
    }
  });

  it("a client that goes away while its request waits for the backend does not disturb others", async () => {
    const hole = await blackHole();
    try {
      const g = await start({ configPath: quickstartWithBackendTimeout(400), clusters: { "3scale-backend": `http://127.0.0.1:${hole.port}` } });
      const u = new URL(g.url);
      await new Promise<void>((done) => {
        const req = request({ host: u.hostname, port: u.port, path: "/?user_key=user_key_demo" });
        req.on("error", () => done());
        req.end();
        setTimeout(() => {
          req.destroy();
          done();
        }, 100);
      });
      const r = await call(g, "/");
      expect([r.status, r.body]).toEqual([403, "Authentication parameters missing\n"]);
    } finally {
      hole.close();
    }
  });
});

describe("gateway: start-up errors are one-line messages", () => {
  it("a port in use names the address and the config", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(start({ port })).rejects.toThrow(new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}: address already in use \\(config .*quickstart\\.yaml\\)$`));
    } finally {
      blocker.close();
    }
  });

  it.each([
    ["YAML that does not parse", "a: [\n", /bad\.yaml: invalid YAML: /],
    ["a list instead of a mapping", "- 1\n", /bad\.yaml: expected a mapping \(the plugin configuration\), got a list$/],
    ["a configuration the module rejects", "api: v2\nbackend: {}\n", /bad\.yaml: the module rejected the configuration: invalid configuration: api: /],
    ["a WasmPlugin without pluginConfig", "kind: WasmPlugin\nspec: {}\n", /bad\.yaml: WasmPlugin has no spec\.pluginConfig mapping$/],
  ])("%s", async (_n, text, message) => {
    const path = join(tmpdir(), `gw-${process.pid}-${Math.random().toString(36).slice(2)}-bad.yaml`);
    writeFileSync(path, text);
    const err = await start({ configPath: path }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain("\n");
  });

  it("a missing module is named", async () => {
    await expect(start({ modulePath: "/nonexistent/filter.wasm" })).rejects.toThrow("/nonexistent/filter.wasm: module not found (build it with npm run build)");
  });

  it("a bad seed file is named with the path inside it", async () => {
    const path = join(tmpdir(), `gw-${process.pid}-${Math.random().toString(36).slice(2)}-seed.yaml`);
    writeFileSync(path, "services:\n  - id: '1'\n");
    await expect(start({ seedPath: path })).rejects.toThrow(`${path}: services[0].provider_key: missing required field`);
  });

  it("a missing configuration file is named", async () => {
    await expect(start({ configPath: "/nonexistent/quick.yaml" })).rejects.toThrow("/nonexistent/quick.yaml: cannot read configuration file (no such file)");
  });

  it("a cluster URL that is not http(s) is refused", async () => {
    await expect(start({ clusters: { "3scale-backend": "ftp://x" } })).rejects.toThrow(/cluster 3scale-backend: "ftp:\/\/x" is not an http\(s\) URL/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
