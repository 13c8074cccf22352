// Splits the time of a request cycle between the module (guest wasm code) and the host (the
// simulator's JavaScript: import implementations, header/protobuf serialisation, bookkeeping).
// The simulator runs a JavaScript host, so its cost per host call is far above Envoy's C++; the
// guest share is the part of the figure that belongs to the filter. Works without touching the
// simulator: while `timedCase()` creates its simulator, WebAssembly.instantiate wraps every import and export so each
// guest↔host transition switches a stopwatch.
import { BenchCase, type CaseSpec } from "./cycle.js";
import { median } from "./measure.js";

export class GuestClock {
  guestNs = 0;
  hostNs = 0;
  private readonly modes: Array<"guest" | "host"> = [];
  private last = 0n;

  /** charge the time since the last transition to the mode that was running */
  private charge(): void {
    const now = process.hrtime.bigint();
    const current = this.modes[this.modes.length - 1];
    if (current === "guest") this.guestNs += Number(now - this.last);
    else if (current === "host") this.hostNs += Number(now - this.last);
    this.last = now;
  }

  enter(mode: "guest" | "host"): void {
    this.charge();
    this.modes.push(mode);
  }

  exit(): void {
    this.charge();
    this.modes.pop();
  }

  reset(): void {
    this.guestNs = 0;
    this.hostNs = 0;
  }
}

type AnyFn = (...args: unknown[]) => unknown;

function wrap(fn: AnyFn, clock: GuestClock, mode: "guest" | "host"): AnyFn {
  return (...args: unknown[]) => {
    clock.enter(mode);
    try {
      return fn(...args);
    } finally {
      clock.exit();
    }
  };
}

/** timedCase creates a BenchCase whose guest and host time are measured by `clock`. */
export async function timedCase(spec: CaseSpec, clock: GuestClock): Promise<BenchCase> {
  const original = WebAssembly.instantiate;
  const patched = async (module: WebAssembly.Module, imports: WebAssembly.Imports = {}): Promise<WebAssembly.Instance> => {
    const wrappedImports: WebAssembly.Imports = {};
    for (const [ns, members] of Object.entries(imports)) {
      wrappedImports[ns] = Object.fromEntries(Object.entries(members).map(([k, v]) => [k, typeof v === "function" ? wrap(v as AnyFn, clock, "host") : v]));
    }
    const instance = (await (original as (m: WebAssembly.Module, i: WebAssembly.Imports) => Promise<WebAssembly.Instance>)(module, wrappedImports));
    const exports = Object.fromEntries(Object.entries(instance.exports).map(([k, v]) => [k, typeof v === "function" ? wrap(v as AnyFn, clock, "guest") : v]));
    return { exports } as WebAssembly.Instance;
  };
  (WebAssembly as { instantiate: unknown }).instantiate = patched;
  try {
    return await BenchCase.create(spec);
  } finally {
    (WebAssembly as { instantiate: unknown }).instantiate = original;
  }
}

export interface GuestRounds {
  /** median guest µs per request of each case */
  guestMicros: Record<string, number>;
  /** median over the rounds of (case guest µs / floor guest µs in the same round) */
  ratio: Record<string, number>;
}

/**
 * guestRounds: guest µs per request of every case, measured in interleaved rounds (as the CPU-time
 * figures are) so that a preempted moment hits every case of a round alike.
 */
export async function guestRounds(specs: Record<string, CaseSpec>, floor: string, rounds: number, n: number): Promise<GuestRounds> {
  const names = Object.keys(specs);
  const timed: Record<string, { c: BenchCase; clock: GuestClock }> = {};
  for (const name of names) {
    const clock = new GuestClock();
    const c = await timedCase(specs[name]!, clock);
    for (let i = 0; i < 1000; i++) c.cycle();
    timed[name] = { c, clock };
  }
  const per: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  const ratios: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const got: Record<string, number> = {};
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length]!;
      const { c, clock } = timed[name]!;
      clock.reset();
      for (let i = 0; i < n; i++) c.cycle();
      got[name] = clock.guestNs / 1e3 / n;
    }
    for (const name of names) {
      per[name]!.push(got[name]!);
      ratios[name]!.push(got[name]! / got[floor]!);
    }
  }
  return {
    guestMicros: Object.fromEntries(names.map((k) => [k, median(per[k]!)])),
    ratio: Object.fromEntries(names.map((k) => [k, median(ratios[k]!)])),
  };
}
