// One cache slot in shared data: the key's hash, its last verdict (and until when it may be reused),
// the application's reporting identity, and per metric the usage waiting to be reported (`pending`)
// and the usage a flush has claimed and is reporting (`inflight`). Usage only ever moves
// pending → inflight (claim) → gone (report accepted) or back to pending (report failed), each
// move under CAS, so a unit of usage is reported once and never dropped.
import { ByteReader, ByteWriter } from "./bytes";

const MAGIC: u32 = 0x31435733; // "3WC1"

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
  serviceId: string = "";
  credKind: CredKind = CredKind.UserKey;
  /** user_key or app_id: what a report transaction names (the app_key is never stored). */
  credential: string = "";
  metrics: Array<string> = [];
  pending: Array<i64> = [];
  inflight: Array<i64> = [];

  /** addPending adds a request's usage to the pending totals, metric by metric. */
  addPending(names: Array<string>, deltas: Array<i64>): void {
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
    for (let i = 0, n = this.pending.length; i < n; i++) if (unchecked(this.pending[i]) != 0) return true;
    return false;
  }

  hasInflight(): bool {
    if (this.inflightId != 0) return true;
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
    this.inflightId = id;
    this.inflightAtMs = now;
  }

  /** settle forgets the inflight usage (its report was accepted). */
  settle(): void {
    for (let i = 0, n = this.inflight.length; i < n; i++) unchecked(this.inflight[i] = 0);
    this.inflightId = 0;
    this.inflightAtMs = 0;
  }

  /** restore gives the inflight usage back to pending (its report failed; it is retried). */
  restore(): void {
    for (let i = 0, n = this.inflight.length; i < n; i++) {
      unchecked(this.pending[i] += unchecked(this.inflight[i]));
      unchecked(this.inflight[i] = 0);
    }
    this.inflightId = 0;
    this.inflightAtMs = 0;
  }

  encode(): ArrayBuffer {
    const w = new ByteWriter();
    w.u32(MAGIC).u64(this.hash).u8(<u8>this.verdict).u64(this.validUntilMs).u64(this.inflightId).u64(this.inflightAtMs);
    w.str(this.serviceId).u8(<u8>this.credKind).str(this.credential);
    const n = this.metrics.length;
    w.u32(<u32>n);
    for (let i = 0; i < n; i++) {
      w.str(unchecked(this.metrics[i])).u64(<u64>unchecked(this.pending[i])).u64(<u64>unchecked(this.inflight[i]));
    }
    return w.finish();
  }
}

/** MAX_METRICS bounds what a decoded record may claim (a corrupt count cannot allocate wildly). */
const MAX_METRICS: u32 = 4096;

/** decodeRecord returns null for anything that is not a complete record of this version. */
export function decodeRecord(bytes: ArrayBuffer): SlotRecord | null {
  const r = new ByteReader(bytes);
  if (r.u32() != MAGIC) return null;
  const rec = new SlotRecord();
  rec.hash = r.u64();
  const v = r.u8();
  if (v > 3) return null;
  rec.verdict = <CachedVerdict>v;
  rec.validUntilMs = r.u64();
  rec.inflightId = r.u64();
  rec.inflightAtMs = r.u64();
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
  return r.atEnd ? rec : null;
}
