// POST /transactions.xml: synchronous credential and shape checks (202 when they pass), then
// asynchronous processing that either applies the whole batch or drops it and logs an error.
import { BackendError, err } from "./errors.js";
import type { Clock } from "./periods.js";
import type { ParamHash, ParamValue } from "./query.js";
import { type BackendStore, MetricIndex, type Service } from "./store.js";
import { resolveProviderKey, resolveService } from "./transactor.js";
import { parseUsage, propagate } from "./usage.js";

export interface ReportJob {
  serviceId: string;
  /** null: an entry that is not a hash (the whole batch fails when processed) */
  transactions: Array<ParamHash | null>;
  flatUsage: boolean;
  receivedAt: number;
}

/**
 * Synchronous part, in the listener's order: credentials (even before the UTF-8 check), UTF-8,
 * the shape of `transactions`, the service. Throws BackendError. Returns null when every
 * transaction's usage was all "0" (nothing is enqueued, so nothing can fail later).
 */
export function acceptReport(
  store: BackendStore,
  clock: Clock,
  params: ParamHash,
  validUtf8: boolean,
  flatUsage: boolean,
): ReportJob | null {
  const providerKey = resolveProviderKey(store, params);
  if (!validUtf8) throw err.notValidData();
  const raw = params["transactions"];
  if (raw === undefined || raw === null || raw === "" || (typeof raw === "object" && Object.keys(raw).length === 0)) {
    throw err.transactionsIsBlank();
  }
  if (typeof raw !== "object" || Array.isArray(raw)) throw err.transactionsFormatInvalid();
  const list: ParamValue[] = Object.keys(raw).map((k) => raw[k]!);
  for (const t of list) if (t === null) throw err.transactionsHasNil();
  for (const t of list) {
    if (typeof t === "object" && t !== null && !Array.isArray(t) && t["user_id"] !== undefined && t["user_id"] !== null) {
      throw err.endUsers();
    }
  }
  const sid = params["service_id"];
  const service = resolveService(store, providerKey, typeof sid === "string" ? sid : null);
  // apisonator drops metrics whose value is the string "0", then transactions left with no usage.
  const transactions: Array<ParamHash | null> = [];
  for (const t of list) {
    if (typeof t !== "object" || t === null || Array.isArray(t)) {
      transactions.push(null);
      continue;
    }
    const usage = t["usage"];
    if (usage === undefined || usage === null || typeof usage !== "object" || Array.isArray(usage)) {
      transactions.push(t);
      continue;
    }
    const kept = Object.create(null) as ParamHash;
    for (const k of Object.keys(usage)) if (usage[k] !== "0") kept[k] = usage[k]!;
    if (Object.keys(kept).length > 0) transactions.push({ ...t, usage: kept });
  }
  if (transactions.length === 0) return null;
  return { serviceId: service.id, transactions, flatUsage, receivedAt: clock.now() };
}

/** Parses `YYYY-MM-DD HH:MM:SS[ ±HH:MM|±HHMM|UTC]` or UNIX seconds; blank is now. */
export function parseTimestamp(v: ParamValue | undefined, now: number): number | null {
  if (v === undefined || v === null || (typeof v === "string" && v.trim() === "")) return now;
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\s*(UTC|Z|[+-]\d{2}:?\d{2}))?$/.exec(s);
  if (!m) return null;
  let ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const off = m[7];
  if (off && off !== "UTC" && off !== "Z") {
    const sign = off.startsWith("-") ? -1 : 1;
    const digits = off.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

interface Resolved {
  appId: string;
  usage: Map<string, { set: boolean; value: number }>;
  at: number;
}

function resolveTransaction(store: BackendStore, service: Service, t: ParamHash | null, job: ReportJob, now: number): Resolved {
  if (t === null) throw err.transactionsFormatInvalid();
  const metrics = new MetricIndex(service.metrics);
  const appIdRaw = t["app_id"];
  const userKeyRaw = t["user_key"];
  const appId = typeof appIdRaw === "string" && appIdRaw !== "" ? appIdRaw : null;
  const userKey = typeof userKeyRaw === "string" && userKeyRaw !== "" ? userKeyRaw : null;
  let id: string;
  if (appId !== null) {
    if (userKey !== null) throw err.authenticationError();
    id = appId;
  } else if (userKey !== null) {
    const found = store.appIdByUserKey(service.id, userKey);
    if (found === undefined) throw err.userKeyInvalid(userKey);
    id = found;
  } else {
    throw err.applicationIdMissing();
  }
  if (!store.application(service.id, id)) throw err.applicationNotFound(id);
  const rawUsage = t["usage"];
  let usage = new Map<string, { set: boolean; value: number }>();
  if (rawUsage !== undefined && rawUsage !== null && typeof rawUsage === "object" && !Array.isArray(rawUsage)) {
    usage = parseUsage(rawUsage, metrics);
    if (!job.flatUsage) usage = propagate(usage, metrics);
  }
  const at = parseTimestamp(t["timestamp"], now);
  if (at === null) throw err.timestampTooOld();
  if (at < now - 86_400_000) throw err.timestampTooOld();
  if (at > now + 3_600_000) throw err.timestampTooNew();
  return { appId: id, usage, at };
}

/** Asynchronous part: all or nothing, errors go to the store's error log. */
export function processReport(store: BackendStore, clock: Clock, job: ReportJob): void {
  const service = store.services.get(job.serviceId);
  if (!service) return;
  const now = clock.now();
  const resolved: Resolved[] = [];
  try {
    for (const t of job.transactions) resolved.push(resolveTransaction(store, service, t, job, now));
  } catch (e) {
    if (e instanceof BackendError) {
      store.errors.push({ serviceId: service.id, code: e.code, message: e.message, timestamp: now });
      return;
    }
    throw e;
  }
  for (const r of resolved) {
    const nonZero = [...r.usage.values()].some((v) => v.set || v.value !== 0);
    if (!nonZero) continue;
    for (const [metric, v] of r.usage) {
      if (!v.set && v.value === 0) continue;
      store.apply(service.id, r.appId, metric, v.value, v.set, r.at);
    }
  }
}


