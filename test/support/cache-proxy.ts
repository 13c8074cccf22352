// A simulated proxy for the cache tests and the cache figures of `npm run bench`: N worker VMs of the product module sharing one
// SharedDataStore and one VirtualClock (as Envoy's workers share a vm_id), whose backend cluster
// forwards every call over real HTTP to the 3scale backend simulator on 127.0.0.1. The cluster can
// be switched to an outage: connection refused, 5xx, or no answer at all (the call times out on
// the virtual clock).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { forward } from "./forward.js";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import {
  ProxyWasmSimulator, SharedDataStore, VirtualClock, type ClusterBehavior, type HttpCallRequest, type HttpCallResponseInit, type StreamOptions,
} from "../../src-host-sim/index.js";
import { modulePath } from "./modules.js";

export const CLUSTER = "backend";
export const SERVICE = "S1";
export const TOKEN = "st-secret";

export type Outage = "up" | "refused" | "5xx" | "timeout" | "redirect";

/**
 * The module under test: the release build, or another build named by THREESCALE_WASM_UNDER_TEST
 * (used to show that a regression test fails on an earlier version of the module).
 */
export function productModule(): string {
  return process.env.THREESCALE_WASM_UNDER_TEST ?? modulePath("product");
}

/** seed: service S1; app A (user_key uk-a) has `limit` hits per minute; B, C, D (uk-b…) are unlimited. */
export function seed(limit?: number) {
  return {
    services: [
      {
        id: SERVICE,
        provider_key: "pk",
        backend_version: "1",
        service_tokens: [TOKEN],
        metrics: [{ id: "1", name: "hits" }, { id: "2", name: "search", parent: "hits" }],
        plans: [
          { id: "limited", name: "limited", limits: limit === undefined ? [] : [{ metric: "hits", period: "minute", value: limit }] },
          { id: "free", name: "free", limits: [] },
        ],
        applications: [
          { id: "A", plan: "limited", user_key: "uk-a" },
          { id: "B", plan: "free", user_key: "uk-b" },
          { id: "C", plan: "free", user_key: "uk-c" },
          { id: "D", plan: "free", user_key: "uk-d" },
        ],
      },
      {
        id: "S2",
        provider_key: "pk",
        backend_version: "oauth",
        service_tokens: [TOKEN],
        metrics: [{ id: "1", name: "hits" }],
        plans: [{ id: "free", name: "free", limits: [] }],
        applications: [{ id: "client-1", plan: "free" }],
      },
    ],
  };
}

export interface CacheSettings {
  enabled?: boolean;
  ttl?: number;
  report_interval?: number;
  max_entries?: number;
}

/** filterConfig: one service S1, user_key in the query, GET / → hits 1, GET /search → search 1. */
export function filterConfig(url: string, cache: CacheSettings | null, failureMode?: string, timeout = 2000) {
  const backend: Record<string, unknown> = { upstream: { name: CLUSTER, url, timeout } };
  if (cache !== null) backend.cache = cache;
  if (failureMode !== undefined) backend.failure_mode = failureMode;
  return {
    api: "v1",
    backend,
    services: [
      {
        id: SERVICE,
        token: TOKEN,
        credentials: { user_key: [{ query_string: { keys: ["user_key"] } }] },
        mapping_rules: [
          { method: "GET", pattern: "/search", usages: [{ name: "search", delta: 1 }], last: true },
          { method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] },
        ],
      },
    ],
  };
}

/** closedPort: a 127.0.0.1 port nothing listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface CallRecord {
  method: string;
  path: string;
  body: string;
  vm: number;
  token: number;
  at: number;
}

/** Proxy: N worker VMs of one Envoy, in front of the backend simulator. */
export class Proxy {
  readonly vms: ProxyWasmSimulator[] = [];
  readonly calls: CallRecord[] = [];
  outage: Outage = "up";
  /** Drop the backend's 3scale-limit-* answer headers (as a backend without limit_headers would). */
  stripLimitHeaders = false;
  /** While true, report calls (POST) are answered 503 by the cluster; other calls go through. */
  failReports = false;
  /** With failReports: the answer report calls get instead of a 503. */
  reportAnswer: HttpCallResponseInit | null = null;
  private holding = false;
  private readonly behaviors: Array<Record<string, ClusterBehavior>> = [];

  private constructor(
    readonly backend: BackendSimulator,
    readonly clock: VirtualClock,
    readonly shared: SharedDataStore,
    private readonly refusedUrl: string,
  ) {}

  static async start(backend: BackendSimulator, workers: number, cfg: unknown, logLevel: "info" | "trace" = "info", shared = new SharedDataStore(), wasm?: string): Promise<Proxy> {
    const url = backend.url;
    const p = new Proxy(backend, new VirtualClock(), shared, `http://127.0.0.1:${await closedPort()}/`);
    for (let i = 0; i < workers; i++) {
      const vm = i;
      const handler = (call: HttpCallRequest): Promise<HttpCallResponseInit | "fail"> | HttpCallResponseInit => {
        p.calls.push({ method: call.method, path: call.path, body: call.bodyText, vm, token: call.token, at: p.clock.nowMs() });
        if (p.outage === "5xx") return { status: 503, headers: { "content-type": "text/plain" }, body: "upstream unavailable" };
        if (p.outage === "redirect") return { status: 302, headers: { location: "https://elsewhere.example/" }, body: "" };
        if (p.failReports && call.method === "POST") return p.reportAnswer ?? { status: 503, headers: { "content-type": "text/plain" }, body: "upstream unavailable" };
        const answer = forward(p.outage === "refused" ? p.refusedUrl : url, call);
        if (!p.stripLimitHeaders) return answer;
        return answer.then((r) => (r === "fail" ? r : { ...r, headers: (r.headers as Array<[string, string]>).filter(([k]) => !k.startsWith("3scale-limit-")) }));
      };
      const behaviors: Record<string, ClusterBehavior> = { [CLUSTER]: handler };
      p.behaviors.push(behaviors);
      const sim = await ProxyWasmSimulator.create(wasm ?? productModule(), {
        rootId: "threescale-wasm-auth",
        logLevel,
        pluginConfiguration: cfg as never,
        clusters: behaviors,
        clock: p.clock,
        sharedData: p.shared,
        trace: false,
      });
      const r = sim.start();
      if (!r.ok) throw new Error(`worker ${i} did not start: ${JSON.stringify(sim.logs.map((l) => l.message))}`);
      p.vms.push(sim);
    }
    return p;
  }

  /** setOutage switches every worker's backend cluster; "timeout" leaves calls unanswered. */
  setOutage(o: Outage): void {
    this.outage = o;
    for (const b of this.behaviors) {
      const handler = b[CLUSTER];
      if (o === "timeout") {
        if (typeof handler === "function") (b as Record<string, unknown>).__saved = handler;
        b[CLUSTER] = "manual";
      } else if (b[CLUSTER] === "manual") {
        b[CLUSTER] = (b as Record<string, unknown>).__saved as ClusterBehavior;
      }
    }
  }

  /** holdCalls: calls made from now on stay in flight (unanswered) until answerHeld(). */
  holdCalls(): void {
    this.holding = true;
    for (const b of this.behaviors) {
      if (typeof b[CLUSTER] === "function") (b as Record<string, unknown>).__held = b[CLUSTER];
      b[CLUSTER] = "manual";
    }
  }

  /** resumeCalls: new calls are answered again; calls made while holding stay in flight. */
  resumeCalls(): void {
    this.holding = false;
    for (const b of this.behaviors) if (b[CLUSTER] === "manual") b[CLUSTER] = (b as Record<string, unknown>).__held as ClusterBehavior;
  }

  /** answerHeld answers every call still in flight: forwarded to the backend, or 503. */
  async answerHeld(how: "forward" | "5xx"): Promise<void> {
    for (const vm of this.vms) {
      for (const call of vm.httpCalls.pending()) {
        const r = how === "5xx" ? { status: 503, headers: { "content-type": "text/plain" }, body: "upstream unavailable" } : await forward(this.backend.url, call);
        if (r === "fail") call.fail();
        else call.respond(r);
      }
    }
    await this.settle();
  }

  /** reconfigure sends a new plugin configuration to every worker (an xDS update). */
  reconfigure(cfg: unknown): void {
    for (const [i, vm] of this.vms.entries()) if (!vm.reconfigure(cfg as never)) throw new Error(`worker ${i} rejected the configuration`);
  }

  /** send runs one request on worker `vm` and returns the status the client sees (200 = upstream). */
  async send(vm: number, path: string, metadata?: StreamOptions["metadata"]): Promise<number> {
    return (await this.exchange(vm, path, [], metadata)).status;
  }

  /** exchange runs one request with extra headers; it returns the status and, when allowed, the headers sent upstream. */
  async exchange(vm: number, path: string, extra: Array<[string, string]>, metadata?: StreamOptions["metadata"]): Promise<{ status: number; upstream: Array<[string, string]> | null }> {
    const sim = this.vms[vm]!;
    const s = sim.newHttpStream(metadata ? { metadata } : {});
    const phase = s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "api.example.com"], [":scheme", "http"], ...extra], { endOfStream: true });
    if (phase.trapped) throw new Error(`worker ${vm} trapped: ${JSON.stringify(phase.trapped)}`);
    if (this.outage === "timeout" && s.status === "paused-request") {
      await this.settle(); // calls already on the wire finish before time jumps under them
      this.clock.advance(2500); // past the upstream timeout: Envoy answers the call with 504
    }
    const decision = await s.whenRequestDecided();
    let status: number;
    let upstream: Array<[string, string]> | null = null;
    if (decision === "continued") {
      upstream = (s.forwardedUpstream?.headers ?? []).map(([k, v]) => [String(k), String(v)] as [string, string]);
      s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
      status = 200;
    } else status = s.localResponse?.status ?? 0;
    s.complete();
    return { status, upstream };
  }

  /**
   * advance moves the shared clock (ticks fire on every worker) in steps of at most one tick,
   * letting the real HTTP calls of each step complete before virtual time moves on (otherwise a
   * report answered over the socket could look timed out, see docs/cache.md on timeouts).
   */
  async advance(ms: number): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(1000, left);
      this.clock.advance(step);
      left -= step;
      await this.settle();
    }
  }

  async settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      for (const vm of this.vms) await vm.idle();
      await this.backend.flushReports();
    }
  }

  /** authorizeCalls / reportCalls: the backend calls the workers made. */
  authorizeCalls(): CallRecord[] {
    return this.calls.filter((c) => c.path.startsWith("/transactions/authorize.xml"));
  }

  reportCalls(): CallRecord[] {
    return this.calls.filter((c) => c.method === "POST" && c.path.startsWith("/transactions.xml"));
  }

  authrepCalls(): CallRecord[] {
    return this.calls.filter((c) => c.path.startsWith("/transactions/authrep.xml"));
  }

  logs(): string[] {
    return this.vms.flatMap((v) => v.logs.map((l) => l.message));
  }
}

export async function startBackend(limit?: number): Promise<BackendSimulator> {
  const b = new BackendSimulator({ seed: seed(limit), clock: new ManualClock("2026-01-01T00:00:10Z") });
  await b.start();
  return b;
}

/** EMPTY_SLOT_BYTES: the size of a slot created empty (a fixed 61-byte header, two empty strings, no metric). */
export const EMPTY_SLOT_BYTES = 74;

/** sharedBytes: every shared-data key and value of every vm_id, in bytes (what the filter costs the proxy). */
export function sharedBytes(store: SharedDataStore): number {
  const data = (store as unknown as { data: Map<string, Map<string, { value: Uint8Array }>> }).data;
  let n = 0;
  for (const m of data.values()) for (const [k, e] of m) n += Buffer.byteLength(k) + e.value.length;
  return n;
}

/** sharedKeys lists every shared-data key of every vm_id (the store keeps them private). */
export function sharedKeys(store: SharedDataStore): string[] {
  const data = (store as unknown as { data: Map<string, Map<string, unknown>> }).data;
  return [...data.values()].flatMap((m) => [...m.keys()]);
}

/** driveRate sends `perSecond` requests per second for `seconds` over 2 workers (one backend minute); the statuses, in order. */
export async function driveRate(p: Proxy, perSecond: number, seconds: number, paths = ["/?user_key=uk-a"]): Promise<number[]> {
  const outcomes: number[] = [];
  const step = 1000 / perSecond;
  for (let i = 0; i < perSecond * seconds; i++) {
    outcomes.push(await p.send(i % 2, paths[i % paths.length]!));
    await p.advance(step);
  }
  return outcomes;
}
