// The guest-call watchdog: a module's loops poll it (abi/wasm-instrument.ts) and it stops a
// top-level guest call that has run longer than its limit, naming the callback and the last host
// calls the guest made, so a runaway module fails a test instead of hanging it. Envoy has no such
// limit (a stuck worker stays stuck); this is a test aid, never a behaviour a module can rely on.

import { HostCallFatal } from "./imports.js";

/** Default limit of one guest call. */
export const DEFAULT_WATCHDOG_LIMIT_MS = 5000;
/** How many of the most recent host calls a report names. */
const RECENT = 8;

export interface WatchdogOptions {
  /** longest a single guest call may run, in ms of real time (default 5000) */
  limitMs?: number;
}

/** GuestWatchdogError: a guest call ran past the watchdog's limit and was stopped. */
export class GuestWatchdogError extends HostCallFatal {
  constructor(
    message: string,
    readonly exportName: string,
    readonly contextId: number,
    readonly elapsedMs: number,
    readonly lastHostCalls: string[],
  ) {
    super(message);
    this.name = "GuestWatchdogError";
  }
}

export class GuestWatchdog {
  readonly limitMs: number;
  /** ring of the latest host-call names (written by every import wrapper) */
  readonly recent: string[] = new Array<string>(RECENT).fill("");
  /** host calls made so far (the ring's write position) */
  hostCalls = 0;
  private callSeq = 0;
  private callStartHostCalls = 0;
  private polledSeq = -1;
  private polledSinceMs = 0;

  constructor(limitMs: number = DEFAULT_WATCHDOG_LIMIT_MS) {
    if (!(limitMs > 0)) throw new Error("watchdog limitMs must be > 0");
    this.limitMs = limitMs;
  }

  /** A top-level guest call begins (no clock read here: this runs on every callback). */
  beginCall(): void {
    this.callSeq++;
    this.callStartHostCalls = this.hostCalls;
  }

  /** recordHostCall: called by the import wrappers on every host call. */
  recordHostCall(name: string): void {
    this.recent[this.hostCalls++ & (RECENT - 1)] = name;
  }

  /** The latest host calls of the current guest call, oldest first. */
  lastHostCalls(): string[] {
    const n = Math.min(RECENT, this.hostCalls - this.callStartHostCalls);
    const out: string[] = [];
    for (let i = this.hostCalls - n; i < this.hostCalls; i++) out.push(this.recent[i & (RECENT - 1)]!);
    return out;
  }

  /**
   * poll runs from the guest's loops. The time is measured from the call's first poll (a few
   * thousand loop iterations in), which keeps clock reads off the per-callback path.
   */
  poll(describe: () => { exportName: string; contextId: number; hint?: string }): void {
    const now = performance.now();
    if (this.polledSeq !== this.callSeq) {
      this.polledSeq = this.callSeq;
      this.polledSinceMs = now;
      return;
    }
    const elapsed = now - this.polledSinceMs;
    if (elapsed <= this.limitMs) return;
    const { exportName, contextId, hint } = describe();
    const calls = this.lastHostCalls();
    const message =
      `watchdog: ${exportName} on context ${contextId} ran longer than ${this.limitMs} ms and was stopped; ` +
      `last host calls: ${calls.length > 0 ? calls.join(", ") : "none (a loop without host calls)"}` +
      (hint ? `; ${hint}` : "");
    throw new GuestWatchdogError(message, exportName, contextId, Math.round(elapsed), calls);
  }
}
