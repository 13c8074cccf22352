// The request side of the authorization cache (docs/cache.md): which verdict a request gets from
// shared data, and what an answer from 3scale (or its absence) writes back. Pure of host calls
// except shared data; the stream turns the outcome into a reply or a call.
import { CachePolicy, FailureMode } from "../config/cache-model";
import { ResolvedCredentials } from "../pipeline/credentials";
import { UsageList } from "../pipeline/usage";
import { Verdict } from "../pipeline/verdict";
import { countCacheEviction } from "../runtime/metrics";
import { Fnv64 } from "./hash";
import { addHitInPlace, CachedVerdict, CredKind, MAX_RECORD_BYTES, recordBytesFor, SlotRecord, viewLimits, viewRecord } from "./record";
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
  /** The key's record would exceed MAX_RECORD_BYTES: the cache cannot hold it or its usage. */
  tooLarge: bool = false;
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
  t.tooLarge = recordBytesFor(serviceId, t.credential, usage.names) > MAX_RECORD_BYTES;
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
  if (t.tooLarge) return LookupKind.Bypass;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const own = findOwn(t);
    if (own === null) return pickSlot(t, Writer.Verified, false, now) !== null ? LookupKind.Miss : LookupKind.Bypass;
    const bytes = changetype<ArrayBuffer>(own.bytes);
    const view = viewRecord(bytes);
    if (now >= view.validUntilMs) return LookupKind.Miss;
    if (view.verdict != CachedVerdict.Allow && view.verdict != CachedVerdict.LimitsExceeded) return LookupKind.Miss;
    const limits = viewLimits(bytes);
    // A cached limits_exceeded, or the calls 3scale said would fit are used up by calls it has
    // not counted yet: the limit is reached until a report re-opens the question (or expiry).
    if (view.verdict == CachedVerdict.LimitsExceeded || (view.budget >= 0 && view.unreported >= view.budget)) {
      t.setLimits(limits.maxValue, 0, limits.resetAtMs, now);
      return LookupKind.HitDeny;
    }
    // Fast path: counters updated in place; else decode, add, encode.
    if (addHitInPlace(bytes, t.usage.names, t.usage.deltas)) {
      if (writeSlotBytes(own, bytes)) {
        t.setLimits(limits.maxValue, remainingAfter(view.budget, view.unreported + 1), limits.resetAtMs, now);
        return LookupKind.HitAllow;
      }
      continue;
    }
    const rec = own.record;
    if (rec === null) return LookupKind.Miss;
    rec.addPending(t.usage.names, t.usage.deltas);
    if (writeRecord(own, rec)) {
      t.setLimits(rec.maxValue, remainingAfter(rec.budget, rec.unreportedCalls()), rec.resetAtMs, now);
      return LookupKind.HitAllow;
    }
  }
  // Another worker kept winning: let 3scale count this one itself.
  return LookupKind.Bypass;
}

/** Who wants a slot: what it may evict depends on how much 3scale vouched for it. */
const enum Writer {
  /** A verdict from 3scale (allowed or limits_exceeded): may take any slot without usage. */
  Verified = 0,
  /** A denial for bad credentials, or usage allowed by the failure mode (never verified): only
   * slots that are empty or hold nothing 3scale verified (with `resilient`, a verified verdict of
   * any age is protected, since it is the key's last known verdict). */
  Unverified = 1,
}

/**
 * slotRank orders a candidate slot for `writer`: 0 empty, 1 an unverified record or a denial,
 * 2 a verified verdict that is no longer fresh, 3 a fresh verified verdict; -1 may not be taken
 * (it holds usage not yet reported, or is protected from this writer).
 */
function slotRank(r: SlotRead, writer: Writer, protectVerified: bool, now: u64): i32 {
  if (!r.exists) return -1;
  const bytes = r.bytes;
  if (bytes === null) return -1;
  const view = viewRecord(bytes);
  if (view.valid && view.hash == 0) return 0; // created empty, never used: no decoding
  const rec = r.record;
  if (rec === null) return 0; // not a record of this module (garbage): as good as empty
  if (rec.holdsUsage()) return -1;
  if (rec.verdict == CachedVerdict.None) return 0;
  if (rec.verdict == CachedVerdict.AuthFailed) return 1;
  const rank = now < rec.validUntilMs ? 3 : 2;
  if (writer == Writer.Verified) return rank;
  return rank == 2 && !protectVerified ? 2 : -1;
}

/**
 * pickSlot chooses where a key without a slot goes: the candidate of lowest rank (an empty or
 * disposable slot is always taken before a verified one; on a tie the one whose verdict expires
 * first). null when neither candidate may be taken by `writer`.
 */
function pickSlot(t: CacheTicket, writer: Writer, protectVerified: bool, now: u64): SlotRead | null {
  const a = readSlot(t.slotA);
  const rankA = slotRank(a, writer, protectVerified, now);
  if (rankA == 0 || t.slotB == t.slotA) return rankA >= 0 ? a : null;
  const b = readSlot(t.slotB);
  const rankB = slotRank(b, writer, protectVerified, now);
  if (rankA < 0) return rankB >= 0 ? b : null;
  if (rankB < 0 || rankA < rankB) return a;
  if (rankB < rankA) return b;
  const recA = a.record;
  const recB = b.record;
  if (recA !== null && recB !== null && recB.validUntilMs < recA.validUntilMs) return b;
  return a;
}

/** writeRecord stores `rec` under CAS, unless its encoding would break the byte bound. */
function writeRecord(target: SlotRead, rec: SlotRecord): bool {
  const bytes = rec.encode();
  if (bytes.byteLength > MAX_RECORD_BYTES) return false;
  return writeSlotBytes(target, bytes);
}

/** AnswerLimits: the limit headers of an answer (limit_headers extension); -1 when absent. */
@final
export class AnswerLimits {
  maxValue: i64 = -1;
  remaining: i64 = -1;
  resetSeconds: i64 = -1;
}

/** AnswerOutcome: the final verdict, and what the caller must do or say about it. */
@final
export class AnswerOutcome {
  verdict: Verdict = Verdict.BackendUnavailable;
  /** 3scale vouched for these credentials (a live answer, or a verdict it gave for this key). */
  verified: bool = false;
  /** Allowed by 3scale, but no slot could take the usage: it must be reported on its own now. */
  reportDirectly: bool = false;
  /** The failure mode would have allowed the request, but its usage could not be kept (502). */
  usageNotKept: bool = false;
  /** The verdict came from the failure mode rather than from 3scale. */
  fromFailureMode: bool = false;
  /** 3scale's answer allowed the call, but the calls it had not counted yet used up the budget. */
  budgetUsedUp: bool = false;
}

/** Ownership of the record a writer is about to change: its own slot, or a newly taken one. */
@final
class Target {
  constructor(public readonly read: SlotRead, public readonly rec: SlotRecord, public readonly fresh: bool) {}
}

/** target: the key's own slot, or one pickSlot allows `writer` to take (a fresh record); null if none. */
function target(t: CacheTicket, writer: Writer, protectVerified: bool, now: u64): Target | null {
  const own = findOwn(t);
  if (own !== null) {
    const rec = own.record;
    if (rec !== null) return new Target(own, rec, false);
  }
  const slot = pickSlot(t, writer, protectVerified, now);
  if (slot === null) return null;
  const rec = new SlotRecord();
  rec.hash = t.hash;
  rec.serviceId = t.serviceId;
  rec.credKind = t.credKind;
  return new Target(slot, rec, true);
}

function countIfEviction(tg: Target): void {
  if (!tg.fresh) return;
  const previous = tg.read.record;
  if (previous !== null && previous.verdict != CachedVerdict.None) countCacheEviction();
}

/**
 * recordAllowed stores 3scale's "allowed" for the key. With usage to keep (authorize was asked,
 * which counts nothing) the request's usage is added, unless the calls 3scale has not counted yet
 * already use up the budget its answer gives: then the request is over the limit (429).
 */
function recordAllowed(policy: CachePolicy, t: CacheTicket, limits: AnswerLimits, now: u64, out: AnswerOutcome): void {
  const keepUsage = !t.reportsItself;
  const budget = policy.enabled && limits.remaining >= 0 ? limits.remaining : <i64>-1;
  const resetAtMs = policy.enabled ? resetDeadline(limits.resetSeconds, now) : 0;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    if (t.tooLarge) break;
    const found = target(t, Writer.Verified, false, now);
    if (found === null) break;
    const tg = changetype<Target>(found);
    const rec = tg.rec;
    if (tg.fresh) rec.credential = t.credential;
    rec.verdict = CachedVerdict.Allow;
    rec.validUntilMs = policy.enabled ? now + policy.ttlSeconds * 1000 : 0;
    rec.budget = budget;
    rec.maxValue = policy.enabled ? limits.maxValue : -1;
    rec.resetAtMs = resetAtMs;
    const over = keepUsage && budget >= 0 && rec.unreportedCalls() >= budget;
    if (keepUsage && !over) rec.addPending(t.usage.names, t.usage.deltas);
    if (!writeRecord(tg.read, rec)) continue;
    countIfEviction(tg);
    if (policy.enabled) t.setLimits(rec.maxValue, over ? 0 : remainingAfter(budget, rec.unreportedCalls()), resetAtMs, now);
    if (over) {
      out.verdict = Verdict.LimitsExceeded;
      out.budgetUsedUp = true;
    }
    return;
  }
  // No slot can take it (both hold other keys' unreported usage, or the record is too large).
  if (keepUsage) out.reportDirectly = true;
  if (policy.enabled) t.setLimits(limits.maxValue, budget >= 0 ? budget - 1 : -1, resetAtMs, now);
}

/** recordVerdict stores a verdict that carries no usage: limits_exceeded (verified) or a denial. */
function recordVerdict(policy: CachePolicy, t: CacheTicket, verdict: CachedVerdict, validUntil: u64, limits: AnswerLimits, now: u64): void {
  const verified = verdict != CachedVerdict.AuthFailed;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const tg = target(t, verified ? Writer.Verified : Writer.Unverified, policy.failureMode == FailureMode.Resilient, now);
    if (tg === null) return; // nothing to keep: the verdict is simply not cached
    const rec = tg.rec;
    // A denial keeps no credential in clear: only usage already waiting needs it for its report.
    if (verified) {
      if (tg.fresh) rec.credential = t.credential;
    } else if (!rec.holdsUsage()) {
      rec.credential = "";
    }
    rec.verdict = verdict;
    rec.validUntilMs = validUntil;
    rec.budget = -1;
    rec.maxValue = verified && policy.enabled ? limits.maxValue : -1;
    rec.resetAtMs = verified && policy.enabled ? resetDeadline(limits.resetSeconds, now) : 0;
    if (writeRecord(tg.read, rec)) {
      countIfEviction(tg);
      return;
    }
  }
}

/**
 * keepUnverifiedUsage adds the usage of a request the failure mode allowed to the key's slot.
 * false when it cannot be kept (no slot may be taken, or the record would be too large).
 */
function keepUnverifiedUsage(policy: CachePolicy, t: CacheTicket, now: u64): bool {
  if (t.tooLarge) return false;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const tg = target(t, Writer.Unverified, policy.failureMode == FailureMode.Resilient, now);
    if (tg === null) return false;
    const rec = tg.rec;
    if (rec.credential.length == 0) rec.credential = t.credential; // a report must name it
    rec.addPending(t.usage.names, t.usage.deltas);
    if (writeRecord(tg.read, rec)) {
      countIfEviction(tg);
      return true;
    }
  }
  return false;
}

/**
 * onAnswer records 3scale's verdict (or applies the failure mode when there is none) and returns
 * the verdict the request gets. `v` is the classified answer (BackendUnavailable: no decision);
 * `outage` says whether "no decision" was an outage (no answer, timeout, 5xx, unparseable status)
 * rather than an unexpected answer (1xx, 3xx, a 2xx other than 200), which no failure mode opens.
 */
export function onAnswer(policy: CachePolicy, t: CacheTicket, v: Verdict, limits: AnswerLimits, now: u64, outage: bool): AnswerOutcome {
  const out = new AnswerOutcome();
  out.verdict = v;
  if (v == Verdict.Allow) {
    out.verified = true;
    recordAllowed(policy, t, limits, now, out);
    return out;
  }
  if (v == Verdict.LimitsExceeded) {
    let reuseUntil = policy.enabled ? now + policy.ttlSeconds * 1000 : 0;
    // Not beyond the end of the period that is exceeded (3scale-limit-reset), when 3scale says it.
    if (policy.enabled && limits.resetSeconds >= 0) {
      const periodEnd = resetDeadline(limits.resetSeconds, now);
      if (periodEnd < reuseUntil) reuseUntil = periodEnd;
    }
    if (policy.enabled) t.setLimits(limits.maxValue, 0, resetDeadline(limits.resetSeconds, now), now);
    recordVerdict(policy, t, CachedVerdict.LimitsExceeded, reuseUntil, limits, now);
    return out;
  }
  if (v == Verdict.AuthFailed) {
    // Never reused while 3scale answers (a fixed key must work at once), but it is the last
    // known verdict for failure_mode resilient.
    recordVerdict(policy, t, CachedVerdict.AuthFailed, 0, limits, now);
    return out;
  }
  if (v != Verdict.BackendUnavailable || !outage) return out;
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
    // The last known verdict is 3scale's, for exactly these credentials (app_key included).
    out.verified = decided == Verdict.Allow;
  }
  out.fromFailureMode = true;
  if (decided == Verdict.Allow && !keepUnverifiedUsage(policy, t, now)) {
    // 3scale did not count this request and nowhere is left to keep its usage: not allowed.
    out.usageNotKept = true;
    out.verified = false;
    return out;
  }
  out.verdict = decided;
  return out;
}
