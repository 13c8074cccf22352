// One cache slot in shared data: the key's hash, its last verdict (and until when it may be reused),
// the application's reporting identity, and per metric the usage waiting to be reported (`pending`)
// and the usage a flush has claimed and is reporting (`inflight`). Usage only ever moves
// pending → inflight (claim) → gone (report accepted) or back to pending (report failed), each
// move under CAS, so a unit of usage is reported once and never dropped. The calls behind that
// usage are counted the same way (`pendingCalls`, `inflightCalls`): they are the calls 3scale has
// not counted yet, which a fresh authorization's budget must leave room for.
import { ByteReader, ByteWriter } from "./bytes";

const MAGIC: u32 = 0x33435733; // "3WC3"
/** The previous layout (no call counters). Still decoded, so usage a previous module version left
 * in shared data (same vm_id, module upgraded in place) is reported rather than overwritten. */
const MAGIC_V2: u32 = 0x32435733; // "3WC2"

/**
 * MAX_RECORD_BYTES bounds every slot value the filter writes. A key whose record would be larger
 * (an absurdly long credential, or a request with very many metrics) is not cached: its request
 * gets a plain authrep (or, while 3scale is unreachable, is not allowed by the failure mode).
 */
export const MAX_RECORD_BYTES: i32 = 1024;

export const enum CachedVerdict { None = 0, Allow = 1, LimitsExceeded = 2, AuthFailed = 3 }
export const enum CredKind { UserKey = 0, AppId = 1 }

@final
export class SlotRecord {
  hash: u64 = 0;
  verdict: CachedVerdict = CachedVerdict.None;
  /** Wall-clock ms until which the verdict decides requests by itself; 0 = not reusable. */
  validUntilMs: u64 = 0;
  /** Id of the flush reporting `inflight` (0: none), and when it claimed it. */
  inflightId: u64 = 0;
  inflightAtMs: u64 = 0;
  /**
   * Calls of this key's usage the verdict allows (3scale-limit-remaining of the authorize answer,
   * this call included); -1 when unknown or unlimited. It is measured against 3scale's counters,
   * which do not include the calls still pending or in flight here: those use it up first.
   */
  budget: i64 = -1;
  /** Calls whose usage is in `pending` / in `inflight`: the calls 3scale has not counted yet. */
  pendingCalls: i64 = 0;
  inflightCalls: i64 = 0;
  serviceId: string = "";
  credKind: CredKind = CredKind.UserKey;
  /** user_key or app_id: what a report transaction names (the app_key is never stored). */
  credential: string = "";
  metrics: Array<string> = [];
  pending: Array<i64> = [];
  inflight: Array<i64> = [];
  /**
   * What 3scale's limit headers said with the verdict (RateLimit-* on cache hits): the limit
   * (3scale-limit-max-value, -1 unknown or unlimited) and when its period ends (wall-clock ms,
   * 0: unknown or never). Kept in an optional trailer, so records without it still decode.
   */
  maxValue: i64 = -1;
  resetAtMs: u64 = 0;

  /** unreportedCalls: calls served here that 3scale has not counted (as far as this proxy knows). */
  unreportedCalls(): i64 {
    return this.pendingCalls + this.inflightCalls;
  }

  /** addPending adds one request's usage to the pending totals, metric by metric. */
  addPending(names: Array<string>, deltas: Array<i64>): void {
    this.pendingCalls++;
    for (let i = 0, n = names.length; i < n && i < deltas.length; i++) {
      const name = unchecked(names[i]);
      const d = unchecked(deltas[i]);
      const at = this.metrics.indexOf(name);
      if (at >= 0) {
        unchecked(this.pending[at] += d);
      } else {
        this.metrics.push(name);
        this.pending.push(d);
        this.inflight.push(0);
      }
    }
  }

  hasPending(): bool {
    if (this.pendingCalls != 0) return true;
    for (let i = 0, n = this.pending.length; i < n; i++) if (unchecked(this.pending[i]) != 0) return true;
    return false;
  }

  hasInflight(): bool {
    if (this.inflightId != 0 || this.inflightCalls != 0) return true;
    for (let i = 0, n = this.inflight.length; i < n; i++) if (unchecked(this.inflight[i]) != 0) return true;
    return false;
  }

  /** holdsUsage: the slot may not be given to another key (its usage would be lost). */
  holdsUsage(): bool {
    return this.hasPending() || this.hasInflight();
  }

  /** claim moves pending → inflight for flush `id`. */
  claim(id: u64, now: u64): void {
    for (let i = 0, n = this.pending.length; i < n; i++) {
      unchecked(this.inflight[i] += unchecked(this.pending[i]));
      unchecked(this.pending[i] = 0);
    }
    this.inflightCalls += this.pendingCalls;
    this.pendingCalls = 0;
    this.inflightId = id;
    this.inflightAtMs = now;
  }

  /** settle forgets the inflight usage (its report was accepted). */
  settle(): void {
    for (let i = 0, n = this.inflight.length; i < n; i++) unchecked(this.inflight[i] = 0);
    this.inflightCalls = 0;
    this.inflightId = 0;
    this.inflightAtMs = 0;
  }

  /** restore gives the inflight usage back to pending (its report failed; it is retried). */
  restore(): void {
    for (let i = 0, n = this.inflight.length; i < n; i++) {
      unchecked(this.pending[i] += unchecked(this.inflight[i]));
      unchecked(this.inflight[i] = 0);
    }
    this.pendingCalls += this.inflightCalls;
    this.inflightCalls = 0;
    this.inflightId = 0;
    this.inflightAtMs = 0;
  }

  /** verified: the verdict came from 3scale (a denial for bad credentials excepted). */
  isVerified(): bool {
    return this.verdict == CachedVerdict.Allow || this.verdict == CachedVerdict.LimitsExceeded;
  }

  encode(): ArrayBuffer {
    const w = new ByteWriter();
    w.u32(MAGIC).u64(this.hash).u8(<u8>this.verdict).u64(this.validUntilMs).u64(this.inflightId).u64(this.inflightAtMs);
    w.u64(<u64>this.budget).u64(<u64>this.pendingCalls).u64(<u64>this.inflightCalls);
    w.str(this.serviceId).u8(<u8>this.credKind).str(this.credential);
    const n = this.metrics.length;
    w.u32(<u32>n);
    for (let i = 0; i < n; i++) {
      w.str(unchecked(this.metrics[i])).u64(<u64>unchecked(this.pending[i])).u64(<u64>unchecked(this.inflight[i]));
    }
    if (this.hasLimitInfo()) w.u32(LIMITS_TAG).u64(<u64>this.maxValue).u64(this.resetAtMs);
    return w.finish();
  }

  hasLimitInfo(): bool {
    return this.maxValue >= 0 || this.resetAtMs != 0;
  }
}

/** Tag of the optional limits trailer ("3WL1"): u32 tag, i64 maxValue, u64 resetAtMs. */
const LIMITS_TAG: u32 = 0x314c5733;
const LIMITS_TRAILER_SIZE: i32 = 20;

/** MAX_METRICS bounds what a decoded record may claim (a corrupt count cannot allocate wildly). */
const MAX_METRICS: u32 = 4096;

/** decodeRecord returns null for anything that is not a complete record (the limits trailer is optional). */
export function decodeRecord(bytes: ArrayBuffer): SlotRecord | null {
  const r = new ByteReader(bytes);
  const magic = r.u32();
  if (magic != MAGIC && magic != MAGIC_V2) return null;
  const rec = new SlotRecord();
  rec.hash = r.u64();
  const v = r.u8();
  if (v > 3) return null;
  rec.verdict = <CachedVerdict>v;
  rec.validUntilMs = r.u64();
  rec.inflightId = r.u64();
  rec.inflightAtMs = r.u64();
  rec.budget = <i64>r.u64();
  if (magic == MAGIC) {
    rec.pendingCalls = <i64>r.u64();
    rec.inflightCalls = <i64>r.u64();
    if (rec.pendingCalls < 0 || rec.inflightCalls < 0) return null;
  } else {
    r.u64(); // v2 "served": calls since the authorization, not what 3scale lacks; not carried over
  }
  rec.serviceId = r.str();
  const k = r.u8();
  if (k > 1) return null;
  rec.credKind = <CredKind>k;
  rec.credential = r.str();
  const n = r.u32();
  if (r.failed || n > MAX_METRICS) return null;
  for (let i: u32 = 0; i < n; i++) {
    rec.metrics.push(r.str());
    rec.pending.push(<i64>r.u64());
    rec.inflight.push(<i64>r.u64());
    if (r.failed) return null;
  }
  // The optional limits trailer: only an exact one counts. Anything else after the metrics (an
  // older version wrote none, or it is damaged) reads as "no limit info", keeping the usage.
  const limits = limitsTrailerAt(bytes, r.offset);
  rec.maxValue = limits.maxValue;
  rec.resetAtMs = limits.resetAtMs;
  return rec;
}

/** limitsTrailerAt reads the limits trailer expected at `at` (the end of the metrics). */
function limitsTrailerAt(bytes: ArrayBuffer, at: i32): RecordLimits {
  const out = new RecordLimits();
  if (at < 0 || bytes.byteLength - at != LIMITS_TRAILER_SIZE) return out;
  const base = changetype<usize>(bytes) + <usize>at;
  if (load<u32>(base) != LIMITS_TAG) return out;
  const max = load<i64>(base + 4);
  out.maxValue = max >= 0 ? max : -1;
  out.resetAtMs = load<u64>(base + 12);
  return out;
}

// ---- the hit path, without decoding --------------------------------------------------------
// A cache hit only reads the fixed header and adds to counters in place, then writes the same
// bytes back under CAS: no string is decoded or encoded. Offsets of the fixed header:
const AT_HASH: i32 = 4;
const AT_VERDICT: i32 = 12;
const AT_VALID_UNTIL: i32 = 13;
const AT_BUDGET: i32 = 37;
const AT_PENDING_CALLS: i32 = 45;
const AT_INFLIGHT_CALLS: i32 = 53;
const HEADER_SIZE: i32 = 61;

/** RecordView: the fixed header of an encoded record (valid = long enough, right magic). */
@final
export class RecordView {
  valid: bool = false;
  hash: u64 = 0;
  verdict: CachedVerdict = CachedVerdict.None;
  validUntilMs: u64 = 0;
  budget: i64 = -1;
  /** pendingCalls + inflightCalls: the calls 3scale has not counted yet. */
  unreported: i64 = 0;
}

export function viewRecord(bytes: ArrayBuffer): RecordView {
  const v = new RecordView();
  if (bytes.byteLength < HEADER_SIZE) return v;
  const base = changetype<usize>(bytes);
  if (load<u32>(base) != MAGIC) return v;
  const verdict = load<u8>(base + <usize>AT_VERDICT);
  if (verdict > 3) return v;
  v.valid = true;
  v.hash = load<u64>(base + <usize>AT_HASH);
  v.verdict = <CachedVerdict>verdict;
  v.validUntilMs = load<u64>(base + <usize>AT_VALID_UNTIL);
  v.budget = load<i64>(base + <usize>AT_BUDGET);
  v.unreported = load<i64>(base + <usize>AT_PENDING_CALLS) + load<i64>(base + <usize>AT_INFLIGHT_CALLS);
  return v;
}

/** skipString returns the offset after the length-prefixed string at `at`, or -1 past the end. */
function skipString(bytes: ArrayBuffer, at: i32): i32 {
  if (at < 0 || at + 4 > bytes.byteLength) return -1;
  const n = load<u32>(changetype<usize>(bytes) + <usize>at);
  if (n > <u32>(bytes.byteLength - at - 4)) return -1;
  return at + 4 + <i32>n;
}

/** sameAscii: the UTF-8 bytes at `at` (length n) spell `s`, which is ASCII. */
function sameAscii(bytes: ArrayBuffer, at: i32, n: i32, s: string): bool {
  if (n != s.length) return false;
  const base = changetype<usize>(bytes) + <usize>at;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || <i32>load<u8>(base + <usize>i) != c) return false;
  }
  return true;
}

/**
 * addHitInPlace counts one more served call and adds `deltas` to the pending counters inside
 * `bytes`. false (bytes unchanged) when a metric is not in the record yet or a name is not
 * ASCII: the caller then takes the decoding path.
 */
export function addHitInPlace(bytes: ArrayBuffer, names: Array<string>, deltas: Array<i64>): bool {
  let at = skipString(bytes, HEADER_SIZE); // serviceId
  if (at < 0 || at + 1 > bytes.byteLength) return false;
  at = skipString(bytes, at + 1); // credKind, credential
  if (at < 0 || at + 4 > bytes.byteLength) return false;
  const base = changetype<usize>(bytes);
  const count = <i32>load<u32>(base + <usize>at);
  at += 4;
  const k = names.length;
  if (deltas.length != k) return false;
  const offsets = new StaticArray<i32>(k);
  for (let i = 0; i < k; i++) unchecked(offsets[i] = -1);
  for (let e = 0; e < count; e++) {
    if (at + 4 > bytes.byteLength) return false;
    const n = <i32>load<u32>(base + <usize>at);
    const next = skipString(bytes, at);
    if (next < 0 || next + 16 > bytes.byteLength) return false;
    for (let i = 0; i < k; i++) {
      if (unchecked(offsets[i]) < 0 && sameAscii(bytes, at + 4, n, unchecked(names[i]))) unchecked(offsets[i] = next);
    }
    at = next + 16;
  }
  for (let i = 0; i < k; i++) if (unchecked(offsets[i]) < 0) return false;
  for (let i = 0; i < k; i++) {
    const p = base + <usize>unchecked(offsets[i]);
    store<i64>(p, load<i64>(p) + unchecked(deltas[i]));
  }
  const callsAt = base + <usize>AT_PENDING_CALLS;
  store<i64>(callsAt, load<i64>(callsAt) + 1);
  return true;
}

/** RecordLimits: the limits trailer of an encoded record; maxValue -1 and resetAtMs 0 when absent. */
@final
export class RecordLimits {
  maxValue: i64 = -1;
  resetAtMs: u64 = 0;
}

/**
 * viewLimits reads the limits trailer without decoding the strings: it walks past the metrics
 * (bounds-checked) and accepts only an exact trailer there. Anything else reads as "no limit info".
 */
export function viewLimits(bytes: ArrayBuffer): RecordLimits {
  const none = new RecordLimits();
  const len = bytes.byteLength;
  if (len < HEADER_SIZE) return none;
  let at = skipString(bytes, HEADER_SIZE); // serviceId
  if (at < 0 || at + 1 > len) return none;
  at = skipString(bytes, at + 1); // credKind, credential
  if (at < 0 || at + 4 > len) return none;
  const base = changetype<usize>(bytes);
  const count = load<u32>(base + <usize>at);
  if (count > MAX_METRICS) return none;
  at += 4;
  for (let e: u32 = 0; e < count; e++) {
    const next = skipString(bytes, at);
    if (next < 0 || next + 16 > len) return none;
    at = next + 16;
  }
  return limitsTrailerAt(bytes, at);
}

/**
 * recordBytesFor: the largest encoding a key's record can reach (limits trailer included), so a
 * key that could outgrow MAX_RECORD_BYTES is kept out of the cache before anything is stored.
 */
export function recordBytesFor(serviceId: string, credential: string, metrics: Array<string>): i32 {
  let n = HEADER_SIZE + 4 + String.UTF8.byteLength(serviceId) + 1 + 4 + String.UTF8.byteLength(credential) + 4;
  for (let i = 0, m = metrics.length; i < m; i++) n += 4 + String.UTF8.byteLength(unchecked(metrics[i])) + 16;
  return n + LIMITS_TRAILER_SIZE;
}
