// The batcher (docs/cache.md): every report_interval one worker of the proxy — the one whose tick
// wins a CAS on the shared `next-flush` record — claims the pending usage of every slot (a second
// CAS per slot) and sends one `POST /transactions.xml` per service. A 2xx settles the claimed
// usage; anything else gives it back to pending, to be retried at the next interval.
import { logAt, LOG_DEBUG, LOG_WARN } from "../host/log";
import {
  hostLogLevel, getHeaderValueBytes, nowMillis, MAP_HTTP_CALL_RESPONSE_HEADERS, STATUS_OK,
} from "../host/hostcalls";
import { serializePairs } from "../host/headers";
import { CachePolicy } from "../config/cache-model";
import { Snapshot } from "../runtime/snapshot";
import { parseStatus } from "../pipeline/verdict";
import { decodeUtf8LossyBuffer } from "../util/utf8lossy";
import { countReportFailed, countReportSent } from "../runtime/metrics";
import { httpCallWithBody, POST_TOKEN } from "./http";
import { markDown, markUp } from "./breaker";
import { CachedVerdict, SlotRecord, viewRecord } from "./record";
import { reportBody, ServiceReport } from "./report";
import { sharedGet, sharedSet, SHARED_OK } from "./shared";
import { ensureSlots, KEY_PREFIX, readSlot, SlotRead, writeSlot } from "./store";

const NEXT_FLUSH_KEY = KEY_PREFIX + "next-flush";
const VM_COUNTER_KEY = KEY_PREFIX + "vm-counter";
const STATUS_KEY = String.UTF8.encode(":status");
const REPORT_HEADER_NAMES: Array<string> = [":method", ":path", ":authority", ":scheme", "content-type", "3scale-options"];
const CAS_ATTEMPTS: i32 = 16;
/** A claim older than the call timeout plus this is presumed lost (its worker died) and reclaimed. */
const STALE_CLAIM_GRACE_MS: u64 = 60000;

/** A report in flight: the slots whose usage it carries. */
@final
class InflightReport {
  readonly slots: Array<i32> = [];
  readonly hashes: Array<u64> = [];
  constructor(public readonly flushId: u64, public readonly serviceId: string) {}
}

// Per-VM state. It outlives configurations on purpose: answers to reports sent under an earlier
// configuration must still settle or restore their usage.
const inflightReports = new Map<u32, InflightReport>();
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
 * it creates the slots and the flush schedule, and gives this VM a salt for its flush ids.
 */
export function prepareShared(policy: CachePolicy, now: u64): void {
  ensureSlots(policy.maxEntries);
  if (!sharedGet(NEXT_FLUSH_KEY).found) sharedSet(NEXT_FLUSH_KEY, u64Bytes(now + policy.reportIntervalSeconds * 1000), 0);
  if (vmSalt == 0) {
    for (let i = 0; i < CAS_ATTEMPTS && vmSalt == 0; i++) {
      const v = sharedGet(VM_COUNTER_KEY);
      const next = readU64(v.bytes) + 1;
      if (sharedSet(VM_COUNTER_KEY, u64Bytes(next), v.cas) == SHARED_OK) vmSalt = next;
    }
  }
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
  const v = sharedGet(NEXT_FLUSH_KEY);
  const interval = policy.reportIntervalSeconds * 1000;
  if (!v.found) {
    sharedSet(NEXT_FLUSH_KEY, u64Bytes(now + interval), 0);
    return;
  }
  if (now < readU64(v.bytes)) return;
  // Exactly one worker moves the schedule forward; the others see CasMismatch and skip.
  if (sharedSet(NEXT_FLUSH_KEY, u64Bytes(now + interval), v.cas) != SHARED_OK) return;
  if (hostLogLevel() <= LOG_DEBUG) logAt(LOG_DEBUG, "cache: report interval claimed by this worker");
  flushAll(snapshot, now, "interval");
}

function serviceToken(snapshot: Snapshot, serviceId: string): string {
  const list = snapshot.services;
  for (let i = 0, n = list.length; i < n; i++) {
    const s = unchecked(list[i]);
    if (s.service.id == serviceId && s.token.length > 0) return s.token;
  }
  return "";
}

/**
 * flushAll claims every slot's pending usage that `snapshot` can report (it knows the service's
 * token) and sends one report per service. Returns the number of reports dispatched.
 */
export function flushAll(snapshot: Snapshot, now: u64, why: string): i32 {
  const flushId = nextFlushId(now);
  const timeoutMs = <u64>snapshot.config.backend.upstream.timeoutMs;
  const reports = new Array<ServiceReport>();
  const claims = new Array<InflightReport>();
  for (let slot = 0; ; slot++) {
    const claimed = claimSlot(snapshot, slot, flushId, now, timeoutMs);
    if (claimed === null) break; // past the last slot ever created
    const rec = claimed.record;
    if (rec === null) continue;
    let at = -1;
    for (let i = 0, n = reports.length; i < n; i++) if (unchecked(reports[i]).serviceId == rec.serviceId) { at = i; break; }
    if (at < 0) {
      at = reports.length;
      reports.push(new ServiceReport(rec.serviceId));
      claims.push(new InflightReport(flushId, rec.serviceId));
    }
    const tx = unchecked(reports[at]).transactionFor(rec.credKind, rec.credential);
    for (let i = 0, n = rec.metrics.length; i < n; i++) tx.add(unchecked(rec.metrics[i]), unchecked(rec.inflight[i]));
    unchecked(claims[at]).slots.push(slot);
    unchecked(claims[at]).hashes.push(rec.hash);
  }
  let sent = 0;
  for (let i = 0, n = reports.length; i < n; i++) {
    if (dispatchReport(snapshot, unchecked(reports[i]), unchecked(claims[i]), why)) sent++;
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
    if (bytes === null || viewRecord(bytes).hash == 0) return new ClaimResult(null); // never used: skip the decode
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
  const body = reportBody(report, token, false);
  const path = up.basePath + "transactions.xml" + (up.query.length > 0 ? "?" + up.query : "");
  const pairs = serializePairs(REPORT_HEADER_NAMES, ["POST", path, up.authority, up.scheme, "application/x-www-form-urlencoded", backend.optionsHeader]);
  const status = httpCallWithBody(snapshot.backendCluster, pairs, String.UTF8.encode(body), up.timeoutMs);
  if (status != STATUS_OK) {
    countReportFailed();
    logAt(LOG_WARN, "cache: report for service " + report.serviceId + " failed: dispatch failed (cluster \"" + up.name + "\"); usage kept for the next report");
    settleOrRestore(claim, false);
    return false;
  }
  inflightReports.set(POST_TOKEN, claim);
  if (hostLogLevel() <= LOG_DEBUG) {
    logAt(LOG_DEBUG, "cache: report (" + why + ") for service " + report.serviceId + ", " +
      report.transactions.length.toString() + " application(s): " + reportBody(report, token, true));
  }
  return true;
}

/** onReportAnswer: a 2xx settles the report's usage; anything else gives it back for a retry. */
export function onReportAnswer(token: u32, numHeaders: u32): void {
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
  }
  if (!ok) {
    logAt(LOG_WARN, "cache: report for service " + claim.serviceId + " failed: " +
      (numHeaders == 0 ? "no response" : status < 0 ? "invalid status" : "status " + status.toString()) + "; usage kept for the next report");
  } else if (hostLogLevel() <= LOG_DEBUG) {
    logAt(LOG_DEBUG, "cache: report for service " + claim.serviceId + " accepted (" + claim.slots.length.toString() + " key(s))");
  }
  settleOrRestore(claim, ok);
}

function settleOrRestore(claim: InflightReport, accepted: bool): void {
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
