// VirtualClock: the simulator's only source of time. Tick timers and http-call timeouts are
// scheduled on it and fire only when a test advances it (reference/proxy-wasm-host.md §4.10).
// One clock may be shared by several simulators (several worker VMs of one proxy).

/** Default start: 2026-01-01T00:00:00Z, so timestamps are realistic but deterministic. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);

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

  constructor(startMs: number = DEFAULT_EPOCH_MS) {
    this.nowMsValue = startMs;
    this.startMs = startMs;
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
      this.nowMsValue = Math.max(this.nowMsValue, next.dueMs);
      next.fire();
    }
    this.nowMsValue = target;
  }
}
