// The request side of the authorization cache (docs/cache.md): which verdict a request gets from
// shared data, and what an answer from 3scale (or its absence) writes back. Pure of host calls
// except shared data; the stream turns the outcome into a reply or a call.
import { CachePolicy, FailureMode } from "../config/cache-model";
import { ResolvedCredentials } from "../pipeline/credentials";
import { UsageList } from "../pipeline/usage";
import { Verdict } from "../pipeline/verdict";
import { countCacheEviction } from "../runtime/metrics";
import { Fnv64 } from "./hash";
import { addHitInPlace, CachedVerdict, CredKind, SlotRecord, viewLimits, viewRecord } from "./record";
import { firstSlot, readSlot, secondSlot, SlotRead, writeSlot, writeSlotBytes } from "./store";

/** Attempts of one read-modify-write before giving up (another worker kept winning the race). */
const CAS_ATTEMPTS: i32 = 16;

/** CacheTicket: one request's cache identity, carried from the lookup to the answer. */
@final
export class CacheTicket {
  hash: u64 = 0;
  slotA: i32 = 0;
  slotB: i32 = 0;
  serviceId: string = "";
  credKind: CredKind = CredKind.UserKey;
  credential: string = "";
  usage: UsageList = new UsageList();
  /** The call is authrep (cache disabled): on success 3scale already counted the usage. */
  reportsItself: bool = false;
  /**
   * What the cache knows of this key's limit once the request is decided (RateLimit-* headers):
   * the limit, the calls left after this one, the seconds until the period ends; -1 when unknown.
   * Set by lookup on a hit and by onAnswer on an answer with a verdict (cache enabled).
   */
  limitMax: i64 = -1;
  limitRemaining: i64 = -1;
  limitResetSeconds: i64 = -1;

  setLimits(max: i64, remaining: i64, resetAtMs: u64, now: u64): void {
    this.limitMax = max;
    this.limitRemaining = remaining < 0 ? -1 : remaining;
    this.limitResetSeconds = secondsUntil(resetAtMs, now);
  }
}

/** secondsUntil: whole seconds (rounded up) from `now` to `atMs`; -1 when `atMs` is 0 (unknown), 0 when past. */
export function secondsUntil(atMs: u64, now: u64): i64 {
  if (atMs == 0) return -1;
  if (atMs <= now) return 0;
  return <i64>((atMs - now + 999) / 1000);
}

/** remainingAfter: calls left of `budget` once `served` calls (this one included) are served; -1 without a budget. */
function remainingAfter(budget: i64, served: i64): i64 {
  if (budget < 0) return -1;
  return budget > served ? budget - served : 0;
}

/** MAX_RESET_SECONDS caps an untrusted 3scale-limit-reset so that the deadline cannot wrap (100 years). */
const MAX_RESET_SECONDS: i64 = 3153600000;

/** resetDeadline: the wall-clock ms a reset of `seconds` (from an answer at `now`) ends at; 0 when unknown. */
function resetDeadline(seconds: i64, now: u64): u64 {
  if (seconds < 0) return 0;
  return now + <u64>(seconds < MAX_RESET_SECONDS ? seconds : MAX_RESET_SECONDS) * 1000;
}

export const enum LookupKind {
  /** Allowed by a cached verdict; the usage is in the pending batch. */
  HitAllow = 0,
  /** Denied by a cached limits_exceeded verdict. */
  HitDeny = 1,
  /** Ask 3scale (authorize.xml when caching, else authrep.xml), then call onAnswer. */
  Miss = 2,
  /** The cache cannot take this request (both slots hold other keys' usage): plain authrep. */
  Bypass = 3,
}

/** cacheKeyHash: service, credentials (app_key included) and the set of metrics, order-free. */
export function cacheKeyHash(serviceId: string, creds: ResolvedCredentials, usage: UsageList): u64 {
  const h = new Fnv64();
  h.addString(serviceId);
  const userKey = creds.userKey;
  const appId = creds.appId;
  const appKey = creds.appKey;
  if (userKey !== null) h.addString("u").addString(userKey);
  else h.addString("a").addString(appId !== null ? appId : "").addString(appKey !== null ? "k" + appKey : "-");
  const names = usage.names.slice(0);
  names.sort();
  for (let i = 0, n = names.length; i < n; i++) h.addString(unchecked(names[i]));
  return h.value;
}

/** newTicket returns null when the credentials name no application (nothing to report against). */
export function newTicket(policy: CachePolicy, serviceId: string, creds: ResolvedCredentials, usage: UsageList): CacheTicket | null {
  const t = new CacheTicket();
  const userKey = creds.userKey;
  const appId = creds.appId;
  if (userKey !== null) {
    t.credKind = CredKind.UserKey;
    t.credential = userKey;
  } else if (appId !== null) {
    t.credKind = CredKind.AppId;
    t.credential = appId;
  } else {
    return null;
  }
  t.hash = cacheKeyHash(serviceId, creds, usage);
  const n = policy.maxEntries > 0 ? policy.maxEntries : 1;
  t.slotA = firstSlot(t.hash, n);
  t.slotB = secondSlot(t.hash, n);
  t.serviceId = serviceId;
  t.usage = usage;
  t.reportsItself = !policy.enabled;
  return t;
}

function readOwn(t: CacheTicket, slot: i32): SlotRead | null {
  const r = readSlot(slot);
  const bytes = r.bytes;
  if (bytes === null) return null;
  const view = viewRecord(bytes);
  return view.valid && view.hash == t.hash ? r : null;
}

/** findOwn: the slot that holds this key, or null. */
function findOwn(t: CacheTicket): SlotRead | null {
  const a = readOwn(t, t.slotA);
  if (a !== null || t.slotB == t.slotA) return a;
  return readOwn(t, t.slotB);
}

/**
 * lookup decides a request from the cache when it can. A HitAllow has already added the usage to
 * the pending batch; a Miss leaves everything to onAnswer.
 */
export function lookup(policy: CachePolicy, t: CacheTicket, now: u64): LookupKind {
  if (!policy.enabled) return LookupKind.Miss;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const own = findOwn(t);
    if (own === null) return canPlace(t) ? LookupKind.Miss : LookupKind.Bypass;
    const bytes = changetype<ArrayBuffer>(own.bytes);
    const view = viewRecord(bytes);
    if (now >= view.validUntilMs) return LookupKind.Miss;
    if (view.verdict != CachedVerdict.Allow && view.verdict != CachedVerdict.LimitsExceeded) return LookupKind.Miss;
    const limits = viewLimits(bytes);
    // A cached limits_exceeded, or the calls 3scale said would fit are used up: the limit is
    // reached until the next report re-opens the question (or the verdict expires).
    if (view.verdict == CachedVerdict.LimitsExceeded || (view.budget >= 0 && view.served >= view.budget)) {
      t.setLimits(limits.maxValue, 0, limits.resetAtMs, now);
      return LookupKind.HitDeny;
    }
    // Fast path: counters updated in place; else decode, add, encode.
    if (addHitInPlace(bytes, t.usage.names, t.usage.deltas)) {
      if (writeSlotBytes(own, bytes)) {
        t.setLimits(limits.maxValue, remainingAfter(view.budget, view.served + 1), limits.resetAtMs, now);
        return LookupKind.HitAllow;
      }
      continue;
    }
    const rec = own.record;
    if (rec === null) return LookupKind.Miss;
    rec.served++;
    rec.addPending(t.usage.names, t.usage.deltas);
    if (writeSlot(own, rec)) {
      t.setLimits(rec.maxValue, remainingAfter(rec.budget, rec.served), rec.resetAtMs, now);
      return LookupKind.HitAllow;
    }
  }
  // Another worker kept winning: let 3scale count this one itself.
  return LookupKind.Bypass;
}

/** canPlace: a slot for this key is free, or holds no usage and may be evicted. */
function canPlace(t: CacheTicket): bool {
  const a = readSlot(t.slotA);
  if (placeable(a)) return true;
  return t.slotB != t.slotA && placeable(readSlot(t.slotB));
}

function placeable(r: SlotRead): bool {
  if (!r.exists) return false;
  const rec = r.record;
  return rec === null || !rec.holdsUsage();
}

/** Update: what onAnswer writes into the key's slot. */
@final
class Update {
  /** Verdict to store, or -1 to keep the stored one. */
  verdict: i32 = -1;
  validUntilMs: u64 = 0;
  /** With a verdict: the calls it allows (-1: no budget) and those served so far. */
  budget: i64 = -1;
  served: i64 = 0;
  /** With a verdict: 3scale's limit and the end of its period (-1 / 0: unknown). */
  maxValue: i64 = -1;
  resetAtMs: u64 = 0;
  addUsage: bool = false;
}

/**
 * update applies `u` to the key's slot, placing the key in a free or evictable candidate when it
 * has none. false when no slot could take it (both hold other keys' usage) or the race was lost
 * CAS_ATTEMPTS times.
 */
function update(t: CacheTicket, u: Update): bool {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    let target = findOwn(t);
    let rec: SlotRecord;
    const ownRecord = target !== null ? target.record : null;
    if (ownRecord !== null) {
      rec = ownRecord;
    } else {
      target = null;
      const a = readSlot(t.slotA);
      if (placeable(a)) target = a;
      else if (t.slotB != t.slotA) {
        const b = readSlot(t.slotB);
        if (placeable(b)) target = b;
      }
      if (target === null) return false;
      const previous = target.record;
      if (previous !== null && previous.verdict != CachedVerdict.None) countCacheEviction();
      rec = new SlotRecord();
      rec.hash = t.hash;
      rec.serviceId = t.serviceId;
      rec.credKind = t.credKind;
      rec.credential = t.credential;
    }
    if (u.verdict >= 0) {
      rec.verdict = <CachedVerdict>u.verdict;
      rec.validUntilMs = u.validUntilMs;
      rec.budget = u.budget;
      rec.served = u.served;
      rec.maxValue = u.maxValue;
      rec.resetAtMs = u.resetAtMs;
    }
    if (u.addUsage) rec.addPending(t.usage.names, t.usage.deltas);
    if (writeSlot(changetype<SlotRead>(target), rec)) return true;
  }
  return false;
}

/** AnswerLimits: the limit headers of an answer (limit_headers extension); -1 when absent. */
@final
export class AnswerLimits {
  maxValue: i64 = -1;
  remaining: i64 = -1;
  resetSeconds: i64 = -1;
}

/** AnswerOutcome: the final verdict, and whether usage that should be kept could not be. */
@final
export class AnswerOutcome {
  verdict: Verdict = Verdict.BackendUnavailable;
  /** The request was allowed but its usage found no slot (logged by the caller). */
  usageDropped: bool = false;
  /** The verdict came from the failure mode rather than from 3scale. */
  fromFailureMode: bool = false;
}

/**
 * onAnswer records 3scale's verdict (or applies the failure mode when there is none) and returns
 * the verdict the request gets. `v` is the classified answer (BackendUnavailable: no decision).
 */
export function onAnswer(policy: CachePolicy, t: CacheTicket, v: Verdict, limits: AnswerLimits, now: u64): AnswerOutcome {
  const out = new AnswerOutcome();
  out.verdict = v;
  const u = new Update();
  let reuseUntil = policy.enabled ? now + policy.ttlSeconds * 1000 : 0;
  if (v == Verdict.Allow) {
    u.verdict = <i32>CachedVerdict.Allow;
    u.validUntilMs = reuseUntil;
    if (policy.enabled && limits.remaining >= 0) {
      // 3scale-limit-remaining: how many calls of this usage fit, this one included.
      u.budget = limits.remaining;
      u.served = 1;
    }
    if (policy.enabled) {
      u.maxValue = limits.maxValue;
      u.resetAtMs = resetDeadline(limits.resetSeconds, now);
      t.setLimits(u.maxValue, remainingAfter(u.budget, u.served), u.resetAtMs, now);
    }
    u.addUsage = !t.reportsItself;
    if (!update(t, u) && u.addUsage) out.usageDropped = true;
    return out;
  }
  if (v == Verdict.LimitsExceeded) {
    // Not beyond the end of the period that is exceeded (3scale-limit-reset), when 3scale says it.
    if (policy.enabled && limits.resetSeconds >= 0) {
      const periodEnd = resetDeadline(limits.resetSeconds, now);
      if (periodEnd < reuseUntil) reuseUntil = periodEnd;
    }
    u.verdict = <i32>CachedVerdict.LimitsExceeded;
    u.validUntilMs = reuseUntil;
    if (policy.enabled) {
      u.maxValue = limits.maxValue;
      u.resetAtMs = resetDeadline(limits.resetSeconds, now);
      t.setLimits(u.maxValue, 0, u.resetAtMs, now);
    }
    update(t, u);
    return out;
  }
  if (v == Verdict.AuthFailed) {
    // Never reused while 3scale answers (a fixed key must work at once), but it is the last
    // known verdict for failure_mode resilient.
    u.verdict = <i32>CachedVerdict.AuthFailed;
    u.validUntilMs = 0;
    update(t, u);
    return out;
  }
  if (v != Verdict.BackendUnavailable) return out;
  // No decision could be had from 3scale.
  const mode = policy.failureMode;
  if (mode == FailureMode.Closed) return out;
  let decided = Verdict.Allow;
  if (mode == FailureMode.Resilient) {
    const own = findOwn(t);
    const rec = own !== null ? own.record : null;
    const last = rec !== null ? rec.verdict : CachedVerdict.None;
    if (last == CachedVerdict.None) return out; // nothing known: closed
    decided = last == CachedVerdict.Allow ? Verdict.Allow : last == CachedVerdict.LimitsExceeded ? Verdict.LimitsExceeded : Verdict.AuthFailed;
  }
  out.verdict = decided;
  out.fromFailureMode = true;
  if (decided == Verdict.Allow) {
    // 3scale did not count this request: keep its usage for the next report.
    u.addUsage = true;
    if (!update(t, u)) out.usageDropped = true;
  }
  return out;
}
