// authorize / authrep / oauth_authorize / oauth_authrep with apisonator's order of checks
// (3scale's backend API), validators, status documents and limit headers.
import { type BackendError, type Rejection, EmptyForbidden, InternalError, err, reject } from "./errors.js";
import { type Clock, type Period, periodInstance, periodRank } from "./periods.js";
import { type ParamHash, type ParamValue, rubyToS } from "./query.js";
import { type Application, type BackendStore, MetricIndex, type Service } from "./store.js";
import { type Usage, parseUsage, propagate, rubyStrip, usageWithDescendants } from "./usage.js";
import { type StatusView, type UsageReportView, statusXml } from "./xml.js";

export interface Extensions {
  noBody: boolean;
  rejectionReasonHeader: boolean;
  limitHeaders: boolean;
  hierarchy: boolean;
  flatUsage: boolean;
  listAppKeys: boolean;
}

export function isOn(v: ParamValue | undefined): boolean {
  return v !== undefined && v !== null && v !== "0" && v !== "false";
}

export function extensionsFrom(options: ParamHash, query: ParamHash): Extensions {
  const one = (k: string): boolean => options[k] === "1";
  // The header's no_body wins whenever it has a value; the query parameter is the fallback.
  const noBody = options["no_body"] ?? query["no_body"];
  return {
    noBody: isOn(noBody),
    rejectionReasonHeader: one("rejection_reason_header"),
    limitHeaders: one("limit_headers"),
    hierarchy: one("hierarchy"),
    flatUsage: one("flat_usage"),
    listAppKeys: one("list_app_keys"),
  };
}

export interface AuthOutcome {
  status: 200 | 409;
  body: string;
  headers: Record<string, string>;
}

export type Endpoint = "authorize" | "authrep" | "oauth_authorize" | "oauth_authrep";

/** A parameter as a string, null when given without `=`, undefined when absent. */
export function strParam(params: ParamHash, key: string): string | null | undefined {
  const v = params[key];
  if (v === undefined || v === null || typeof v === "string") return v;
  // apisonator calls string methods on these; in production that is a 500.
  throw new InternalError(`parameter ${key} is not a string`);
}

export const blank = (s: string | null | undefined): s is "" | null | undefined => s === undefined || s === null || s === "";

const NORMALIZED_KEYS = ["service_id", "app_id", "app_key", "user_key", "provider_key"];

/**
 * apisonator's `normalize_non_empty_keys!` for the authorize family: these five parameters become
 * nil when they are not strings, are stripped, and become nil when empty, except app_key, whose
 * empty value is significant.
 */
export function normalizeNonEmptyKeys(params: ParamHash): ParamHash {
  const out = Object.assign(Object.create(null) as ParamHash, params);
  for (const k of NORMALIZED_KEYS) {
    const v = out[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") {
      out[k] = null;
      continue;
    }
    const stripped = rubyStrip(v);
    out[k] = k === "app_key" || stripped !== "" ? stripped : null;
  }
  return out;
}

/** Ruby-ish blank?: nil, false, or an empty string/array/hash. */
function blankValue(v: ParamValue | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === "string" || Array.isArray(v)) return v.length === 0;
  return Object.keys(v).length === 0;
}

/** step 2: the provider key from `provider_key`, else from (service_token, service_id). */
export function resolveProviderKey(store: BackendStore, params: ParamHash): string {
  const given = params["provider_key"];
  if (given !== undefined && given !== null && !blankValue(given)) return rubyToS(given);
  const token = params["service_token"];
  const sid = params["service_id"];
  if (given === undefined || given === null) {
    if (typeof token === "string" && typeof sid === "string" && token !== "" && sid !== "" && store.hasServiceToken(token, sid)) {
      const pk = store.services.get(sid)?.providerKey;
      if (pk !== undefined && pk !== "") return pk;
    }
  }
  if (blankValue(token)) throw err.providerKeyOrTokenRequired();
  if (blankValue(sid)) throw err.serviceIdMissing();
  throw err.serviceTokenInvalid(rubyToS(token!), rubyToS(sid!));
}

/** step 4. */
export function resolveService(store: BackendStore, providerKey: string, sid: string | null | undefined): Service {
  if (blank(sid)) {
    const def = store.defaultServices.get(providerKey);
    const s = def === undefined ? undefined : store.services.get(def);
    if (!s) throw err.providerKeyInvalidOrServiceMissing(providerKey);
    return s;
  }
  // apisonator first tries the part after the last "-" (ids like "prefix-1001"), then the id.
  const s = store.services.get(sid.split("-").pop()!) ?? store.services.get(sid);
  if (!s) throw err.serviceIdInvalid(sid);
  if (s.providerKey !== providerKey) {
    throw store.providerHasServices(providerKey) ? err.serviceIdInvalid(sid) : err.providerKeyInvalid(providerKey);
  }
  return s;
}

function referrerMatches(filter: string, referrer: string | null | undefined): boolean {
  if (referrer === "*") return true;
  if (referrer === null || referrer === undefined) return false;
  const re = new RegExp(`^${filter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\*/g, ".*")}$`);
  return re.test(referrer);
}

interface CallContext {
  store: BackendStore;
  clock: Clock;
  endpoint: Endpoint;
  params: ParamHash;
  ext: Extensions;
}

/**
 * Runs one authorize-family call after the query parsed cleanly. Throws BackendError (error
 * bodies), EmptyForbidden or InternalError; returns the 200/409 outcome otherwise.
 */
export function authorizeCall(ctx: CallContext): AuthOutcome {
  const { store, ext, endpoint } = ctx;
  const params = normalizeNonEmptyKeys(ctx.params);
  const oauth = endpoint === "oauth_authorize" || endpoint === "oauth_authrep";
  const reporting = endpoint === "authrep" || endpoint === "oauth_authrep";
  const now = ctx.clock.now();

  const providerKey = resolveProviderKey(store, params);

  if (params["user_id"] !== undefined && params["user_id"] !== null) throw err.endUsers();
  const rawUsage = params["usage"];
  if (rawUsage !== undefined && rawUsage !== null && (typeof rawUsage !== "object" || Array.isArray(rawUsage))) {
    throw new EmptyForbidden();
  }
  const usageHash = rawUsage === undefined || rawUsage === null ? undefined : (rawUsage as ParamHash);

  const service = resolveService(store, providerKey, strParam(params, "service_id"));
  const metrics = new MetricIndex(service.metrics);

  const appId = strParam(params, "app_id");
  let userKey = strParam(params, "user_key");
  if (oauth) {
    if (blank(appId)) throw err.applicationIdMissing();
    userKey = null;
  }
  if (!blank(appId) && !blank(userKey)) throw err.authenticationError();

  let app: Application | undefined;
  if (service.backendVersion === "1") {
    if (blank(userKey)) throw err.userKeyMissing();
    const found = store.appIdByUserKey(service.id, userKey);
    if (found === undefined) throw err.userKeyInvalid(userKey);
    app = store.application(service.id, found);
    if (!app) throw err.applicationNotFound(found);
  } else {
    if (blank(appId)) throw err.applicationIdMissing();
    app = store.application(service.id, appId);
    if (!app) throw err.applicationNotFound(appId);
  }

  if (ext.noBody && usageHash) {
    for (const name of Object.keys(usageHash)) {
      const stripped = rubyStrip(name);
      if (!metrics.has(stripped)) throw err.metricInvalid(stripped);
    }
  }

  const plan = app.planId === undefined ? undefined : service.plans.get(app.planId);
  const appKey = strParam(params, "app_key");
  const redirectUrl = strParam(params, "redirect_url");
  const redirectUri = strParam(params, "redirect_uri");
  const urlGiven = "redirect_url" in params;
  const uriGiven = !urlGiven && "redirect_uri" in params;

  // Validators, first failure wins.
  let rejection: Rejection | undefined;
  let usage: Usage = new Map();
  let expanded: Usage = new Map();
  const run = (): Rejection | undefined => {
    if (oauth && service.backendVersion !== "oauth") return reject.oauthNotEnabled();
    if (!oauth && service.backendVersion !== "oauth") {
      // Key validator
      if (service.backendVersion !== "1" && app!.keys.length > 0) {
        if (blank(appKey)) return reject.keyMissing();
        if (!app!.keys.includes(appKey)) return reject.keyInvalid(appKey);
      }
    } else if (appKey !== undefined && appKey !== null) {
      // OauthKey validator: absent passes; present must be non-empty and known.
      if (appKey === "") return reject.keyMissing();
      if (!app!.keys.includes(appKey)) return reject.keyInvalid(appKey);
    }
    if (oauth) {
      // The redirect_url key wins by presence, even when empty (then nothing is checked).
      const tag = urlGiven ? "redirect_url" : "redirect_uri";
      const given = urlGiven ? redirectUrl : redirectUri;
      if (!blank(given) && given !== app!.redirectUrl) return reject.redirectInvalid(tag, given);
    }
    if (service.referrerFiltersRequired && app!.referrerFilters.length > 0) {
      const referrer = strParam(params, "referrer");
      if (!app!.referrerFilters.some((f) => referrerMatches(f, referrer))) {
        return blank(referrer) ? reject.referrerMissing() : reject.referrerNotAllowed(referrer);
      }
    }
    if (app!.state !== "active") return reject.appNotActive();
    if (service.state !== "active") return reject.serviceNotActive();
    // Limits: usage parsing may still raise metric_invalid / usage_value_invalid here.
    usage = usageHash ? parseUsage(usageHash, metrics) : new Map();
    expanded = ext.flatUsage ? usage : propagate(usage, metrics);
    for (const limit of plan?.limits ?? []) {
      if (!metrics.has(limit.metric)) continue;
      if (usage.size > 0 && !expanded.has(limit.metric)) continue;
      const stored = store.usage(service.id, app!.id, limit.metric, limit.period, now);
      const u = expanded.get(limit.metric);
      const value = u === undefined ? stored : u.set ? u.value : stored + u.value;
      if (value > limit.value) return reject.limitsExceeded();
    }
    return undefined;
  };
  rejection = run();
  const authorized = rejection === undefined;
  const applyUsage = authorized && reporting;

  // Usage reports: the stored value, or (authrep, authorized) the value after this call.
  const reports: Array<UsageReportView & { usageNow: number }> = [];
  for (const m of metrics.ordered) {
    const limits = (plan?.limits ?? []).filter((l) => l.metric === m.name);
    limits.sort((a, b) => periodRank(a.period) - periodRank(b.period));
    for (const l of limits) {
      const inst = periodInstance(l.period, now);
      const stored = store.usage(service.id, app.id, l.metric, l.period, now);
      const current = applyUsage && usageHash ? usageWithDescendants(l.metric, usage, metrics, stored) : stored;
      reports.push({
        metric: l.metric,
        period: l.period,
        start: inst.start,
        end: inst.end,
        max: l.value,
        current,
        exceeded: stored > l.value,
        usageNow: usageWithDescendants(l.metric, usage, metrics),
      });
    }
  }

  if (applyUsage) {
    for (const [metric, v] of expanded) {
      if (!v.set && v.value === 0) continue;
      store.apply(service.id, app.id, metric, v.value, v.set, now);
    }
  }

  const headers: Record<string, string> = {};
  if (!authorized && ext.rejectionReasonHeader) headers["3scale-rejection-reason"] = rejection!.code;
  if (ext.limitHeaders && (authorized || rejection!.code === "limits_exceeded")) {
    Object.assign(headers, limitHeaders(reports, usage, metrics, now));
  }

  let body = "";
  if (!ext.noBody) {
    const view: StatusView = {
      authorized,
      reason: rejection?.message,
      plan: plan?.name ?? "",
      reports,
    };
    if (oauth) {
      view.application = {
        id: app.id,
        key: app.keys[0] ?? "",
        redirectTag: uriGiven ? "redirect_uri" : "redirect_url",
        redirect: app.redirectUrl ?? "",
      };
    }
    if (ext.listAppKeys) view.appKeys = { app: app.id, svc: service.id, keys: app.keys.slice(0, 256) };
    if (ext.hierarchy) view.hierarchy = reports.map((r) => ({ name: r.metric, children: metrics.children(r.metric) }));
    body = statusXml(view);
  }
  return { status: authorized ? 200 : 409, body, headers };
}

/**: pick the report that allows the fewest further identical calls. */
function limitHeaders(
  reports: Array<UsageReportView & { usageNow: number }>,
  usage: Usage,
  metrics: MetricIndex,
  now: number,
): Record<string, string> {
  let considered = reports;
  if (usage.size > 0) {
    const names = new Set<string>();
    for (const name of usage.keys()) {
      names.add(name);
      for (const a of metrics.ancestors(name)) names.add(a);
    }
    considered = reports.filter((r) => names.has(r.metric));
  }
  // apisonator's LimitHeaders: Array#min with its comparator, fed (candidate, current min) in
  // report order. The comparator treats -1 (unlimited) inconsistently, so the order matters.
  type Scored = { r: UsageReportView; same: number };
  const compare = (one: Scored, other: Scored): number => {
    if (one.same === other.same) return periodRank(one.r.period) - periodRank(other.r.period);
    return other.same === -1 || one.same < other.same ? -1 : 1;
  };
  let winner: Scored | undefined;
  for (const r of considered) {
    const remaining = Math.max(r.max - r.current, 0);
    const same = remaining <= 0 ? 0 : r.usageNow > 0 ? Math.floor(remaining / r.usageNow) : -1;
    const cand = { r, same };
    if (!winner || compare(cand, winner) < 0) winner = cand;
  }
  if (!winner || winner.same < 0) return { "3scale-limit-remaining": "-1", "3scale-limit-reset": "-1" };
  const reset = winner.r.end === null ? -1 : Math.ceil((winner.r.end - now) / 1000);
  return {
    "3scale-limit-remaining": String(winner.same),
    "3scale-limit-reset": String(reset),
    "3scale-limit-max-value": String(winner.r.max),
  };
}

export type { BackendError, Period };
