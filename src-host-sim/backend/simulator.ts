// The backend (apisonator) simulator: a real HTTP server on 127.0.0.1 plus an in-process API for
// tests (counters, application state, received requests, reports, injectable clock).
import { type IncomingMessage, STATUS_CODES, type ServerResponse, createServer } from "node:http";
import type { Duplex } from "node:stream";
import { HttpListener } from "../http/server.js";
import { type Seed, seedFromFile, seedFromObject } from "../seed/seed.js";
import { type BackendRequest, type BackendResponse, handleBackendRequest } from "./listener.js";
import { type Clock, type Period, systemClock } from "./periods.js";
import { type ReportJob, processReport } from "./report.js";
import type { Application, BackendStore, ReportError } from "./store.js";

export interface BackendSimulatorOptions {
  /** a seed file path, a parsed seed object, or an already-built Seed; default: empty store */
  seed?: string | Seed | Record<string, unknown>;
  clock?: Clock;
  host?: string;
  /** 0 (default) = ephemeral */
  port?: number;
  /** keep only the last N received requests (default: all; long-running gateways bound it) */
  maxRecordedRequests?: number;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body: Uint8Array;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

function isSeed(v: unknown): v is Seed {
  return typeof v === "object" && v !== null && "store" in v && "accessTokens" in v;
}

export function loadSeed(seed: BackendSimulatorOptions["seed"]): Seed {
  if (seed === undefined) return seedFromObject({ services: [] });
  if (typeof seed === "string") return seedFromFile(seed);
  if (isSeed(seed)) return seed;
  return seedFromObject(seed);
}

/** Largest request head accepted: Rack's own limits (4 MiB query) apply after it. */
const MAX_HEADER_BYTES = 8 * 1024 * 1024;

export class BackendSimulator {
  clock: Clock;
  store: BackendStore;
  readonly requests: ReceivedRequest[] = [];
  private readonly seedSource: BackendSimulatorOptions["seed"];
  private queue: ReportJob[] = [];
  private pendingFlush: Promise<void> | null = null;
  private readonly listener = new HttpListener();

  constructor(private readonly options: BackendSimulatorOptions = {}) {
    this.seedSource = options.seed;
    this.store = loadSeed(options.seed).store;
    this.clock = options.clock ?? systemClock;
  }

  /** Base URL (`http://127.0.0.1:<port>/`) once started. */
  get url(): string {
    return this.listener.url;
  }

  start(): Promise<string> {
    return this.listener.start(() => {
      const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, insecureHTTPParser: true }, (req, res) => this.onRequest(req, res));
      server.keepAliveTimeout = 5000;
      server.on("clientError", (e: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) =>
        this.onClientError(e, socket),
      );
      return server;
    }, this.options.port, this.options.host);
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  /** Answers one request in-process (no socket); recorded like a network request. */
  handle(req: BackendRequest): BackendResponse {
    const res = handleBackendRequest(
      { store: this.store, clock: this.clock, enqueue: (job) => this.enqueue(job) },
      req,
    );
    const q = req.url.indexOf("?");
    this.requests.push({
      method: req.method,
      url: req.url,
      path: q < 0 ? req.url : req.url.slice(0, q),
      query: q < 0 ? "" : req.url.slice(q + 1),
      headers: req.headers,
      body: req.body ?? new Uint8Array(0),
      status: res.status,
      responseHeaders: res.headers,
      responseBody: res.body,
    });
    const max = this.options.maxRecordedRequests ?? Infinity;
    if (this.requests.length > max) this.requests.splice(0, this.requests.length - max);
    return res;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
      // Node decodes the request target as latin1: each char is one byte of the original.
      const out = this.handle({ method: req.method ?? "GET", url: req.url ?? "/", headers, body: Buffer.concat(chunks) });
      res.writeHead(out.status, out.headers);
      res.end(out.body);
    });
  }

  // Node's parser refuses raw bytes >= 0x80 in the request target, which Puma passes on to
  // Rack (and apisonator answers 422). Such a request is answered here from the raw packet.
  private onClientError(e: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
    const raw = e.rawPacket;
    const headEnd = raw ? raw.indexOf("\r\n\r\n") : -1;
    if (e.code !== "HPE_INVALID_URL" || !raw || headEnd < 0 || !socket.writable) {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
      return;
    }
    const lines = raw.subarray(0, headEnd).toString("latin1").split("\r\n");
    const [method = "GET", url = "/"] = lines[0]!.split(" ");
    const headers: Record<string, string | undefined> = {};
    for (const line of lines.slice(1)) {
      const c = line.indexOf(":");
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    const out = this.handle({ method, url, headers, body: new Uint8Array(0) });
    const body = Buffer.from(out.body, "utf8");
    let head = `HTTP/1.1 ${out.status} ${STATUS_CODES[out.status] ?? ""}\r\n`;
    for (const [k, v] of Object.entries(out.headers)) head += `${k}: ${v}\r\n`;
    head += `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]));
  }

  // Reports (POST /transactions.xml) are applied later, in order, like apisonator's workers.
  private enqueue(job: ReportJob): void {
    this.queue.push(job);
    if (!this.pendingFlush) {
      this.pendingFlush = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pendingFlush = null;
        this.drain();
      });
    }
  }

  private drain(): void {
    const jobs = this.queue;
    this.queue = [];
    for (const job of jobs) processReport(this.store, this.clock, job);
  }

  /** Applies every accepted report now; resolves when they are all visible in the counters. */
  async flushReports(): Promise<void> {
    this.drain();
    if (this.pendingFlush) await this.pendingFlush;
  }

  /** Number of reports accepted (202) but not applied yet. */
  get pendingReports(): number {
    return this.queue.length;
  }

  /** A counter's stored value in the period instance containing `at` (default: now). */
  usage(serviceId: string, appId: string, metric: string, period: Period, at = this.clock.now()): number {
    return this.store.usage(serviceId, appId, metric, period, at);
  }

  /** Adds (or with set, replaces) usage as an accepted report would, without hierarchy. */
  addUsage(serviceId: string, appId: string, metric: string, value: number, at = this.clock.now(), set = false): void {
    this.store.apply(serviceId, appId, metric, value, set, at);
  }

  application(serviceId: string, appId: string): Application | undefined {
    return this.store.application(serviceId, appId);
  }

  setApplicationState(serviceId: string, appId: string, state: string): void {
    const app = this.store.application(serviceId, appId);
    if (!app) throw new Error(`no application ${appId} in service ${serviceId}`);
    app.state = state;
  }

  /** regenerateUserKey gives an application a new user_key, as the admin portal does: the old one stops working. */
  regenerateUserKey(serviceId: string, appId: string, userKey: string): void {
    const app = this.store.application(serviceId, appId);
    if (!app) throw new Error(`no application ${appId} in service ${serviceId}`);
    app.userKey = userKey;
  }

  /** revokeServiceToken makes 3scale refuse `token` for `serviceId`, as deleting it in the admin portal does. */
  revokeServiceToken(token: string, serviceId: string): void {
    if (!this.store.serviceTokens.delete(`${token}\n${serviceId}`)) throw new Error(`no service token for service ${serviceId}`);
  }

  /** deleteApplication removes an application; its counters stay, but nothing can report to it any more. */
  deleteApplication(serviceId: string, appId: string): void {
    const s = this.store.services.get(serviceId);
    if (!s || !s.applications.delete(appId)) throw new Error(`no application ${appId} in service ${serviceId}`);
  }

  setServiceState(serviceId: string, state: string): void {
    const s = this.store.services.get(serviceId);
    if (!s) throw new Error(`no service ${serviceId}`);
    s.state = state;
  }

  /** Asynchronous report errors (the provider's error log). */
  errors(serviceId?: string): ReportError[] {
    return this.store.errors.filter((e) => serviceId === undefined || e.serviceId === serviceId);
  }

  /** Back to the seed (file or object): counters, states, queued reports and recorded requests. */
  reset(): void {
    // A prebuilt Seed cannot be re-read: its counters and error log are cleared instead.
    if (isSeed(this.seedSource)) this.store.clearCounters();
    else this.store = loadSeed(this.seedSource).store;
    this.queue = [];
    this.requests.length = 0;
  }
}
