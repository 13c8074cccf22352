// The local gateway: an HTTP server that runs every incoming request through the product module
// inside the host simulator, with the module's http calls sent over real HTTP to the URL mapped to
// each cluster name, and allowed requests proxied to an upstream (by default the echo upstream).
// The backend and system simulators, seeded from examples/seed.yaml, stand in for 3scale.
import { readFile } from "node:fs/promises";
import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BackendSimulator, type Clock, systemClock } from "../backend/index.js";
import { GuestWatchdogError, type HttpStream, type LogLevelName, type LogRecord, ProxyWasmSimulator, SimulatorLoadError, VirtualClock } from "../index.js";
import { SeedError, seedFromFile } from "../seed/seed.js";
import { SystemSimulator } from "../system/index.js";
import { clusterHandler, parseClusterUrl } from "./clusters.js";
import { GatewayError, displayPath, loadPluginConfig } from "./config.js";
import { type EchoUpstream, closeServer, listen, startEchoUpstream } from "./upstream.js";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)).replace(/[\\/]dist[\\/]?$/, ""));
export const DEFAULT_CONFIG = "examples/quickstart.yaml";
export const DEFAULT_SEED = "examples/seed.yaml";
export const DEFAULT_MODULE = "build/threescale_wasm_auth.wasm";

export interface GatewayOptions {
  /** plugin configuration file (YAML/JSON, a pluginConfig or a whole WasmPlugin) */
  configPath?: string;
  seedPath?: string;
  modulePath?: string;
  host?: string;
  /** gateway port; 8080 by default, 0 = ephemeral */
  port?: number;
  backendPort?: number;
  systemPort?: number;
  upstreamPort?: number;
  /** proxy allowed requests here instead of the echo upstream */
  upstreamUrl?: string;
  /** cluster name → URL; overrides the defaults (backend cluster → backend simulator, system → system) */
  clusters?: Record<string, string>;
  /** module log lines at or above this level go to onLog (default "warn") */
  logLevel?: LogLevelName;
  onLog?: (line: string) => void;
  /** the backend simulator's clock (tests pin it so per-minute limits are deterministic) */
  backendClock?: Clock;
  /** how long start() waits for the first system fetches (ms, default 3000) */
  systemWarmupMs?: number;
}

const LEVEL_NAMES = ["trace", "debug", "info", "warn", "error", "critical"] as const;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer", "host"]);

/** Resolves a path given on the command line: absolute, relative to the cwd, else to the repo. */
function locate(p: string): string {
  return resolve(p);
}

export class Gateway {
  readonly clusters: Record<string, string>;
  private pump: NodeJS.Timeout | null = null;
  private readonly upstreamAgent = new Agent({ keepAlive: true, maxSockets: 256 });
  private stopped = false;

  private constructor(
    readonly url: string,
    readonly configPath: string,
    readonly sim: ProxyWasmSimulator,
    readonly backend: BackendSimulator,
    readonly system: SystemSimulator,
    readonly upstream: EchoUpstream | null,
    readonly upstreamUrl: string,
    private readonly server: Server,
    clusters: Record<string, string>,
  ) {
    this.clusters = clusters;
  }

  static async start(options: GatewayOptions = {}): Promise<Gateway> {
    const configPath = options.configPath ?? resolve(REPO_ROOT, DEFAULT_CONFIG);
    const cfg = loadPluginConfig(configPath);
    const shown = displayPath(configPath);
    const seedPath = options.seedPath ?? resolve(REPO_ROOT, DEFAULT_SEED);
    let seed;
    try {
      seed = seedFromFile(displayPath(locate(seedPath)));
    } catch (e) {
      if (e instanceof SeedError) throw new GatewayError(e.message);
      throw e;
    }
    const modulePath = options.modulePath ?? resolve(REPO_ROOT, DEFAULT_MODULE);
    let wasm: Uint8Array;
    try {
      wasm = new Uint8Array(await readFile(modulePath));
    } catch {
      throw new GatewayError(`${displayPath(modulePath)}: module not found (build it with npm run build)`);
    }

    const host = options.host ?? "127.0.0.1";
    const started: Array<() => Promise<void>> = [];
    const cleanup = async () => {
      for (const stop of started.reverse()) await stop().catch(() => {});
    };
    try {
      const backend = new BackendSimulator({
        seed,
        clock: options.backendClock ?? systemClock,
        host,
        port: options.backendPort ?? 0,
        maxRecordedRequests: 1000,
      });
      await backend.start();
      started.push(() => backend.stop());
      const system = new SystemSimulator({ seed, host, port: options.systemPort ?? 0 });
      system.useStore(backend.store);
      await system.start();
      started.push(() => system.stop());
      let upstream: EchoUpstream | null = null;
      let upstreamUrl = options.upstreamUrl ?? "";
      if (!upstreamUrl) {
        upstream = await startEchoUpstream(options.upstreamPort ?? 0, host);
        started.push(() => upstream!.close());
        upstreamUrl = upstream.url;
      }
      if (!parseClusterUrl(upstreamUrl)) throw new GatewayError(`upstream URL "${upstreamUrl}" is not an http(s) URL`);

      const clusters: Record<string, string> = {};
      if (cfg.backendCluster) clusters[cfg.backendCluster] = backend.url;
      if (cfg.systemCluster) clusters[cfg.systemCluster] = system.url;
      Object.assign(clusters, options.clusters ?? {});
      const handlers: Record<string, ReturnType<typeof clusterHandler>> = {};
      for (const [name, url] of Object.entries(clusters)) {
        const target = parseClusterUrl(url);
        if (!target) throw new GatewayError(`cluster ${name}: "${url}" is not an http(s) URL (config ${shown})`);
        handlers[name] = clusterHandler(target);
      }

      const minLevel = LEVEL_NAMES.indexOf(options.logLevel ?? "warn");
      const errors: string[] = [];
      // Until the gateway is up, module errors go into the one-line start error instead.
      let live = false;
      const onLog = (r: LogRecord) => {
        if (!live && r.level >= 4) errors.push(r.message);
        if (live && r.level >= minLevel) options.onLog?.(`[${LEVEL_NAMES[r.level] ?? r.level}] ${r.message}`);
      };
      const clock = new VirtualClock(Date.now());
      let sim: ProxyWasmSimulator;
      try {
        sim = await ProxyWasmSimulator.create(wasm, {
          rootId: "",
          pluginConfiguration: cfg.config,
          clusters: handlers,
          clock,
          envoyHeaderDefaults: true,
          trace: false,
          keepLogs: false,
          httpCallHistory: false,
          onLog,
        });
      } catch (e) {
        if (e instanceof SimulatorLoadError) throw new GatewayError(`${displayPath(modulePath)}: cannot load the module: ${e.message}`);
        throw e;
      }
      const result = sim.start();
      if (!result.ok) {
        const why = errors.filter((m) => !/^configuration rejected/.test(m)).slice(0, 3).join("; ");
        throw new GatewayError(`${shown}: the module rejected the configuration${why ? `: ${why}` : ` (${result.failState ?? "failed"})`}`);
      }
      // Let the first system fetches land before taking traffic.
      await Promise.race([sim.idle(), new Promise((r) => setTimeout(r, options.systemWarmupMs ?? 3000))]);

      const server = createServer({ maxHeaderSize: 1024 * 1024 });
      server.keepAliveTimeout = 5000;
      try {
        await listen(server, options.port ?? 8080, host);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "EADDRINUSE" ? "address already in use" : code === "EACCES" ? "permission denied" : (code ?? String(e));
        throw new GatewayError(`cannot listen on ${host}:${options.port ?? 8080}: ${why} (config ${shown})`);
      }
      const addr = server.address() as AddressInfo;
      const gw = new Gateway(`http://${addr.address}:${addr.port}/`, configPath, sim, backend, system, upstream, upstreamUrl, server, clusters);
      server.on("request", (req, res) => gw.onRequest(req, res));
      // The module's timers (ticks, call timeouts) run on the virtual clock: keep it on wall time.
      gw.pump = setInterval(() => {
        const lag = Date.now() - clock.nowMs();
        if (lag > 0) clock.advance(lag);
      }, 50);
      gw.pump.unref();
      live = true;
      return gw;
    } catch (e) {
      await cleanup();
      throw e;
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pump) clearInterval(this.pump);
    await closeServer(this.server);
    this.upstreamAgent.destroy();
    await this.upstream?.close();
    await this.system.stop();
    await this.backend.stop();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      this.exchange(req, res, Buffer.concat(chunks)).catch((e: unknown) => {
        // A module call that never returned was stopped: say so once, the VM is failed from now on.
        if (e instanceof GuestWatchdogError) process.stderr.write(`${e.message}\n`);
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end("gateway error\n");
        } else res.destroy();
      });
    });
  }

  private async exchange(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const headers: Array<[string, string]> = [
      [":method", req.method ?? "GET"],
      [":path", req.url ?? "/"],
      [":authority", req.headers.host ?? ""],
      [":scheme", "http"],
    ];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!.toLowerCase();
      if (!HOP_BY_HOP.has(name)) headers.push([name, req.rawHeaders[i + 1]!]);
    }
    const stream = this.sim.newHttpStream({
      source: { address: req.socket.remoteAddress ?? "127.0.0.1", port: req.socket.remotePort ?? 0 },
    });
    res.on("close", () => {
      if (!res.writableFinished && stream.requestDecision === null) stream.reset();
    });
    stream.sendRequestHeaders(headers, { endOfStream: body.length === 0 });
    if (body.length > 0) stream.sendRequestBody(body, { endOfStream: true });
    // A module that pauses without ever deciding would hold the client forever: give up after 60 s.
    let timer: NodeJS.Timeout | undefined;
    const decision = await Promise.race([
      stream.whenRequestDecided(),
      new Promise<"stuck">((r) => {
        timer = setTimeout(() => r("stuck"), 60_000);
      }),
    ]);
    clearTimeout(timer);
    if (decision === "stuck" || decision === "stalled") {
      // Envoy would hold a request stalled on a failed VM until one of its timeouts.
      stream.reset();
      res.writeHead(504, { "content-type": "text/plain" });
      res.end(decision === "stuck" ? "the filter did not decide within 60 s\n" : "the Wasm VM failed while this request was paused on it; Envoy holds such a request until a timeout\n");
      return;
    }
    if (decision === "reset") {
      res.destroy();
      return;
    }
    if (decision === "continued") {
      const up = stream.forwardedUpstream!;
      const answer = await this.proxy(up.headers ?? [], Buffer.from(up.body));
      stream.sendResponseHeaders([[":status", String(answer.status)], ...answer.headers], { endOfStream: answer.body.length === 0 });
      if (answer.body.length > 0) stream.sendResponseBody(answer.body, { endOfStream: true });
    }
    this.reply(stream, res);
    stream.complete();
  }

  private reply(stream: HttpStream, res: ServerResponse): void {
    const down = stream.sentDownstream;
    if (!down?.headers) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end("the filter held the response\n");
      return;
    }
    let status = 502;
    const out: Array<[string, string]> = [];
    for (const [k, v] of down.headers) {
      if (k === ":status") status = Number(v) || 502;
      else if (!k.startsWith(":") && k !== "content-length" && !HOP_BY_HOP.has(k)) out.push([k, v]);
    }
    out.push(["content-length", String(down.body.length)]);
    res.writeHead(status, out.flat());
    res.end(Buffer.from(down.body));
  }

  private proxy(headers: Array<[string, string]>, body: Buffer): Promise<{ status: number; headers: Array<[string, string]>; body: Buffer }> {
    const target = parseClusterUrl(this.upstreamUrl)!;
    const pseudo = new Map(headers.filter(([k]) => k.startsWith(":")));
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of headers) {
      if (k.startsWith(":") || HOP_BY_HOP.has(k)) continue;
      outHeaders[k] = outHeaders[k] === undefined ? v : `${outHeaders[k]}, ${v}`;
    }
    outHeaders["host"] = pseudo.get(":authority") ?? target.hostname;
    if (body.length > 0) outHeaders["content-length"] = String(body.length);
    return new Promise((resolveAnswer) => {
      const failed = () =>
        resolveAnswer({
          status: 503,
          headers: [["content-type", "text/plain"]],
          body: Buffer.from("upstream connect error or disconnect/reset before headers. reset reason: connection failure"),
        });
      const req = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: pseudo.get(":method") ?? "GET",
          path: pseudo.get(":path") ?? "/",
          headers: outHeaders,
          agent: this.upstreamAgent,
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("error", failed);
          r.on("end", () => {
            const pairs: Array<[string, string]> = [];
            for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) {
              const name = r.rawHeaders[i]!.toLowerCase();
              if (!HOP_BY_HOP.has(name)) pairs.push([name, r.rawHeaders[i + 1]!]);
            }
            resolveAnswer({ status: r.statusCode ?? 502, headers: pairs, body: Buffer.concat(chunks) });
          });
        },
      );
      req.on("error", failed);
      req.end(body);
    });
  }
}

export { GatewayError };
