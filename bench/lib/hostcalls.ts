// Hardware-independent figures: host calls (VM→host imports), VM calls (host→VM exports) and
// host-side mallocs per request, counted from the simulator's trace over a few traced cycles.
import { BenchCase, type CaseSpec } from "./cycle.js";

export interface CallCounts {
  hostCalls: number;
  vmCalls: number;
  mallocs: number;
  /** host calls per request by import name, most frequent first */
  byName: Array<[string, number]>;
}

export async function countCalls(spec: CaseSpec, cycles = 10): Promise<CallCounts> {
  const c = await BenchCase.create({ ...spec, trace: true });
  c.cycle(); // the first request may set up lazily built state: count steady-state requests
  const mark = c.sim.trace.mark();
  for (let i = 0; i < cycles; i++) c.cycle();
  const events = c.sim.trace.since(mark);
  const by: Record<string, number> = {};
  let hostCalls = 0;
  let vmCalls = 0;
  let mallocs = 0;
  for (const e of events) {
    if (e.kind === "host-call") {
      hostCalls++;
      by[e.name] = (by[e.name] ?? 0) + 1;
    } else if (e.kind === "vm-call") vmCalls++;
    else mallocs++;
  }
  const byName = Object.entries(by)
    .map(([k, v]) => [k, v / cycles] as [string, number])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { hostCalls: hostCalls / cycles, vmCalls: vmCalls / cycles, mallocs: mallocs / cycles, byName };
}
