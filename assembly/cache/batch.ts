// The batcher (docs/cache.md): every report_interval one worker of the proxy — the one whose tick
// wins a CAS on the shared `next-flush` record — claims the pending usage of every slot (a second
// CAS per slot) and reports it with **one `POST /transactions.xml` per application**. 3scale
// resolves every transaction of a report before it stores any, and drops the whole report when
// one fails (after answering 202), so an application's usage shares a report with nobody else's:
// only its own invalid credentials or metrics can make it disappear.
// A 2xx settles the claimed usage; anything else gives it back to pending for the next interval.
import { logAt, LOG_DEBUG, LOG_ERROR, LOG_WARN } from "../host/log";
import {
  hostLogLevel, getBufferBytes, getHeaderValueBytes, nowMillis, BUFFER_HTTP_CALL_RESPONSE_BODY,
  MAP_HTTP_CALL_RESPONSE_HEADERS, STATUS_OK,
} from "../host/hostcalls";
import { serializePairs } from "../host/headers";
import { CachePolicy } from "../config/cache-model";
import { Snapshot } from "../runtime/snapshot";
import { parseStatus } from "../pipeline/verdict";
import { decodeUtf8LossyBuffer } from "../util/utf8lossy";
import { countReportFailed, countReportSent } from "../runtime/metrics";
import { httpCallWithBody, POST_TOKEN } from "./http";
import { backendDown, markDown, markUp } from "./breaker";
import { CachedVerdict, CredKind, SlotRecord, viewRecord } from "./record";
import { reportBody, ReportTransaction, ServiceReport } from "./report";
import { sharedGet, sharedSet, SHARED_OK } from "./shared";
import { ensureSlots, KEY_PREFIX, readSlot, SlotRead, writeSlot } from "./store";
import { errorBodyCode, ERROR_BODY_PREFIX_BYTES } from "../pipeline/rejection";

const NEXT_FLUSH_KEY = KEY_PREFIX + "next-flush";
const VM_COUNTER_KEY = KEY_PREFIX + "vm-counter";
const STATUS_KEY = String.UTF8.encode(":status");
const REPORT_HEADER_NAMES: Array<string> = [":method", ":path", ":authority", ":scheme", "content-type", "3scale-options"];
const CAS_ATTEMPTS: i32 = 16;
/** A claim older than the call timeout plus this is presumed lost (its worker died) and reclaimed. */
const STALE_CLAIM_GRACE_MS: u64 = 60000;
/** Applications whose usage one VM may hold in memory (see HeldUsage); beyond, it is logged at error. */
const MAX_HELD_APPLICATIONS: i32 = 1000;

/** A report in flight: the slots whose usage it carries, or the usage it carries from memory. */
@final
class InflightReport {
  readonly slots: Array<i32> = [];
  readonly hashes: Array<u64> = [];
  /** Usage not in any slot (a direct report): held again in memory if the report fails. */
  held: HeldUsage | null = null;
  constructor(public readonly flushId: u64, public readonly serviceId: string) {}
}

/**
 * HeldUsage: usage 3scale allowed but no slot could take (two misses raced for the last free
 * slot). It is reported on its own at once; while that fails it waits in this VM's memory and is
 * retried every report interval. It never goes into shared data: it is this VM's to deliver.
 */
@final
class HeldUsage {
  constructor(public readonly serviceId: string, public readonly tx: ReportTransaction) {}
}

/** FailureNote: failed reports of one service for one reason since the last warning. */
@final
class FailureNote {
  count: i32 = 0;
  constructor(public readonly serviceId: string, public readonly reason: string) {}
}

// Per-VM state. It outlives configurations on purpose: answers to reports sent under an earlier
// configuration must still settle or restore their usage.
const inflightReports = new Map<u32, InflightReport>();
let held = new Array<HeldUsage>();
let heldRetryAtMs: u64 = 0;
let failureNotes = new Array<FailureNote>();
let failureLogAtMs: u64 = 0;
let vmSalt: u64 = 0;
let flushSeq: u64 = 0;

function readU64(bytes: ArrayBuffer | null): u64 {
  return bytes !== null && bytes.byteLength == 8 ? load<u64>(changetype<usize>(bytes)) : 0;
}

function u64Bytes(v: u64): ArrayBuffer {
  const b = new ArrayBuffer(8);
  store<u64>(changetype<usize>(b), v);
  return b;
}

/**
 * prepareShared runs when a configuration with caching or a keeping failure mode is installed:
 * it creates the slots and the flush schedule (pulled in when the new interval is shorter), and
 * gives this VM a salt for its flush ids.
 */
export function prepareShared(policy: CachePolicy, now: u64): void {
  ensureSlots(policy.maxEntries);
  keepSchedule(policy, now);
  if (vmSalt == 0) {
    for (let i = 0; i < CAS_ATTEMPTS && vmSalt == 0; i++) {
      const v = sharedGet(VM_COUNTER_KEY);
      const next = readU64(v.bytes) + 1;
      if (sharedSet(VM_COUNTER_KEY, u64Bytes(next), v.cas) == SHARED_OK) vmSalt = next;
    }
  }
}

/**
 * keepSchedule makes the shared `next-flush` agree with this configuration's interval: created
 * when absent, and pulled in when it lies further ahead than one interval (the interval was
 * shortened). True when a flush is due now.
 */
function keepSchedule(policy: CachePolicy, now: u64): bool {
  const interval = policy.reportIntervalSeconds * 1000;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const v = sharedGet(NEXT_FLUSH_KEY);
    if (!v.found || v.bytes!.byteLength != 8) {
      if (sharedSet(NEXT_FLUSH_KEY, u64Bytes(now + interval), v.cas) == SHARED_OK) return false;
      continue;
    }
    const due = readU64(v.bytes);
    if (due > now + interval) {
      if (sharedSet(NEXT_FLUSH_KEY, u64Bytes(now + interval), v.cas) == SHARED_OK) return false;
      continue;
    }
    return now >= due;
  }
  return false;
}

function nextFlushId(now: u64): u64 {
  flushSeq++;
  // Unique per VM (salt) and per flush (sequence); the time keeps ids apart across VM restarts.
  return ((vmSalt & 0xffff) << 48) | ((now & 0xffffffff) << 16) | (flushSeq & 0xffff);
}

/** reporterOwns: whether an http-call answer belongs to a report. */
export function reporterOwns(token: u32): bool {
  return inflightReports.has(token);
}

/** reportsInFlight: reports of this VM waiting for their answer. */
export function reportsInFlight(): i32 {
  return inflightReports.size;
}

/** tickFlush: flush when the shared schedule says so and this worker wins the interval. */
export function tickFlush(snapshot: Snapshot, now: u64): void {
  const policy = snapshot.config.backend.caching;
  const interval = policy.reportIntervalSeconds * 1000;
  if (keepSchedule(policy, now)) {
    const v = sharedGet(NEXT_FLUSH_KEY);
    // Exactly one worker moves the schedule forward; the others see CasMismatch and skip.
    if (v.found && now >= readU64(v.bytes) && sharedSet(NEXT_FLUSH_KEY, u64Bytes(now + interval), v.cas) == SHARED_OK) {
      if (hostLogLevel() <= LOG_DEBUG) logAt(LOG_DEBUG, "cache: report interval claimed by this worker");
      flushAll(snapshot, now, "interval");
    }
  }
  retryHeld(snapshot, now, interval);
  logFailures(now, interval);
}

function serviceToken(snapshot: Snapshot, serviceId: string): string {
  const list = snapshot.services;
  for (let i = 0, n = list.length; i < n; i++) {
    const s = unchecked(list[i]);
    if (s.service.id == serviceId && s.token.length > 0) return s.token;
  }
  return "";
}

/** applicationKey: one report per (service, credential kind, credential). */
function applicationKey(serviceId: string, kind: CredKind, credential: string): string {
  return serviceId + "\n" + (kind == CredKind.UserKey ? "u" : "a") + credential;
}

/**
 * flushAll claims every slot's pending usage that `snapshot` can report (it knows the service's
 * token) and sends one report per application. Returns the number of reports dispatched.
 */
export function flushAll(snapshot: Snapshot, now: u64, why: string): i32 {
  const flushId = nextFlushId(now);
  const timeoutMs = <u64>snapshot.config.backend.upstream.timeoutMs;
  const reports = new Array<ServiceReport>();
  const claims = new Array<InflightReport>();
  const byApplication = new Map<string, i32>();
  for (let slot = 0; ; slot++) {
    const claimed = claimSlot(snapshot, slot, flushId, now, timeoutMs);
    if (claimed === null) break; // past the last slot ever created
    const rec = claimed.record;
    if (rec === null) continue;
    const key = applicationKey(rec.serviceId, rec.credKind, rec.credential);
    let at: i32;
    if (byApplication.has(key)) {
      at = byApplication.get(key);
    } else {
      at = reports.length;
      byApplication.set(key, at);
      reports.push(new ServiceReport(rec.serviceId));
      claims.push(new InflightReport(flushId, rec.serviceId));
    }
    // One transaction per report; an application's keys (metric sets) are merged into it.
    const tx = unchecked(reports[at]).transactionFor(rec.credKind, rec.credential);
    for (let i = 0, n = rec.metrics.length; i < n; i++) tx.add(unchecked(rec.metrics[i]), unchecked(rec.inflight[i]));
    unchecked(claims[at]).slots.push(slot);
    unchecked(claims[at]).hashes.push(rec.hash);
  }
  let sent = 0;
  for (let i = 0, n = reports.length; i < n; i++) {
    if (dispatchReport(snapshot, unchecked(reports[i]), unchecked(claims[i]), why)) sent++;
  }
  if (sent > 0 && hostLogLevel() <= LOG_DEBUG) {
    logAt(LOG_DEBUG, "cache: " + sent.toString() + " report(s) sent (" + why + "), one per application");
  }
  return sent;
}

/** ClaimResult: null record = nothing claimed in this slot. */
@final
class ClaimResult {
  constructor(public readonly record: SlotRecord | null) {}
}

/** claimSlot moves one slot's pending usage to inflight under `flushId`; null past the last slot. */
function claimSlot(snapshot: Snapshot, slot: i32, flushId: u64, now: u64, timeoutMs: u64): ClaimResult | null {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const r = readSlot(slot);
    if (!r.exists) return null;
    const bytes = r.bytes;
    if (bytes === null) return new ClaimResult(null);
    const view = viewRecord(bytes);
    if (view.valid && view.hash == 0) return new ClaimResult(null); // never used: skip the decode
    const rec = r.record;
    if (rec === null) return new ClaimResult(null);
    let changed = false;
    if (rec.inflightId != 0) {
      // Claimed by a flush still waiting for its answer, unless that claim is long dead.
      if (now < rec.inflightAtMs + timeoutMs + STALE_CLAIM_GRACE_MS || isOwnClaim(rec.inflightId)) return new ClaimResult(null);
      rec.restore();
      changed = true;
    }
    if (!rec.hasPending() || serviceToken(snapshot, rec.serviceId).length == 0) {
      // Not reportable now (nothing pending, or another configuration's service): a stale claim
      // given back is still written, so the usage is reported later.
      if (changed && !writeSlot(r, rec)) continue;
      return new ClaimResult(null);
    }
    rec.claim(flushId, now);
    if (writeSlot(r, rec)) return new ClaimResult(rec);
  }
  return new ClaimResult(null);
}

function isOwnClaim(flushId: u64): bool {
  const values = inflightReports.values();
  for (let i = 0, n = values.length; i < n; i++) if (unchecked(values[i]).flushId == flushId) return true;
  return false;
}

function dispatchReport(snapshot: Snapshot, report: ServiceReport, claim: InflightReport, why: string): bool {
  const backend = snapshot.config.backend;
  const up = backend.upstream;
  const token = serviceToken(snapshot, report.serviceId);
  if (!report.hasUsage()) {
    // Only zero or negative totals: nothing 3scale would accept; they are settled unsent.
    settleOrRestore(claim, true);
    return false;
  }
  if (token.length == 0) {
    // Only held usage gets here (slots of unknown services are not claimed): keep holding it.
    settleOrRestore(claim, false);
    return false;
  }
  const body = reportBody(report, token, false);
  const path = up.basePath + "transactions.xml" + (up.query.length > 0 ? "?" + up.query : "");
  const pairs = serializePairs(REPORT_HEADER_NAMES, ["POST", path, up.authority, up.scheme, "application/x-www-form-urlencoded", backend.optionsHeader]);
  const status = httpCallWithBody(snapshot.backendCluster, pairs, String.UTF8.encode(body), up.timeoutMs);
  if (status != STATUS_OK) {
    countReportFailed();
    noteFailure(report.serviceId, "dispatch failed (cluster \"" + up.name + "\")");
    settleOrRestore(claim, false);
    return false;
  }
  inflightReports.set(POST_TOKEN, claim);
  if (hostLogLevel() <= LOG_DEBUG) {
    logAt(LOG_DEBUG, "cache: report (" + why + ") for service " + report.serviceId + ": " + reportBody(report, token, true));
  }
  return true;
}

/**
 * reportDirectly reports one request's usage on its own, now: 3scale allowed it but no slot
 * could take the usage. If the report fails, the usage is held in this VM's memory and retried.
 */
export function reportDirectly(snapshot: Snapshot, serviceId: string, kind: CredKind, credential: string, names: Array<string>, deltas: Array<i64>): void {
  const tx = new ReportTransaction(kind, credential);
  for (let i = 0, n = names.length; i < n && i < deltas.length; i++) tx.add(unchecked(names[i]), unchecked(deltas[i]));
  sendHeld(snapshot, new HeldUsage(serviceId, tx), "no free cache slot");
}

function sendHeld(snapshot: Snapshot, h: HeldUsage, why: string): bool {
  const report = new ServiceReport(h.serviceId);
  report.transactions.push(h.tx);
  const claim = new InflightReport(nextFlushId(nowMillis()), h.serviceId);
  claim.held = h;
  return dispatchReport(snapshot, report, claim, why);
}

/** hold keeps usage whose report failed, merged per application, for the next retry. */
function hold(h: HeldUsage): void {
  for (let i = 0, n = held.length; i < n; i++) {
    const e = unchecked(held[i]);
    if (e.serviceId == h.serviceId && e.tx.credKind == h.tx.credKind && e.tx.credential == h.tx.credential) {
      for (let j = 0, m = h.tx.metrics.length; j < m; j++) e.tx.add(unchecked(h.tx.metrics[j]), unchecked(h.tx.values[j]));
      return;
    }
  }
  if (held.length >= MAX_HELD_APPLICATIONS) {
    // Not reachable in practice (it takes a thousand applications racing for full slots while
    // 3scale fails): said loudly, since billing data is lost here.
    logAt(LOG_ERROR, "cache: service " + h.serviceId + ": usage of one application could not be kept (" +
      MAX_HELD_APPLICATIONS.toString() + " applications already held in memory; raise backend.cache.max_entries)");
    return;
  }
  held.push(h);
}

/** heldApplications: applications whose usage this VM holds in memory (tests, debug). */
export function heldApplications(): i32 {
  return held.length;
}

/** retryHeld re-sends held usage once per interval while 3scale is not known to be down. */
function retryHeld(snapshot: Snapshot, now: u64, interval: u64): void {
  if (held.length == 0 || now < heldRetryAtMs || backendDown(now)) return;
  heldRetryAtMs = now + interval;
  const list = held;
  held = new Array<HeldUsage>();
  for (let i = 0, n = list.length; i < n; i++) sendHeld(snapshot, unchecked(list[i]), "retry");
}

/** onReportAnswer: a 2xx settles the report's usage; anything else gives it back for a retry. */
export function onReportAnswer(token: u32, numHeaders: u32, bodySize: u32): void {
  if (!inflightReports.has(token)) return;
  const claim = inflightReports.get(token);
  inflightReports.delete(token);
  let status: i32 = -1;
  if (numHeaders > 0) {
    const raw = getHeaderValueBytes(MAP_HTTP_CALL_RESPONSE_HEADERS, STATUS_KEY);
    status = parseStatus(raw === null ? null : decodeUtf8LossyBuffer(raw));
  }
  const ok = status >= 200 && status <= 299;
  if (ok) {
    countReportSent();
    markUp(); // 3scale answers again: requests may ask it at once
  } else {
    countReportFailed();
    if (numHeaders == 0 || status < 0 || status >= 500) markDown(nowMillis()); // no decision could be had
    noteFailure(claim.serviceId, failureReason(numHeaders, status, bodySize));
  }
  if (ok && hostLogLevel() <= LOG_DEBUG) {
    logAt(LOG_DEBUG, "cache: report for service " + claim.serviceId + " accepted (" + claim.slots.length.toString() + " key(s))");
  }
  settleOrRestore(claim, ok);
}

/** failureReason: what a failed report's answer says (status, and 3scale's error code if any). */
function failureReason(numHeaders: u32, status: i32, bodySize: u32): string {
  if (numHeaders == 0) return "no response";
  if (status < 0) return "invalid status";
  let reason = "status " + status.toString();
  if (bodySize > 0) {
    // 3scale names why it refused a report in `<error code="…">`; only a code is ever logged.
    const body = getBufferBytes(BUFFER_HTTP_CALL_RESPONSE_BODY, 0, bodySize < ERROR_BODY_PREFIX_BYTES ? bodySize : ERROR_BODY_PREFIX_BYTES);
    const code = body !== null ? errorBodyCode(decodeUtf8LossyBuffer(body)) : null;
    if (code !== null) reason += ", " + code;
  }
  return reason;
}

function noteFailure(serviceId: string, reason: string): void {
  for (let i = 0, n = failureNotes.length; i < n; i++) {
    const f = unchecked(failureNotes[i]);
    if (f.serviceId == serviceId && f.reason == reason) {
      f.count++;
      return;
    }
  }
  if (failureNotes.length >= 64) return; // a bounded summary; the count of reports.failed is exact
  const f = new FailureNote(serviceId, reason);
  f.count = 1;
  failureNotes.push(f);
}

/**
 * logFailures: failed reports are summed up at warn at most once per report interval, per service
 * and reason, never naming a credential. Their usage is kept and retried each interval, so a
 * report 3scale keeps rejecting (a revoked service token) is never retried silently.
 */
function logFailures(now: u64, interval: u64): void {
  if (failureNotes.length == 0 || now < failureLogAtMs) return;
  failureLogAtMs = now + interval;
  const notes = failureNotes;
  failureNotes = new Array<FailureNote>();
  for (let i = 0, n = notes.length; i < n; i++) {
    const f = unchecked(notes[i]);
    logAt(LOG_WARN, "cache: " + f.count.toString() + " report(s) for service " + f.serviceId + " failed: " + f.reason +
      "; their usage is kept and retried every " + (interval / 1000).toString() + " s");
  }
}

function settleOrRestore(claim: InflightReport, accepted: bool): void {
  const h = claim.held;
  if (h !== null && !accepted) hold(h);
  for (let i = 0, n = claim.slots.length; i < n; i++) {
    const slot = unchecked(claim.slots[i]);
    const hash = unchecked(claim.hashes[i]);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const r: SlotRead = readSlot(slot);
      const rec = r.record;
      if (rec === null || rec.hash != hash || rec.inflightId != claim.flushId) break; // reclaimed meanwhile
      if (accepted) {
        rec.settle();
        // The next request re-authorizes against counters that now include this usage: this is
        // what bounds a limit's overshoot to one report interval.
        if (rec.verdict == CachedVerdict.Allow) rec.validUntilMs = 0;
      } else {
        rec.restore();
      }
      if (writeSlot(r, rec)) break;
    }
  }
}
