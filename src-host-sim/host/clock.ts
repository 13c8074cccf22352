// VirtualClock: the simulator's only source of time. Tick timers and http-call timeouts are
// scheduled on it and fire only when a test advances it (docs/host-simulator.md).
// One clock may be shared by several simulators (several worker VMs of one proxy).
//
// A guest's clock reads (proxy_get_current_time_nanoseconds, WASI clock_time_get) also move time
// a little: each read adds a small deterministic step, as a real clock moves while code runs, so
// a module that waits for the clock to change (e.g. to seed a jitter RNG) proceeds. The steps
// stay inside the current virtual millisecond, so what a test schedules (ticks, timeouts, the
// millisecond a test advances to) is unchanged; once the millisecond is used up, reads repeat
// its last nanosecond until the test advances the clock.

/** Default start: 2026-01-01T00:00:00Z, so timestamps are realistic but deterministic. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Default step of one guest clock read, in ns (see the VirtualClock constructor). */
export const DEFAULT_READ_STEP_NS = Object.freeze({ min: 16, max: 64 });

interface Timer {
  id: number;
  dueMs: number;
  seq: number;
  fire: () => void;
}

export class VirtualClock {
  private nowMsValue: number;
  private readonly startMs: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private seq = 0;
  /** nowNs() for nowMsValue === nsForMs, kept: the time only moves when a test advances it */
  private nsForMs = NaN;
  private ns = 0n;
  /** nanoseconds guest reads have moved past nowNs() since the clock last advanced */
  private readOffsetNs = 0;
  /** the largest offset that stays below the next whole millisecond */
  private readOffsetCapNs = 0;
  /** state of the deterministic step sequence (xorshift32) */
  private stepState = 0x9e3779b9;
  readonly readStepNs: { min: number; max: number };

  /**
   * @param readStep the step each guest clock read adds, drawn deterministically from
   *   [min, max] ns (default 16–64 ns: roughly what a host call and a little guest code take,
   *   and varied, since jitter-entropy code rejects a clock whose deltas never change);
   *   { min: 0, max: 0 } freezes time inside a callback.
   */
  constructor(startMs: number = DEFAULT_EPOCH_MS, readStep: { min: number; max: number } = DEFAULT_READ_STEP_NS) {
    if (!(readStep.min >= 0 && readStep.max >= readStep.min && readStep.max < 1_000_000)) {
      throw new Error("VirtualClock read step must satisfy 0 <= min <= max < 1 ms");
    }
    this.nowMsValue = startMs;
    this.startMs = startMs;
    this.readStepNs = { min: Math.floor(readStep.min), max: Math.floor(readStep.max) };
    this.resetReadOffset();
  }

  /** Wall-clock milliseconds since the epoch. */
  nowMs(): number {
    return this.nowMsValue;
  }

  /** Wall-clock nanoseconds since the epoch (proxy_get_current_time_nanoseconds, WASI realtime). */
  nowNs(): bigint {
    if (this.nowMsValue !== this.nsForMs) {
      this.ns = BigInt(Math.round(this.nowMsValue * 1000)) * 1000n;
      this.nsForMs = this.nowMsValue;
    }
    return this.ns;
  }

  /** Monotonic nanoseconds since the clock was created (WASI monotonic). */
  monotonicNs(): bigint {
    return BigInt(Math.round((this.nowMsValue - this.startMs) * 1000)) * 1000n;
  }

  /** A guest's realtime read: nowNs() plus the reads' offset, which this read moves forward. */
  readRealtimeNs(): bigint {
    return this.nowNs() + BigInt(this.stepRead());
  }

  /** A guest's monotonic read (same offset as realtime reads, so both clocks move together). */
  readMonotonicNs(): bigint {
    return this.monotonicNs() + BigInt(this.stepRead());
  }

  /** Whether guest reads have used up the current virtual millisecond (reads now repeat). */
  readsExhausted(): boolean {
    return this.readStepNs.max > 0 && this.readOffsetNs >= this.readOffsetCapNs;
  }

  private stepRead(): number {
    const { min, max } = this.readStepNs;
    if (max === 0) return 0;
    let x = this.stepState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.stepState = x >>> 0;
    const step = min + (this.stepState % (max - min + 1));
    this.readOffsetNs = Math.min(this.readOffsetNs + step, this.readOffsetCapNs);
    return this.readOffsetNs;
  }

  private resetReadOffset(): void {
    this.readOffsetNs = 0;
    // Below the next whole millisecond of the virtual time (which may be fractional).
    const subMsNs = Math.round((this.nowMsValue % 1) * 1e6);
    this.readOffsetCapNs = Math.max(0, 999_999 - subMsNs);
  }

  /** schedule runs `fire` once the clock reaches now + delayMs; returns a cancellable id. */
  schedule(delayMs: number, fire: () => void): number {
    const id = this.nextId++;
    this.timers.push({ id, dueMs: this.nowMsValue + delayMs, seq: this.seq++, fire });
    return id;
  }

  cancel(id: number): void {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i >= 0) this.timers.splice(i, 1);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** advance moves time forward, firing due timers in order, each at its own due time. */
  advance(ms: number): void {
    if (ms < 0) throw new Error("VirtualClock cannot go backwards");
    const target = this.nowMsValue + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) {
        if (t.dueMs <= target && (!next || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      if (next.dueMs > this.nowMsValue) {
        this.nowMsValue = next.dueMs;
        this.resetReadOffset();
      }
      next.fire();
    }
    if (target !== this.nowMsValue) {
      this.nowMsValue = target;
      this.resetReadOffset();
    }
  }
}
