// Metrics (docs/host-simulator.md). Envoy binds every define to the stat
// `wasmcustom.<name>`; ids are per VM: counters 4, 8, …; gauges 5, 9, …; histograms 6, 10, ….

import { MetricType, WasmResult } from "../abi/enums.js";

export interface MetricStat {
  name: string;
  type: MetricType;
  value: bigint;
  /** histogram samples, in recording order */
  samples: bigint[];
}

/** MetricsStore holds the stats by name; tests read them with get/value. Shareable across VMs. */
export class MetricsStore {
  private stats = new Map<string, MetricStat>();

  stat(name: string, type: MetricType): MetricStat {
    let s = this.stats.get(name);
    if (!s) {
      s = { name, type, value: 0n, samples: [] };
      this.stats.set(name, s);
    }
    return s;
  }

  get(name: string): MetricStat | undefined {
    return this.stats.get(name);
  }

  /** value returns a counter/gauge value as a number (undefined when never defined). */
  value(name: string): number | undefined {
    const s = this.stats.get(name);
    return s ? Number(s.value) : undefined;
  }

  /** The Envoy stat name of a wasm metric. */
  envoyName(name: string): string {
    return `wasmcustom.${name}`;
  }

  all(): MetricStat[] {
    return [...this.stats.values()];
  }
}

/** MetricIds is the per-VM id table in front of a MetricsStore. */
export class MetricIds {
  private byId = new Map<number, MetricStat>();
  private nextId: Record<MetricType, number> = { [MetricType.Counter]: 4, [MetricType.Gauge]: 5, [MetricType.Histogram]: 6 };

  constructor(private readonly store: MetricsStore) {}

  define(type: number, name: string): { status: WasmResult; id: number } {
    if (type > MetricType.Histogram || type < 0) return { status: WasmResult.BadArgument, id: 0 };
    const t = type as MetricType;
    const id = this.nextId[t];
    this.nextId[t] += 4;
    this.byId.set(id, this.store.stat(name, t));
    return { status: WasmResult.Ok, id };
  }

  // Envoy's Context::incrementMetric / recordMetric / getMetric read the metric's type from the
  // id's low two bits first, then look the id up in that type's table.

  increment(id: number, offset: bigint): WasmResult {
    const type = id & 3;
    if (type !== MetricType.Counter && type !== MetricType.Gauge) return WasmResult.BadArgument;
    const s = this.byId.get(id);
    if (!s) return WasmResult.NotFound;
    if (type === MetricType.Counter) {
      if (offset <= 0n) return WasmResult.BadArgument;
      s.value += offset;
      return WasmResult.Ok;
    }
    s.value += offset;
    return WasmResult.Ok;
  }

  record(id: number, value: bigint): WasmResult {
    const s = this.byId.get(id);
    if (!s) return WasmResult.NotFound; // also a type-3 id: no table has it
    const v = BigInt.asUintN(64, value);
    if (s.type === MetricType.Counter) s.value += v;
    else if (s.type === MetricType.Gauge) s.value = v;
    else s.samples.push(v);
    return WasmResult.Ok;
  }

  get(id: number): { status: WasmResult; value: bigint } {
    const type = id & 3;
    if (type !== MetricType.Counter && type !== MetricType.Gauge) return { status: WasmResult.BadArgument, value: 0n };
    const s = this.byId.get(id);
    if (!s) return { status: WasmResult.NotFound, value: 0n };
    return { status: WasmResult.Ok, value: s.value };
  }
}
