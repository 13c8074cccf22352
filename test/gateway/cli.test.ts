// The gateway's command line (what `npm start` runs): the banner's curl commands really do what
// they say against the running gateway, and every start-up failure is one line with exit code 1.
import { request } from "node:http";
import { createServer } from "node:net";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src-host-sim/backend/index.js";
import { type CliResult, parseArgs, runGatewayCli } from "../../src-host-sim/gateway/cli.js";
import { modulePath } from "../support/modules.js";

let result: CliResult | undefined;
afterEach(async () => {
  await result?.gateway?.stop();
  result = undefined;
});

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = "";
  let err = "";
  result = await runGatewayCli(argv, env, { out: (t) => (out += t), err: (t) => (err += t) }, {
    backendClock: new ManualClock("2026-03-04T10:20:05Z"),
  });
  return { code: result.code, out, err };
}

/** Runs what a banner curl line asks for: optional -H 'Host: …' and the quoted URL. */
function curl(line: string): Promise<{ status: number; body: string }> {
  const url = new URL(/'(http[^']+)'/.exec(line)![1]!);
  const host = /-H 'Host: ([^']+)'/.exec(line)?.[1];
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: host ? { host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("gateway CLI: the banner", () => {
  it("prints curl commands that give 200, 403 missing, 403 failed, 200×3 then 429, and 200 for app_id", async () => {
    const { code, out } = await run(["--port", "0", "--module", modulePath("product")]);
    expect(code).toBe(0);
    const lines = out.split("\n").filter((l) => l.trim().startsWith("curl ") || l.includes("for i in"));
    expect(lines).toHaveLength(5);
    const [authorized, missing, wrong, loop, apps] = lines as [string, string, string, string, string];
    expect(await curl(authorized)).toMatchObject({ status: 200 });
    expect(await curl(missing)).toEqual({ status: 403, body: "Authentication parameters missing\n" });
    expect(await curl(wrong)).toEqual({ status: 403, body: "Authentication failed\n" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await curl(loop)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await curl(apps)).toMatchObject({ status: 200 });
    expect(out).toContain(`listening on ${result!.gateway!.url.replace(/\/$/, "")}`);
  });

  it("--help prints the usage and starts nothing", async () => {
    const { code, out } = await run(["--help"]);
    expect([code, result?.gateway]).toEqual([0, null]);
    expect(out).toMatch(/^usage: npm start -- /);
  });

  it("--help describes every option with its default, and the environment variables", async () => {
    const { out } = await run(["--help"]);
    const flags = [...out.matchAll(/^ {2}(-[^\n]*)$/gm)].map((m) => m[1]!);
    for (const flag of ["--config", "--port", "--host", "--seed", "--module", "--cluster", "--upstream", "--backend-port",
      "--system-port", "--log-level", "--max-request-body", "--upstream-idle-timeout", "--drain-timeout"]) {
      const at = out.indexOf(`${flag} `);
      expect(at, flag).toBeGreaterThan(0);
      const block = out.slice(at, out.indexOf("\n  -", at + 1));
      expect(block, flag).toMatch(/\n {6}\S.*\n {6}default: \S/);
    }
    expect(flags.length).toBeGreaterThanOrEqual(14);
    for (const v of ["GATEWAY_CONFIG", "GATEWAY_PORT", "GATEWAY_SEED", "GATEWAY_UPSTREAM", "GATEWAY_LOG_LEVEL", "GATEWAY_CLUSTERS", "GATEWAY_MAX_REQUEST_BODY"]) {
      expect(out).toContain(`[env ${v}]`);
    }
    expect(out).toMatch(/SIGTERM/);
    expect(out).toMatch(/exit codes: 0 .*; 1 /);
  });

  it("sizes and timeouts from flags and the environment", () => {
    expect(parseArgs(["--max-request-body", "512k"], {}).options.maxRequestBodyBytes).toBe(512 * 1024);
    expect(parseArgs([], { GATEWAY_MAX_REQUEST_BODY: "2m" }).options.maxRequestBodyBytes).toBe(2 * 1024 * 1024);
    expect(parseArgs(["--upstream-idle-timeout=1500", "--drain-timeout", "10"], {}).options).toMatchObject({ upstreamIdleMs: 1500, drainMs: 10 });
  });
});

describe("gateway CLI: failures are one line and exit code 1", () => {
  const badConfig = (text: string) => {
    const p = join(tmpdir(), `gw-cli-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(p, text);
    return p;
  };

  it.each([
    ["an unknown argument", ["--bogus"], /^error: unknown argument "--bogus" \(see --help\)\n$/],
    ["a port that is not a number", ["--port", "eighty"], /^error: --port "eighty": expected a port number 0-65535\n$/],
    ["a flag without its value", ["--config"], /^error: --config: missing value\n$/],
    ["a cluster mapping without =", ["--cluster", "3scale-backend"], /^error: --cluster "3scale-backend": expected NAME=URL\n$/],
    ["a bad log level", ["--log-level", "loud"], /^error: --log-level "loud": expected trace\|debug\|info\|warn\|error\|critical\n$/],
    ["a body limit that is not a size", ["--max-request-body", "lots"], /^error: --max-request-body "lots": expected a number of bytes/],
    ["a missing config file", ["--port", "0", "--config", "/nonexistent/x.yaml"], /^error: \/nonexistent\/x\.yaml: cannot read configuration file \(no such file\)\n$/],
  ])("%s", async (_n, argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(1);
    expect(err).toMatch(message);
  });

  it("a configuration the module rejects names the file, on one line, without module log spam", async () => {
    const p = badConfig("api: v1\nbackend: {upstream: {name: b, url: 'ftp://x'}}\nservices: []\n");
    const { code, err } = await run(["--port", "0", "--module", modulePath("product"), "--config", p]);
    expect(code).toBe(1);
    expect(err.split("\n").filter(Boolean)).toHaveLength(1);
    expect(err).toMatch(new RegExp(`^error: ${p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: the module rejected the configuration: invalid configuration: `));
  });

  it("a port in use is one line naming the address and the config", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, err } = await run(["--port", String(port), "--module", modulePath("product")]);
      expect(code).toBe(1);
      expect(err).toMatch(new RegExp(`^error: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use \\(config .*examples/quickstart\\.yaml\\)\\n$`));
    } finally {
      blocker.close();
    }
  });
});

describe("gateway CLI: options", () => {
  it("flags override the environment and --cluster can be repeated", () => {
    const { options } = parseArgs(["--port", "9090", "--cluster", "a=http://x:1", "--cluster=b=https://y"], {
      GATEWAY_PORT: "7070",
      GATEWAY_CLUSTERS: "c=http://z:2, a=http://old",
      GATEWAY_UPSTREAM: "http://up:3",
    });
    expect(options.port).toBe(9090);
    expect(options.clusters).toEqual({ a: "http://x:1", b: "https://y", c: "http://z:2" });
    expect(options.upstreamUrl).toBe("http://up:3");
  });
});
