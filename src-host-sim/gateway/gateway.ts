// The local gateway: an HTTP server that runs every incoming request through the product module
// inside the host simulator, with the module's http calls sent over real HTTP to the URL mapped to
// each cluster name, and allowed requests proxied to an upstream (by default the echo upstream).
// The backend and system simulators, seeded from examples/seed.yaml, stand in for 3scale.
import { readFile } from "node:fs/promises";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BackendSimulator, type Clock, systemClock } from "../backend/index.js";
import { GuestWatchdogError, type HttpStream, type LogLevelName, type LogRecord, ProxyWasmSimulator, SimulatorLoadError, VirtualClock } from "../index.js";
import { SeedError, seedFromFile } from "../seed/seed.js";
import { SystemSimulator } from "../system/index.js";
import { clusterHandler, parseClusterUrl } from "./clusters.js";
import { GatewayError, displayPath, loadPluginConfig } from "./config.js";
import { type EchoUpstream, listen, startEchoUpstream } from "./upstream.js";
import { AccessLogEntry } from "./access-log.js";
import {
  CONNECT_REFUSAL, DEFAULT_MAX_REQUEST_BODY_BYTES, type GatewayRefusal, MAX_REQUEST_HEADERS_BYTES, REFUSE, type RequestTarget,
  declaredBodyLength, expectsBody, hostHeaderCount, requestTarget,
} from "./admission.js";
import { DEFAULT_UPSTREAM_IDLE_MS, type UpstreamRequest, sendUpstream, upstreamAgent } from "./forward.js";
import { PendingBody } from "./pending-body.js";

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
  /** module and access-log lines at or above this level go to onLog (default "info") */
  logLevel?: LogLevelName;
  /** request bodies above this many bytes get 413 (default 1 MiB, Envoy's buffer limit) */
  maxRequestBodyBytes?: number;
  /** idle upstream connections are closed after this long (default 4000 ms, below the echo upstream's 5 s) */
  upstreamIdleMs?: number;
  /** on stop, requests in flight get this long to finish before their connections are cut (default 5000 ms) */
  drainMs?: number;
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
  private upstreamAgent = upstreamAgent(DEFAULT_UPSTREAM_IDLE_MS);
  private stopped = false;
  private inFlight = 0;
  private maxRequestBody = DEFAULT_MAX_REQUEST_BODY_BYTES;
  private drainMs = 5000;
  private minLevel = LEVEL_NAMES.indexOf("info");
  private onLog: ((line: string) => void) | undefined;

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

      const minLevel = LEVEL_NAMES.indexOf(options.logLevel ?? "info");
      const errors: string[] = [];
      // Until the gateway is up, module errors go into the one-line start error instead, and the
      // other lines (configuration accepted, system fetches) wait to be printed once it is up.
      let live = false;
      const startupLines: string[] = [];
      const onLog = (r: LogRecord) => {
        if (!live && r.level >= 4) errors.push(r.message);
        if (r.level < minLevel) return;
        const line = `[${LEVEL_NAMES[r.level] ?? r.level}] ${r.message}`;
        if (live) options.onLog?.(line);
        else startupLines.push(line);
      };
      const clock = new VirtualClock(Date.now());
      let sim: ProxyWasmSimulator;
      try {
        sim = await ProxyWasmSimulator.create(wasm, {
          rootId: "",
          pluginConfiguration: cfg.config,
          clusters: handlers,
          clock,
          // The module sees the gateway's level, as it sees Envoy's: debug lines cost nothing at info.
          logLevel: options.logLevel ?? "info",
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

      const server = createServer({ maxHeaderSize: MAX_REQUEST_HEADERS_BYTES });
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
      gw.maxRequestBody = options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
      gw.upstreamAgent = upstreamAgent(options.upstreamIdleMs ?? DEFAULT_UPSTREAM_IDLE_MS);
      gw.drainMs = options.drainMs ?? 5000;
      gw.minLevel = minLevel;
      gw.onLog = options.onLog;
      server.on("request", (req, res) => gw.onRequest(req, res));
      server.on("connect", (req: IncomingMessage, socket: Socket) => gw.onConnect(req, socket));
      server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => gw.onClientError(err, socket));
      // The module's timers (ticks, call timeouts) run on the virtual clock: keep it on wall time.
      gw.pump = setInterval(() => {
        const lag = Date.now() - clock.nowMs();
        if (lag > 0) clock.advance(lag);
      }, 50);
      gw.pump.unref();
      live = true;
      for (const line of startupLines) options.onLog?.(line);
      return gw;
    } catch (e) {
      await cleanup();
      throw e;
    }
  }

  /**
   * stop shuts down gracefully: no new connections, idle ones closed, requests in flight get
   * `drainMs` to finish (their connections close after the reply), then everything is cut.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    const deadline = setTimeout(() => this.server.closeAllConnections(), this.drainMs);
    await closed;
    clearTimeout(deadline);
    if (this.pump) clearInterval(this.pump);
    this.upstreamAgent.destroy();
    await this.upstream?.close();
    await this.system.stop();
    await this.backend.stop();
  }

  /** requestsInFlight: requests received and not yet answered. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** onConnect answers CONNECT as Envoy's default connection manager does (no CONNECT upgrade). */
  private onConnect(req: IncomingMessage, socket: Socket): void {
    const log = new AccessLogEntry("CONNECT", req.url ?? "", "");
    log.reply = "gateway upgrade_failed";
    socket.on("error", () => {});
    socket.end(CONNECT_REFUSAL);
    this.log("info", log.line(403, 0));
  }

  /** onClientError: requests the HTTP parser refused (oversized headers → 431), as Envoy answers them. */
  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
    const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
    const body = tooLarge ? "Request Header Fields Too Large" : "Bad Request";
    this.log("info", `access: - - - ${status.slice(0, 3)} 0.0ms gateway ${tooLarge ? "headers_too_large" : `codec_error (${err.code ?? "?"})`}`);
    socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  }

  /** onRequest: Envoy's checks, the filter on the headers, then the upstream or a local reply. */
  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    this.inFlight++;
    const log = new AccessLogEntry(req.method ?? "", req.headers.host ?? "", req.url ?? "/");
    res.on("close", () => {
      this.inFlight--;
      this.log("info", log.line(res.statusCode, performance.now() - startedAt));
      if (this.stopped) this.server.closeIdleConnections();
    });
    if (this.stopped) res.shouldKeepAlive = false;
    // A client that goes away mid-body: its request errors; only its own response is dropped.
    req.on("error", () => res.destroy());
    const refuse = (r: GatewayRefusal) => {
      log.reply = `gateway ${r.details}`;
      // Like Envoy after a codec or buffer-limit error, the connection closes: the rest of a
      // refused body is never read.
      res.shouldKeepAlive = false;
      res.writeHead(r.status, { "content-type": "text/plain", "content-length": Buffer.byteLength(r.body), connection: "close" });
      res.end(r.body);
    };
    if (hostHeaderCount(req) > 1) return refuse(REFUSE.duplicateHost());
    const target = requestTarget(req.url ?? "/", req.headers.host);
    if (!target) return refuse(REFUSE.badTarget());
    log.authority = target.authority;
    log.path = target.path;
    const declared = declaredBodyLength(req);
    if (declared !== null && declared > this.maxRequestBody) return refuse(REFUSE.bodyTooLarge());
    this.exchange(req, res, target, log, refuse).catch((e: unknown) => {
      // A module call that never returned was stopped: say so once, the VM is failed from now on.
      if (e instanceof GuestWatchdogError) process.stderr.write(`${e.message}\n`);
      log.reply = "gateway error";
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("gateway error\n");
      } else res.destroy();
    });
  }

  private async exchange(req: IncomingMessage, res: ServerResponse, target: RequestTarget, log: AccessLogEntry, refuse: (r: GatewayRefusal) => void): Promise<void> {
    const headers: Array<[string, string]> = [
      [":method", req.method ?? "GET"],
      [":path", target.path],
      [":authority", target.authority],
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
    // While the filter decides, the body waits here, up to the limit (Envoy's buffer limit);
    // once the request may go on, it streams to the upstream without being held whole.
    const body = new PendingBody(req, this.maxRequestBody);
    stream.sendRequestHeaders(headers, { endOfStream: !expectsBody(req) });
    let timer: NodeJS.Timeout | undefined;
    const decision = await Promise.race([
      stream.whenRequestDecided(),
      body.overflowed.then(() => "overflow" as const),
      // A module that pauses without ever deciding would hold the client forever: give up after 60 s.
      new Promise<"stuck">((r) => {
        timer = setTimeout(() => r("stuck"), 60_000);
      }),
    ]);
    clearTimeout(timer);
    if (decision === "overflow") {
      stream.reset();
      body.discard();
      refuse(REFUSE.bodyTooLarge());
      return;
    }
    if (decision === "stuck" || decision === "stalled") {
      // Envoy would hold a request stalled on a failed VM until one of its timeouts.
      stream.reset();
      log.reply = "gateway filter_timeout";
      res.writeHead(504, { "content-type": "text/plain" });
      res.end(decision === "stuck" ? "the filter did not decide within 60 s\n" : "the Wasm VM failed while this request was paused on it; Envoy holds such a request until a timeout\n");
      return;
    }
    if (decision === "reset") {
      log.reply = "reset";
      res.destroy();
      return;
    }
    if (decision !== "continued") {
      if (!body.discard()) res.shouldKeepAlive = false;
      log.reply = `filter ${stream.localResponse?.details || "local_reply"}`;
      this.replyFromFilter(stream, res);
      stream.complete();
      return;
    }
    const up = stream.forwardedUpstream!;
    const result = await sendUpstream(this.upstreamAgent, { ...this.upstreamRequest(up.headers ?? []), ...body.forUpstream() });
    if ("failed" in result && body.exceededWhileStreaming) {
      stream.reset();
      refuse(REFUSE.bodyTooLarge());
      return;
    }
    if ("failed" in result) {
      log.reply = `upstream connect error (${result.failed})`;
      stream.sendResponseHeaders([[":status", "503"], ["content-type", "text/plain"]], { endOfStream: false });
      stream.sendResponseBody(Buffer.from(UPSTREAM_FAILED), { endOfStream: true });
      this.replyFromFilter(stream, res);
      stream.complete();
      return;
    }
    const r = result.res;
    log.reply = result.retried ? "upstream (retried once)" : "upstream";
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) {
      const name = r.rawHeaders[i]!.toLowerCase();
      if (!HOP_BY_HOP.has(name)) pairs.push([name, r.rawHeaders[i + 1]!]);
    }
    const noBody = req.method === "HEAD" || r.statusCode === 204 || r.statusCode === 304 || r.headers["content-length"] === "0";
    stream.sendResponseHeaders([[":status", String(r.statusCode ?? 502)], ...pairs], { endOfStream: noBody });
    const down = stream.sentDownstream;
    if (!down?.headers || stream.localResponse) {
      r.resume();
      this.replyFromFilter(stream, res);
      stream.complete();
      return;
    }
    // The module leaves response bodies alone: they stream from the upstream to the client.
    const out: Array<[string, string]> = [];
    let status = 502;
    for (const [k, v] of down.headers) {
      if (k === ":status") status = Number(v) || 502;
      else if (!k.startsWith(":") && !HOP_BY_HOP.has(k)) out.push([k, v]);
    }
    res.writeHead(status, out.flat());
    r.pipe(res);
    await new Promise<void>((done) => {
      res.on("close", done);
      r.on("error", () => res.destroy());
      // The upstream answered before the whole body was sent, and the body then outgrew the limit.
      r.on("close", () => {
        if (body.exceededWhileStreaming && !res.writableFinished) res.destroy();
      });
    });
    stream.complete();
  }

  /** replyFromFilter sends what the filter let through to the client (a local reply, buffered). */
  private replyFromFilter(stream: HttpStream, res: ServerResponse): void {
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

  /** upstreamRequest: the request line and headers the filter let through, for the upstream. */
  private upstreamRequest(headers: Array<[string, string]>): Omit<UpstreamRequest, "head" | "rest"> {
    const target = parseClusterUrl(this.upstreamUrl)!;
    const pseudo = new Map(headers.filter(([k]) => k.startsWith(":")));
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of headers) {
      if (k.startsWith(":") || HOP_BY_HOP.has(k)) continue;
      outHeaders[k] = outHeaders[k] === undefined ? v : `${outHeaders[k]}, ${v}`;
    }
    outHeaders["host"] = pseudo.get(":authority") ?? target.hostname;
    return { target, method: pseudo.get(":method") ?? "GET", path: pseudo.get(":path") ?? "/", headers: outHeaders };
  }

  private log(level: LogLevelName, line: string): void {
    if (LEVEL_NAMES.indexOf(level) >= this.minLevel) this.onLog?.(`[${level}] ${line}`);
  }
}

const UPSTREAM_FAILED = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";

export { GatewayError };
