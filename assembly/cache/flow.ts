// Glue between the stream and the cache (docs/cache.md): what a request does before any call
// (a cached verdict, or which call to make) and what the answer, or its absence, finally means.
import { logAt, LOG_DEBUG, LOG_WARN } from "../host/log";
import { hostLogLevel, nowMillis } from "../host/hostcalls";
import { buildAuthrepPathFrom } from "../pipeline/authrep";
import { percentEncodeValue } from "../util/percent";
import { mask } from "../util/secrets";
import { ResolvedCredentials } from "../pipeline/credentials";
import { UsageList } from "../pipeline/usage";
import { Verdict } from "../pipeline/verdict";
import { EffectiveService, Snapshot } from "../runtime/snapshot";
import { countCacheHit, countCacheMiss } from "../runtime/metrics";
import { AnswerLimits, AnswerOutcome, CacheTicket, LookupKind, lookup, newTicket, onAnswer } from "./cache";
import { reportDirectly } from "./batch";
import { readAnswerLimits } from "./limits";
import { backendDown, markDown, markUp } from "./breaker";
import { CachePolicy, FailureMode } from "../config/cache-model";
import { RateLimit, rateLimitFromCounts } from "../pipeline/ratelimit";

export const STEP_ASK: i32 = 0;
export const STEP_ALLOW: i32 = 1;
export const STEP_DENY: i32 = 2;

// The authrep endpoints a snapshot's prefix may use, and their authorize counterparts (OIDC
// services use the oauth_ pair).
const AUTHREP_ENDPOINTS: Array<string> = ["transactions/authrep.xml", "transactions/oauth_authrep.xml"];
const AUTHORIZE_ENDPOINTS: Array<string> = ["transactions/authorize.xml", "transactions/oauth_authorize.xml"];

/** CacheStep: decided from the cache (allow/deny), or ask 3scale with `path` (null: the usual authrep). */
@final
export class CacheStep {
  kind: i32 = STEP_ASK;
  /** Carried to the answer; null when the cache stays out of this request (bypass). */
  ticket: CacheTicket | null = null;
  /** The authorize.xml `:path` when caching; null keeps authrep.xml. */
  path: string | null = null;
  /** STEP_DENY: the reply (limits_exceeded from the cache, or a failure-mode verdict). */
  verdict: Verdict = Verdict.LimitsExceeded;
  /** A cache hit's RateLimit-* (backend.rate_limit_headers), from what the slot knows; null: none. */
  rateLimit: RateLimit | null = null;
  /** STEP_ALLOW: 3scale vouched for the credentials (identity headers may be set). */
  verified: bool = false;
}

/**
 * cachedRateLimit: the RateLimit-* headers of a request the cache decided or recorded (`t` filled
 * by lookup or onAnswer); null when rate-limit headers are off or the slot knows no limit.
 */
export function cachedRateLimit(snapshot: Snapshot, t: CacheTicket): RateLimit | null {
  if (!snapshot.config.backend.rateLimitHeaders) return null;
  return rateLimitFromCounts(t.limitMax, t.limitRemaining, t.limitResetSeconds);
}

/**
 * authorizePrefix turns an authrep prefix (`<base>transactions/authrep.xml?service_id=…`) into its
 * authorize counterpart; null when the prefix has neither known endpoint (the request then keeps
 * authrep and bypasses the cache).
 */
export function authorizePrefix(prefix: string, basePath: string): string | null {
  for (let i = 0, n = AUTHREP_ENDPOINTS.length; i < n; i++) {
    const head = basePath + unchecked(AUTHREP_ENDPOINTS[i]) + "?";
    if (prefix.startsWith(head)) return basePath + unchecked(AUTHORIZE_ENDPOINTS[i]) + prefix.substring(head.length - 1);
  }
  return null;
}

/** maskedAuthorizePath: the debug form of the authorize call (token and keys masked). */
export function maskedAuthorizePath(snapshot: Snapshot, selected: EffectiveService, creds: ResolvedCredentials, usage: UsageList): string {
  const up = snapshot.config.backend.upstream;
  const token = selected.token;
  const masked = selected.authrepPrefix.replace("&service_token=" + percentEncodeValue(token), "&service_token=" + mask(token));
  const prefix = authorizePrefix(masked, up.basePath);
  return buildAuthrepPathFrom(prefix !== null ? prefix : masked, up.query, creds, usage, true);
}

/** cacheRequest runs before any call; only for snapshots whose caching policy is active. */
export function cacheRequest(snapshot: Snapshot, selected: EffectiveService, creds: ResolvedCredentials, usage: UsageList): CacheStep {
  const step = new CacheStep();
  const policy = snapshot.config.backend.caching;
  const ticket = newTicket(policy, selected.service.id, creds, usage);
  if (ticket === null) return step;
  const kind = lookup(policy, ticket, nowMillis());
  if (kind == LookupKind.HitAllow) {
    countCacheHit();
    step.kind = STEP_ALLOW;
    step.verified = true; // a cached "allowed" is always 3scale's own answer for this key
    step.rateLimit = cachedRateLimit(snapshot, ticket);
    return step;
  }
  if (kind == LookupKind.HitDeny) {
    countCacheHit();
    step.kind = STEP_DENY;
    step.rateLimit = cachedRateLimit(snapshot, ticket);
    return step;
  }
  if (policy.failureMode != FailureMode.Closed && backendDown(nowMillis())) {
    // 3scale failed moments ago: the failure mode decides now instead of after another failure.
    const decided = decideUnreachable(snapshot, ticket);
    step.kind = decided.verdict == Verdict.Allow ? STEP_ALLOW : STEP_DENY;
    step.verdict = decided.verdict;
    step.verified = decided.verified;
    return step;
  }
  if (kind == LookupKind.Bypass) return step;
  if (policy.enabled) {
    const up = snapshot.config.backend.upstream;
    const prefix = authorizePrefix(selected.authrepPrefix, up.basePath);
    if (prefix === null) return step; // no authorize endpoint known: plain authrep
    countCacheMiss();
    step.path = buildAuthrepPathFrom(prefix, up.query, creds, usage, false);
  }
  step.ticket = ticket;
  return step;
}

/**
 * cacheAfterAnswer records the verdict of 3scale's answer `v` (BackendUnavailable: none could be
 * had; `outage` false when that was an unexpected answer rather than an outage) and returns the
 * verdict the request gets under the failure mode, and whether 3scale vouched for it.
 */
export function cacheAfterAnswer(snapshot: Snapshot | null, ticket: CacheTicket | null, v: Verdict, outage: bool): AnswerOutcome {
  if (snapshot === null || ticket === null) return unchanged(v);
  const policy = snapshot.config.backend.caching;
  const now = nowMillis();
  const limits = v == Verdict.Allow || v == Verdict.LimitsExceeded ? readAnswerLimits() : new AnswerLimits();
  if (policy.failureMode != FailureMode.Closed) {
    if (v == Verdict.BackendUnavailable) {
      if (outage) markDown(now);
    } else {
      markUp();
    }
  }
  return applyOutcome(snapshot, ticket, onAnswer(policy, ticket, v, limits, now, outage), true);
}

/** PLAIN_OUTCOMES[v]: the outcome of verdict `v` when the cache stays out (read-only, allocated once). */
const PLAIN_OUTCOMES = new StaticArray<AnswerOutcome>(8);
for (let v = 0; v < 8; v++) {
  const o = new AnswerOutcome();
  o.verdict = <Verdict>v;
  o.verified = v == <i32>Verdict.Allow;
  PLAIN_OUTCOMES[v] = o;
}

function unchanged(v: Verdict): AnswerOutcome {
  return unchecked(PLAIN_OUTCOMES[<i32>v]);
}

/** decideUnreachable: the failure mode's verdict while 3scale is known to be down (no call made). */
function decideUnreachable(snapshot: Snapshot, ticket: CacheTicket): AnswerOutcome {
  const policy = snapshot.config.backend.caching;
  return applyOutcome(snapshot, ticket, onAnswer(policy, ticket, Verdict.BackendUnavailable, new AnswerLimits(), nowMillis(), true), false);
}

/** applyOutcome acts on what the cache could not do and logs what the operator must know; `afterCall`: a call failed just now (else the breaker decided, at debug). */
function applyOutcome(snapshot: Snapshot, ticket: CacheTicket, out: AnswerOutcome, afterCall: bool): AnswerOutcome {
  const policy = snapshot.config.backend.caching;
  if (out.reportDirectly) {
    // 3scale allowed it, but both candidate slots hold other keys' unreported usage (two misses
    // raced for the last free slot, or max_entries is too small): its usage is reported alone.
    if (hostLogLevel() <= LOG_DEBUG) logAt(LOG_DEBUG, "cache: service " + ticket.serviceId + ": no free cache slot; the request's usage is reported on its own");
    reportDirectly(snapshot, ticket.serviceId, ticket.credKind, ticket.credential, ticket.usage.names, ticket.usage.deltas);
  }
  if (out.usageNotKept) {
    logAt(LOG_WARN, "cache: service " + ticket.serviceId + ": 3scale unreachable and no cache slot can keep the usage; request answered 502 (raise backend.cache.max_entries)");
  }
  if (out.budgetUsedUp && hostLogLevel() <= LOG_DEBUG) {
    logAt(LOG_DEBUG, "cache: service " + ticket.serviceId + ": allowed by 3scale, but calls not yet reported use up the budget: 429");
  }
  if (out.fromFailureMode && !out.usageNotKept && (afterCall || hostLogLevel() <= LOG_DEBUG)) {
    logAt(afterCall ? LOG_WARN : LOG_DEBUG, "cache: service " + ticket.serviceId + ": 3scale unreachable, failure mode " +
      (policy.failureMode == FailureMode.Open ? "open" : "resilient") + " applied" + (afterCall ? "" : " (3scale failed < 5 s ago)"));
  }
  return out;
}
