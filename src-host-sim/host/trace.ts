// HostTrace: every host→VM call (export, args, result), every VM→host call (import, args,
// status) and every malloc the host performs, in order. Tests use it to pin the number of host
// calls a request costs; it can be disabled for benchmarks.

export type TraceKind = "vm-call" | "host-call" | "malloc";

export interface TraceEvent {
  seq: number;
  kind: TraceKind;
  name: string;
  /** the context the call ran for (vm-call) or resolved to (host-call: current/effective). */
  contextId: number;
  args: Array<number | bigint>;
  /** vm-call: the raw return value; host-call: the WasmResult status; malloc: the pointer. */
  result?: number | bigint;
  /** free-form extra detail: a trap message, a header key, a property path… */
  detail?: string;
  /** nesting depth of the VM call this event happened in (0 = outermost). */
  depth: number;
}

export class HostTrace {
  events: TraceEvent[] = [];
  enabled: boolean;
  private seq = 0;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  record(e: Omit<TraceEvent, "seq">): TraceEvent | undefined {
    if (!this.enabled) return undefined;
    const ev = { seq: this.seq++, ...e };
    this.events.push(ev);
    return ev;
  }

  clear(): void {
    this.events = [];
  }

  /** mark returns a position; `since(mark)` returns the events recorded after it. */
  mark(): number {
    return this.events.length;
  }

  since(mark: number): TraceEvent[] {
    return this.events.slice(mark);
  }

  hostCalls(name?: string, from = 0): TraceEvent[] {
    return this.events.slice(from).filter((e) => e.kind === "host-call" && (name === undefined || e.name === name));
  }

  vmCalls(name?: string, from = 0): TraceEvent[] {
    return this.events.slice(from).filter((e) => e.kind === "vm-call" && (name === undefined || e.name === name));
  }

  mallocs(from = 0): TraceEvent[] {
    return this.events.slice(from).filter((e) => e.kind === "malloc");
  }

  /** countHostCalls: name → count, for a per-request host-call budget. */
  countHostCalls(from = 0): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.hostCalls(undefined, from)) counts[e.name] = (counts[e.name] ?? 0) + 1;
    return counts;
  }

  /** A compact transcript, one line per event, for golden tests and debugging. */
  format(from = 0): string {
    return this.events
      .slice(from)
      .map((e) => `${"  ".repeat(e.depth + (e.kind === "vm-call" ? 0 : e.kind === "host-call" ? 1 : 2))}${e.kind === "vm-call" ? "→" : e.kind === "host-call" ? "←" : "+"} ${e.name}(${e.args.join(", ")})${e.result !== undefined ? ` = ${e.result}` : ""}${e.detail ? ` ${e.detail}` : ""} #${e.contextId}`)
      .join("\n");
  }
}
