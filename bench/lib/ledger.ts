// The usage ledger (docs/cache.md, "Guarantees"): a randomized schedule over several worker VMs
// of the product module sharing data, in front of the apisonator-exact backend simulator over
// real HTTP on 127.0.0.1, with valid and invalid keys, keys regenerated and applications deleted
// mid-interval, outages of every kind, reconfigurations, slot pressure and concurrent misses.
// At quiescence it checks, for every application, that 3scale counted exactly what the filter
// allowed (a report whose answer was lost after 3scale took it may count once more, and the
// schedule knows exactly which), that identity headers only vouched for real credentials, and
// after every step that shared data stayed within its documented byte bound.
// Used by test/cache/ledger.test.ts (a bounded number of seeds in CI) and `npm run fuzz`.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import {
  ProxyWasmSimulator, SharedDataStore, VirtualClock, type ClusterBehavior, type HttpCallRequest, type HttpCallResponseInit,
} from "../../src-host-sim/index.js";
import { forward } from "../../test/support/forward.js";
import { Prng } from "../../test/support/prng.js";

const CLUSTER = "backend";
const TOKEN = "st-ledger";
const SLOT_PREFIX = "threescale-wasm-auth/cache/v1/slot/";
const FIXED_KEYS = ["next-flush", "vm-counter", "backend-down-until"];
/** The largest slot value the filter writes (docs/cache.md, "Shared data"). */
export const MAX_RECORD_BYTES = 1024;
const UPSTREAM_TIMEOUT_MS = 2000;

/** sharedDataBound: the byte bound of everything the filter keeps in shared data for `maxEntries` slots. */
export function sharedDataBound(maxEntries: number): number {
  let n = 0;
  for (let i = 0; i < maxEntries; i++) n += Buffer.byteLength(SLOT_PREFIX + i) + MAX_RECORD_BYTES;
  for (const k of FIXED_KEYS) n += Buffer.byteLength(`threescale-wasm-auth/cache/v1/${k}`) + 8;
  return n;
}

type Outage = "up" | "refused" | "5xx" | "timeout" | "lost-after-receipt";

interface App {
  service: string;
  id: string;
  /** current user_key (user_key services) or app_key (app_id service) */
  key: string;
  /** every key this app ever had: identity headers may vouch for any (a verdict may still be fresh) */
  keys: Set<string>;
  /** regenerated or deleted during the run: its own usage may be lost, never more than allowed */
  touched: boolean;
  deleted: boolean;
  allowedHits: number;
}

export interface LedgerOptions {
  seed: number;
  steps?: number;
  workers?: number;
  /** Adds every call and decision that concerns this application id to the trail (replay). */
  debugApp?: string;
}

export interface LedgerReport {
  seed: number;
  steps: number;
  requests: number;
  allowed: number;
  reports: number;
  /** usage counted once more because a report's answer was lost after 3scale took it */
  lostAnswers: number;
  maxSharedBytes: number;
  trail: string[];
  /** empty when every check held */
  violations: string[];
}

const USER_KEY_SERVICES = ["S1", "S2"];
const APP_ID_SERVICE = "S3";

function backendSeed(apps: App[]) {
  const services = [...USER_KEY_SERVICES, APP_ID_SERVICE].map((id) => ({
    id,
    provider_key: "pk",
    backend_version: id === APP_ID_SERVICE ? "2" : "1",
    service_tokens: [TOKEN],
    metrics: [{ id: "1", name: "hits" }, { id: "2", name: "search", parent: "hits" }],
    plans: [{ id: "free", name: "free", limits: [] }],
    applications: apps.filter((a) => a.service === id).map((a) =>
      id === APP_ID_SERVICE ? { id: a.id, plan: "free", keys: [a.key] } : { id: a.id, plan: "free", user_key: a.key }),
  }));
  return { services };
}

interface Settings {
  enabled: boolean;
  ttl: number;
  interval: number;
  maxEntries: number;
  mode: "closed" | "open" | "resilient";
}

function filterConfig(url: string, s: Settings) {
  const rules = [
    { method: "GET", pattern: "/search", usages: [{ name: "search", delta: 1 }], last: true },
    { method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] },
  ];
  return {
    api: "v1",
    backend: {
      upstream: { name: CLUSTER, url, timeout: UPSTREAM_TIMEOUT_MS },
      cache: { enabled: s.enabled, ttl: s.ttl, report_interval: s.interval, max_entries: s.maxEntries },
      failure_mode: s.mode,
    },
    services: [
      ...USER_KEY_SERVICES.map((id) => ({
        id,
        token: TOKEN,
        authorities: [`${id.toLowerCase()}.example.com`],
        credentials: { user_key: [{ query_string: { keys: ["user_key"] } }] },
        mapping_rules: rules,
      })),
      {
        id: APP_ID_SERVICE,
        token: TOKEN,
        authorities: [`${APP_ID_SERVICE.toLowerCase()}.example.com`],
        identity_headers: { app_id: "x-3scale-app-id" },
        credentials: { app_id: [{ header: { keys: ["app-id"] } }], app_key: [{ header: { keys: ["app-key"] } }] },
        mapping_rules: rules,
      },
    ],
  };
}

async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/`;
}

const SERVICE_UNAVAILABLE: HttpCallResponseInit = { status: 503, headers: { "content-type": "text/plain" }, body: "upstream unavailable" };

/** runLedger runs one schedule; it never throws for a violation, it lists them. */
export async function runLedger(modulePath: string, opts: LedgerOptions): Promise<LedgerReport> {
  const rng = new Prng(opts.seed);
  const steps = opts.steps ?? 120;
  const workers = opts.workers ?? 3;
  const apps: App[] = [];
  for (const service of [...USER_KEY_SERVICES, APP_ID_SERVICE]) {
    for (let i = 0; i < 4; i++) {
      const key = `${service.toLowerCase()}-k${i}-${rng.string(6, "abcdefghijklmnopqrstuvwxyz0123456789")}`;
      apps.push({ service, id: `${service}-app${i}`, key, keys: new Set([key]), touched: false, deleted: false, allowedHits: 0 });
    }
  }
  const backend = new BackendSimulator({ seed: backendSeed(apps), clock: new ManualClock("2026-01-01T00:00:10Z") });
  await backend.start();
  const refusedUrl = await closedPortUrl();
  const clock = new VirtualClock();
  const shared = new SharedDataStore();
  const report: LedgerReport = { seed: opts.seed, steps, requests: 0, allowed: 0, reports: 0, lostAnswers: 0, maxSharedBytes: 0, trail: [], violations: [] };
  const extra = new Map<string, number>(); // app → hits counted once more (lost answers)
  let outage = "up" as Outage;
  let maxEntriesEver = 0;
  const vms: ProxyWasmSimulator[] = [];
  const behaviors: Array<Record<string, ClusterBehavior>> = [];

  const appByCredential = (service: string, cred: string): App | undefined =>
    apps.find((a) => a.service === service && (service === APP_ID_SERVICE ? a.id === cred : a.key === cred && !a.deleted));

  /** hitsOfReport: the hits a report body carries, per app (usage[hits] + usage[search], as 3scale propagates). */
  const noteLostReport = (body: string) => {
    const f = new URLSearchParams(body);
    const service = f.get("service_id") ?? "";
    const cred = f.get("transactions[0][user_key]") ?? f.get("transactions[0][app_id]") ?? "";
    const app = appByCredential(service, cred);
    if (!app) return;
    const hits = Number(f.get("transactions[0][usage][hits]") ?? 0) + Number(f.get("transactions[0][usage][search]") ?? 0);
    extra.set(app.id, (extra.get(app.id) ?? 0) + hits);
    report.lostAnswers++;
  };

  const noteLostAuthrep = (path: string) => {
    const q = new URLSearchParams(path.slice(path.indexOf("?") + 1));
    const service = q.get("service_id") ?? "";
    const app = appByCredential(service, q.get("user_key") ?? q.get("app_id") ?? "");
    if (!app) return;
    const hits = Number(q.get("usage[hits]") ?? 0) + Number(q.get("usage[search]") ?? 0);
    extra.set(app.id, (extra.get(app.id) ?? 0) + hits);
    report.lostAnswers++;
  };

  const debugKeys = () => {
    const app = apps.find((a) => a.id === opts.debugApp);
    return app ? [app.id, ...app.keys] : [];
  };
  const debugCall = (call: HttpCallRequest) => {
    if (!opts.debugApp) return;
    const text = call.path + " " + call.bodyText;
    if (debugKeys().some((k) => text.includes(k))) report.trail.push(`    call ${call.method} ${call.path.slice(0, 40)} ${call.bodyText.replace(/service_token=[^&]*/, "")} (outage ${outage}, t=${clock.nowMs()})`);
  };

  const handler = (call: HttpCallRequest): Promise<HttpCallResponseInit | "fail"> | HttpCallResponseInit | "fail" => {
    debugCall(call);
    const isReport = call.method === "POST";
    if (isReport) report.reports++;
    if (outage === "5xx") return SERVICE_UNAVAILABLE;
    if (outage === "lost-after-receipt") {
      // 3scale takes the call, then the answer is lost (a reset): the filter retries a report, and
      // an authrep that 3scale authorized has counted usage the filter cannot know about.
      return forward(backend.url, call).then((answer) => {
        if (isReport) noteLostReport(call.bodyText);
        else if (answer !== "fail" && answer.status === 200 && call.path.includes("/authrep.xml")) noteLostAuthrep(call.path);
        return "fail" as const;
      });
    }
    return forward(outage === "refused" ? refusedUrl : backend.url, call);
  };

  let settings: Settings = { enabled: true, ttl: 60, interval: 5, maxEntries: 8, mode: "open" };
  maxEntriesEver = settings.maxEntries;
  for (let i = 0; i < workers; i++) {
    const b: Record<string, ClusterBehavior> = { [CLUSTER]: handler };
    behaviors.push(b);
    const sim = await ProxyWasmSimulator.create(modulePath, {
      rootId: "threescale-wasm-auth",
      logLevel: "info",
      pluginConfiguration: filterConfig(backend.url, settings) as never,
      clusters: b,
      clock,
      sharedData: shared,
      trace: false,
      httpCallHistory: false,
    });
    if (!sim.start().ok) throw new Error("the module did not start");
    vms.push(sim);
  }

  const setOutage = (o: Outage) => {
    outage = o;
    for (const b of behaviors) b[CLUSTER] = o === "timeout" ? "manual" : handler;
  };
  const settle = async () => {
    for (let round = 0; round < 3; round++) {
      for (const vm of vms) await vm.idle();
      await backend.flushReports();
    }
  };
  const advance = async (ms: number) => {
    for (let left = ms; left > 0; left -= 1000) {
      clock.advance(Math.min(1000, left));
      await settle();
    }
  };
  const checkShared = () => {
    const data = (shared as unknown as { data: Map<string, Map<string, { value: Uint8Array }>> }).data;
    let n = 0;
    for (const m of data.values()) {
      for (const [k, e] of m) {
        n += Buffer.byteLength(k) + e.value.length;
        if (k.startsWith(SLOT_PREFIX) && e.value.length > MAX_RECORD_BYTES) report.violations.push(`${k} holds ${e.value.length} bytes`);
      }
    }
    report.maxSharedBytes = Math.max(report.maxSharedBytes, n);
    if (n > sharedDataBound(maxEntriesEver)) report.violations.push(`shared data ${n} bytes > bound ${sharedDataBound(maxEntriesEver)}`);
  };

  /** one request; returns when it is decided (the timeout outage moves the clock past the call timeout). */
  const request = async (vm: number) => {
    const service = rng.pick([...USER_KEY_SERVICES, APP_ID_SERVICE]);
    const path = rng.chance(0.3) ? "/search" : "/";
    const live = apps.filter((a) => a.service === service);
    const app = rng.pick(live);
    const headers: Array<[string, string]> = [[":method", "GET"], [":authority", `${service.toLowerCase()}.example.com`], [":scheme", "http"]];
    let fullPath = path;
    let named: App | undefined; // the application the credentials name
    let genuine = false; // the credentials are (or were) real
    if (service === APP_ID_SERVICE) {
      const r = rng.next();
      const appKey = r < 0.75 ? app.key : r < 0.9 ? `wrong-${rng.int(3)}` : app.key;
      const appId = r < 0.9 ? app.id : `unknown-${rng.int(3)}`;
      headers.push(["app-id", appId], ["app-key", appKey], ["x-3scale-app-id", "forged-by-client"]);
      named = r < 0.9 ? app : undefined;
      genuine = r < 0.75 && app.keys.has(appKey);
    } else {
      const junk = rng.chance(0.15);
      const key = junk ? `junk-${rng.int(5)}` : app.key;
      fullPath += `?user_key=${key}`;
      named = junk ? undefined : app;
      genuine = !junk;
    }
    headers.splice(1, 0, [":path", fullPath]);
    const sim = vms[vm]!;
    const s = sim.newHttpStream();
    const phase = s.sendRequestHeaders(headers, { endOfStream: true });
    if (phase.trapped) report.violations.push(`VM ${vm} trapped: ${JSON.stringify(phase.trapped)}`);
    report.requests++;
    if (outage === "timeout" && s.status === "paused-request") {
      // Let calls already on the wire finish first: time jumping under them would make their answers
      // late (a report's answer lost after 3scale took it, which the schedule controls on its own).
      await settle();
      clock.advance(UPSTREAM_TIMEOUT_MS + 500);
    }
    const decision = await s.whenRequestDecided();
    if (opts.debugApp && named?.id === opts.debugApp) report.trail.push(`    vm ${vm} ${fullPath} ${decision === "continued" ? "allowed" : s.localResponse?.status} (t=${clock.nowMs()})`);
    if (decision === "continued") {
      report.allowed++;
      const up = s.forwardedUpstream?.headers ?? [];
      const vouched = up.filter(([k]) => String(k) === "x-3scale-app-id").map(([, v]) => String(v));
      if (vouched.length > 0 && (!genuine || service !== APP_ID_SERVICE || vouched[0] !== app.id)) {
        report.violations.push(`identity header ${JSON.stringify(vouched)} on unverified credentials (${service}, step ${report.trail.length})`);
      }
      if (named) named.allowedHits++;
      s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
    }
    s.complete();
  };

  for (let step = 0; step < steps; step++) {
    const r = rng.next();
    if (r < 0.55) {
      // a burst of requests; concurrent misses on several workers when the backend answers
      const n = rng.range(1, 3);
      const concurrent = outage !== "timeout" && n > 1;
      report.trail.push(`requests ×${n}${concurrent ? " (concurrent)" : ""}`);
      if (concurrent) await Promise.all(Array.from({ length: n }, (_, i) => request((step + i) % workers)));
      else for (let i = 0; i < n; i++) await request(rng.int(workers));
    } else if (r < 0.75) {
      const ms = rng.pick([300, 1000, 2500, 5000, 11_000]);
      report.trail.push(`advance ${ms} ms`);
      await advance(ms);
    } else if (r < 0.84) {
      const o = rng.pick<Outage>(["up", "up", "up", "up", "refused", "5xx", "timeout", "lost-after-receipt"]);
      report.trail.push(`outage ${o}`);
      setOutage(o);
    } else if (r < 0.87) {
      const candidates = apps.filter((a) => !a.touched);
      if (candidates.length === 0) continue;
      const app = rng.pick(candidates);
      if (rng.chance(0.5) && app.service !== APP_ID_SERVICE) {
        const key = `${app.key}-r${rng.int(1000)}`;
        backend.regenerateUserKey(app.service, app.id, key);
        app.key = key;
        app.keys.add(key);
        report.trail.push(`regenerate ${app.id}`);
      } else {
        backend.deleteApplication(app.service, app.id);
        app.deleted = true;
        report.trail.push(`delete ${app.id}`);
      }
      app.touched = true;
    } else {
      settings = {
        enabled: rng.chance(0.8),
        ttl: rng.pick([1, 2, 5, 60]),
        interval: rng.pick([1, 3, 5, 10, 60]),
        maxEntries: rng.pick([1, 2, 4, 8, 64]),
        mode: rng.pick(["closed", "open", "resilient"] as const),
      };
      maxEntriesEver = Math.max(maxEntriesEver, settings.maxEntries);
      report.trail.push(`reconfigure ${JSON.stringify(settings)}`);
      for (const vm of vms) if (!vm.reconfigure(filterConfig(backend.url, settings) as never)) report.violations.push("a configuration was rejected");
      await settle();
    }
    checkShared();
    for (const [i, vm] of vms.entries()) if (vm.vmState.status !== "ok") report.violations.push(`VM ${i} is ${vm.vmState.status}`);
    if (report.violations.length > 0) break;
  }

  // Quiescence: 3scale answers, caching on with a short interval, time for every retry.
  setOutage("up");
  settings = { enabled: true, ttl: 1, interval: 1, maxEntries: Math.max(1, settings.maxEntries), mode: "closed" };
  for (const vm of vms) vm.reconfigure(filterConfig(backend.url, settings) as never);
  await advance(UPSTREAM_TIMEOUT_MS + 65_000); // past the stale-claim grace of a report lost in flight
  await advance(5000);
  checkShared();

  for (const app of apps) {
    const counted = backend.usage(app.service, app.id, "hits", "month");
    const most = app.allowedHits + (extra.get(app.id) ?? 0);
    if (app.touched) {
      if (counted > most) report.violations.push(`${app.id} (changed in 3scale): counted ${counted} > allowed ${app.allowedHits} + ${extra.get(app.id) ?? 0}`);
    } else if (counted < app.allowedHits || counted > most) {
      report.violations.push(`${app.id}: counted ${counted}, allowed ${app.allowedHits}` + (most > app.allowedHits ? ` (+${most - app.allowedHits} lost answers)` : ""));
    }
  }
  await backend.stop();
  return report;
}
