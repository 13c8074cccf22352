// Splits the time of a request cycle between the module (guest wasm code) and the host (the
// simulator's JavaScript: import implementations, header/protobuf serialisation, bookkeeping).
// The simulator runs a JavaScript host, so its cost per host call is far above Envoy's C++; the
// guest share is the part of the figure that belongs to the filter. Works without touching the
// simulator: while `timed()` runs, WebAssembly.instantiate wraps every import and export so each
// guest↔host transition switches a stopwatch.
import { BenchCase, type CaseSpec } from "./cycle.js";

export class GuestClock {
  guestNs = 0;
  hostNs = 0;
  private readonly modes: Array<"guest" | "host"> = [];
  private last = 0n;

  private switchTo(mode: "guest" | "host" | null): void {
    const now = process.hrtime.bigint();
    const current = this.modes[this.modes.length - 1];
    if (current === "guest") this.guestNs += Number(now - this.last);
    else if (current === "host") this.hostNs += Number(now - this.last);
    this.last = now;
    void mode;
  }

  enter(mode: "guest" | "host"): void {
    this.switchTo(mode);
    this.modes.push(mode);
  }

  exit(): void {
    this.switchTo(null);
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

export interface GuestSplit {
  guestMicros: number;
  hostInCallsMicros: number;
}

/** guestSplit: µs per request spent in guest code and in host imports, over `cycles` cycles. */
export async function guestSplit(spec: CaseSpec, cycles: number): Promise<GuestSplit> {
  const clock = new GuestClock();
  const c = await timedCase(spec, clock);
  for (let i = 0; i < Math.min(cycles, 2000); i++) c.cycle();
  clock.reset();
  for (let i = 0; i < cycles; i++) c.cycle();
  return { guestMicros: clock.guestNs / 1e3 / cycles, hostInCallsMicros: clock.hostNs / 1e3 / cycles };
}
