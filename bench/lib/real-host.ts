// Client of the real-host driver (test/real-host/driver, built by `npm run real-host:build`): runs
// modules in Envoy's own Proxy-Wasm host, proxy-wasm-cpp-host with WAMR. One JSON command per line
// goes to the driver's stdin; its events come back one JSON object per line, each command's ending
// with {"ev":"end"}. Used by the test suite (test/real-host/) and by `npm run bench`.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { ROOT } from "./paths.js";

export const REAL_HOST_DIR = resolve(ROOT, "build/real-host");
export const DRIVER_BIN = resolve(REAL_HOST_DIR, "real-host-driver");
const STATUS_FILE = resolve(REAL_HOST_DIR, "status.json");

export interface RealHostAvailability {
  available: boolean;
  /** why not, when unavailable */
  reason: string;
}

/** Whether the driver is built; the reason otherwise (the build script records it). */
export function realHostAvailability(): RealHostAvailability {
  let status: { available?: boolean; reason?: string } = {};
  if (existsSync(STATUS_FILE)) {
    try {
      status = JSON.parse(readFileSync(STATUS_FILE, "utf8")) as typeof status;
    } catch {
      status = {};
    }
  }
  if (existsSync(DRIVER_BIN) && status.available !== false) return { available: true, reason: "" };
  return { available: false, reason: status.reason ?? "the real host is not built (npm run real-host:build)" };
}

export type Pairs = Array<[string, string]>;

/** One driver event; `ev` names it, the other fields depend on it (see test/real-host/README.md). */
export interface HostEvent {
  ev: string;
  [key: string]: unknown;
}

export class RealHostDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private waiting: { events: HostEvent[]; done: (e: HostEvent[]) => void; fail: (e: Error) => void } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private exited: Error | null = null;
  private stderr = "";
  /** every event received, in order (tests look back through it) */
  readonly events: HostEvent[] = [];
  keepEvents = true;

  constructor() {
    this.child = spawn(DRIVER_BIN, [], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => this.onLine(line));
    this.child.on("exit", (code, signal) => {
      this.exited = new Error(`real-host driver exited (${code ?? signal}): ${this.stderr}`);
      this.waiting?.fail(this.exited);
      this.waiting = null;
    });
  }

  private onLine(line: string): void {
    let ev: HostEvent;
    try {
      ev = JSON.parse(line) as HostEvent;
    } catch {
      ev = { ev: "unparsed", line };
    }
    if (this.keepEvents) this.events.push(ev);
    const w = this.waiting;
    if (!w) return;
    if (ev.ev === "end") {
      this.waiting = null;
      w.done(w.events);
    } else {
      w.events.push(ev);
    }
  }

  /** send runs one command and resolves with its events (commands are queued, never interleaved). */
  send(cmd: Record<string, unknown>): Promise<HostEvent[]> {
    const run = (): Promise<HostEvent[]> =>
      new Promise<HostEvent[]>((done, fail) => {
        if (this.exited) return fail(this.exited);
        this.waiting = { events: [], done, fail };
        this.child.stdin.write(JSON.stringify(cmd) + "\n");
      });
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once("exit", () => r()));
    this.child.stdin.end(JSON.stringify({ cmd: "quit" }) + "\n");
    await gone;
  }
}

/** The outcome of a `loop` command (soak and benchmark). */
export interface LoopResult {
  n: number;
  continued: number;
  calls: number;
  cpu_us_per_request: number;
  wall_us_per_request: number;
  counts: Record<string, number>;
  memory_samples: number[];
  memory_bytes: number;
  vm_failed: boolean;
}

export function loopResult(events: HostEvent[]): LoopResult {
  const ev = events.find((e) => e.ev === "loop");
  if (!ev) throw new Error(`loop produced no result: ${JSON.stringify(events)}`);
  return ev as unknown as LoopResult;
}
