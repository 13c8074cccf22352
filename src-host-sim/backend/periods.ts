// Usage-limit periods and their UTC boundaries (apisonator's Period::Boundary): weeks start on
// Monday 00:00, months on the 1st, years on Jan 1; eternity has no boundaries.

export const PERIODS = ["eternity", "year", "month", "week", "day", "hour", "minute"] as const;
export type Period = (typeof PERIODS)[number];

/** Longest first: the order of usage reports within a metric, and the tie-break of limit headers. */
export function periodRank(p: Period): number {
  return PERIODS.indexOf(p);
}

export function isPeriod(s: string): s is Period {
  return (PERIODS as readonly string[]).includes(s);
}

export interface PeriodInstance {
  period: Period;
  /** ms since the epoch; null for eternity */
  start: number | null;
  end: number | null;
}

export function periodInstance(period: Period, nowMs: number): PeriodInstance {
  const d = new Date(nowMs);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  const day = d.getUTCDate();
  const h = d.getUTCHours();
  const mi = d.getUTCMinutes();
  switch (period) {
    case "eternity":
      return { period, start: null, end: null };
    case "year":
      return { period, start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
    case "month":
      return { period, start: Date.UTC(y, mo, 1), end: Date.UTC(y, mo + 1, 1) };
    case "week": {
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      const start = Date.UTC(y, mo, day - sinceMonday);
      return { period, start, end: Date.UTC(y, mo, day - sinceMonday + 7) };
    }
    case "day":
      return { period, start: Date.UTC(y, mo, day), end: Date.UTC(y, mo, day + 1) };
    case "hour":
      return { period, start: Date.UTC(y, mo, day, h), end: Date.UTC(y, mo, day, h + 1) };
    case "minute":
      return { period, start: Date.UTC(y, mo, day, h, mi), end: Date.UTC(y, mo, day, h, mi + 1) };
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** `%Y-%m-%d %H:%M:%S +0000`, the only time format apisonator writes. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** A clock the simulators read; tests inject a ManualClock to control periods. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  private t: number;
  constructor(start: number | Date | string = Date.now()) {
    this.t = toMs(start);
  }
  now(): number {
    return this.t;
  }
  set(time: number | Date | string): void {
    this.t = toMs(time);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export function toMs(t: number | Date | string): number {
  if (typeof t === "number") return t;
  if (t instanceof Date) return t.getTime();
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`invalid time "${t}"`);
  return ms;
}
