// Helpers for the suites that run modules in Envoy's own Proxy-Wasm host (proxy-wasm-cpp-host +
// WAMR) through the driver. Without a built driver the suites skip with the reason; with CI=true
// they fail instead, so CI never passes without the real host.
import { afterEach, describe, expect, it } from "vitest";
import { RealHostDriver, realHostAvailability, type HostEvent, type Pairs } from "../../bench/lib/real-host.js";
import { modulePath } from "../support/modules.js";
import type { BackendSimulator } from "../../src-host-sim/backend/index.js";

export type { HostEvent, Pairs };

export const availability = realHostAvailability();
const requiredInCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * describeRealHost: `describe` when the real host is built; otherwise a skipped suite whose name
 * carries the reason, or (CI) one failing test saying why.
 */
export function describeRealHost(name: string, body: () => void): void {
  if (availability.available) {
    describe(name, body);
  } else if (requiredInCi) {
    describe(name, () => {
      it("needs the real host (CI requires it)", () => {
        throw new Error(`real host unavailable: ${availability.reason}`);
      });
    });
  } else {
    console.warn(`real-host suite "${name}" skipped: ${availability.reason}`);
    describe.skip(`${name} [SKIPPED: ${availability.reason}]`, body);
  }
}

export interface VmOptions {
  config: unknown;
  /** the clusters Envoy knows; undefined: any name is accepted */
  clusters?: string[];
  vmId?: string;
  rootId?: string;
  failOpen?: boolean;
  logLevel?: "trace" | "debug" | "info" | "warn" | "error";
  module?: string;
  vmConfig?: string;
}

export interface CallAnswer {
  status?: number;
  /** full header list; :status is prepended from `status` unless present or `noStatus` */
  headers?: Pairs;
  body?: string;
  noStatus?: boolean;
}

/** RealHost: one driver process (all its VMs share cpp-host's process-wide shared data). */
export class RealHost {
  readonly driver = new RealHostDriver();

  async startVm(vm: string, o: VmOptions): Promise<HostEvent> {
    const events = await this.driver.send({
      cmd: "vm",
      vm,
      module: o.module ?? modulePath("product"),
      vm_id: o.vmId ?? "threescale",
      root_id: o.rootId ?? "threescale-wasm-auth",
      plugin_config: typeof o.config === "string" ? o.config : JSON.stringify(o.config),
      vm_config: o.vmConfig ?? "",
      fail_open: o.failOpen ?? false,
      log_level: o.logLevel ?? "info",
      ...(o.clusters ? { clusters: o.clusters } : {}),
    });
    const started = events.find((e) => e.ev === "vm_started");
    if (!started) throw new Error(`no vm_started: ${JSON.stringify(events)}`);
    return started;
  }

  /** startOk: startVm that must succeed. */
  async startOk(vm: string, o: VmOptions): Promise<HostEvent> {
    const started = await this.startVm(vm, o);
    expect(started, JSON.stringify(this.logs())).toMatchObject({ ok: true });
    return started;
  }

  /** properties: raw string values; properties_b64: binary values, base64 (e.g. serialized metadata) */
  request(vm: string, stream: string, headers: Pairs, extra: { body?: string; properties?: Record<string, string>; properties_b64?: Record<string, string> } = {}): Promise<HostEvent[]> {
    return this.driver.send({ cmd: "request", vm, stream, headers, ...extra });
  }

  respond(vm: string, token: number, a: CallAnswer): Promise<HostEvent[]> {
    const headers: Pairs = [...(a.headers ?? [])];
    if (!a.noStatus && !headers.some(([k]) => k === ":status")) headers.unshift([":status", String(a.status ?? 200)]);
    return this.driver.send({ cmd: "respond", vm, token, headers, body: a.body ?? "" });
  }

  failCall(vm: string, token: number): Promise<HostEvent[]> {
    return this.driver.send({ cmd: "fail_call", vm, token });
  }

  upstreamResponse(stream: string, headers: Pairs = [[":status", "200"]], body = ""): Promise<HostEvent[]> {
    return this.driver.send({ cmd: "response", stream, headers, body });
  }

  end(stream: string, reset = false): Promise<HostEvent[]> {
    return this.driver.send({ cmd: "end", stream, reset });
  }

  advance(ms: number): Promise<HostEvent[]> {
    return this.driver.send({ cmd: "advance", ms });
  }

  async stats(): Promise<{ vms: Record<string, { memory_bytes: number; failed: boolean; fail_state: string; streams: number; pending_calls: number; timers: number }>; metrics: Record<string, number>; now_ms: number }> {
    const events = await this.driver.send({ cmd: "stats" });
    return events.find((e) => e.ev === "stats") as never;
  }

  async sharedData(vm: string, key: string): Promise<{ found: boolean; value?: string; cas?: number }> {
    const events = await this.driver.send({ cmd: "shared_data", vm, key });
    return events.find((e) => e.ev === "shared_data") as never;
  }

  /** pendingCalls: call-outs of worker VMs not answered yet (from everything received so far). */
  pendingCalls(cluster?: string): CallEvent[] {
    const open = new Map<string, CallEvent>();
    for (const e of this.driver.events) {
      if (e.ev === "http_call") open.set(`${e.vm}/${e.token}`, e as unknown as CallEvent);
      else if (e.ev === "call_answered") open.delete(`${e.vm}/${e.token}`);
    }
    return [...open.values()].filter((c) => cluster === undefined || c.cluster === cluster);
  }

  logs(): string[] {
    return this.driver.events.filter((e) => e.ev === "log").map((e) => String(e.msg));
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

/** withHosts: a fresh RealHost per test, closed afterwards. */
export function useRealHost(): () => RealHost {
  const hosts: RealHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  });
  return () => {
    const h = new RealHost();
    hosts.push(h);
    return h;
  };
}

// ---- event queries -----------------------------------------------------------------------------

export interface CallEvent {
  ev: "http_call";
  vm: string;
  token: number;
  cluster: string;
  stream?: string;
  headers: Pairs;
  body: string;
  timeout_ms: number;
}

export interface LocalReplyEvent {
  ev: "local_reply";
  stream: string;
  status: number;
  body: string;
  details: string;
  grpc_status: number | null;
  headers: Pairs;
  additional_headers: Pairs;
  fail_closed: boolean;
}

export function callsIn(events: HostEvent[]): CallEvent[] {
  return events.filter((e) => e.ev === "http_call") as unknown as CallEvent[];
}

export function onlyCall(events: HostEvent[]): CallEvent {
  const calls = callsIn(events);
  expect(calls, "exactly one call-out").toHaveLength(1);
  return calls[0]!;
}

export function replyIn(events: HostEvent[], stream?: string): LocalReplyEvent | undefined {
  return events.find((e) => e.ev === "local_reply" && (stream === undefined || e.stream === stream)) as LocalReplyEvent | undefined;
}

export function upstreamIn(events: HostEvent[], stream?: string): { headers: Pairs } | undefined {
  return events.find((e) => e.ev === "upstream" && (stream === undefined || e.stream === stream)) as { headers: Pairs } | undefined;
}

export function header(pairs: Pairs, name: string): string | undefined {
  return pairs.find(([k]) => k === name)?.[1];
}

export function expectReply(r: LocalReplyEvent | undefined, reply: readonly [number, string, string]): void {
  expect(r, "a local reply").toBeDefined();
  expect([r!.status, r!.body, r!.details]).toEqual([...reply]);
}

// ---- the 3scale backend, answered by the project's backend simulator (in-process, deterministic) --


/** backendAnswer: the backend simulator's answer to one authrep call-out. */
export function backendAnswer(backend: BackendSimulator, call: CallEvent): CallAnswer {
  const headers: Record<string, string> = {};
  for (const [k, v] of call.headers) if (!k.startsWith(":")) headers[k] = v;
  const res = backend.handle({
    method: header(call.headers, ":method") ?? "GET",
    url: header(call.headers, ":path") ?? "/",
    headers,
    body: new TextEncoder().encode(call.body),
  });
  return { status: res.status, headers: Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), v] as [string, string]), body: res.body };
}

/** answerCalls: answers every call-out in `events` with the backend simulator; returns all events. */
export async function answerCalls(host: RealHost, backend: BackendSimulator, events: HostEvent[]): Promise<HostEvent[]> {
  const all: HostEvent[] = [...events];
  let pending = callsIn(events);
  while (pending.length > 0) {
    const next: CallEvent[] = [];
    for (const c of pending) {
      const evs = await host.respond(c.vm, c.token, backendAnswer(backend, c));
      all.push(...evs);
      next.push(...callsIn(evs));
    }
    pending = next;
  }
  return all;
}
