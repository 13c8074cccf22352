// One benchmark case: a simulator loaded with a module and a configuration, and `cycle()`, one full
// request cycle driven synchronously (no promises, so timing measures the module and the host
// ABI, not the event loop): context create → request headers → [authrep dispatched → backend
// answer delivered → continue] → response headers → on_log/on_done/on_delete.
import { LogLevel, ProxyWasmSimulator, type HttpCallResponseInit, type LogLevelName, type StreamOptions } from "../../src-host-sim/index.js";
import { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { handleBackendRequest } from "../../src-host-sim/backend/listener.js";
import { benchSeed } from "./configs.js";

export type Headers = Array<[string, string]>;

export interface CaseSpec {
  name: string;
  wasmPath: string;
  rootId?: string;
  config?: unknown;
  request: Headers;
  metadata?: StreamOptions["metadata"];
  /** what the case must end in: the backend call answered and the request continued, or a local reply */
  expect: "continued" | "local-reply" | "passthrough";
  /** the expected local reply status (denied case) */
  expectStatus?: number;
  logLevel?: LogLevel | LogLevelName;
  trace?: boolean;
}

export const RESPONSE_HEADERS: Headers = [[":status", "200"], ["content-type", "application/json"], ["content-length", "2"]];

export class BenchCase {
  private backendAnswer: HttpCallResponseInit | null = null;

  private constructor(
    readonly spec: CaseSpec,
    readonly sim: ProxyWasmSimulator,
  ) {}

  static async create(spec: CaseSpec): Promise<BenchCase> {
    // Envoy's default wasm log level is info; the trace and the call history are off so the host
    // keeps no per-request state (the same settings as bench/floor.ts).
    const sim = await ProxyWasmSimulator.create(spec.wasmPath, {
      rootId: spec.rootId ?? "threescale-wasm-auth",
      pluginConfiguration: spec.config as never,
      logLevel: spec.logLevel ?? LogLevel.Info,
      trace: spec.trace ?? false,
      keepLogs: spec.trace ?? false,
      httpCallHistory: false,
      // The module as built, as Envoy runs it: the watchdog's loop polls are a test aid.
      watchdog: false,
    });
    const r = sim.start();
    if (!r.ok) {
      const lines = sim.logs.map((l) => l.message).join("\n");
      throw new Error(`${spec.name}: the module did not start (${JSON.stringify(r)})\n${lines}`);
    }
    return new BenchCase(spec, sim);
  }

  /**
   * answerFor: the backend simulator's answer to the first authrep (seeded with
   * examples/seed.yaml + an OIDC service), replayed on every cycle so its cost stays out of the measurement.
   */
  private answerFor(path: string, headers: Headers): HttpCallResponseInit {
    if (this.backendAnswer) return this.backendAnswer;
    const backend = new BackendSimulator({ seed: benchSeed() });
    const lower: Record<string, string> = {};
    for (const [k, v] of headers) if (!k.startsWith(":")) lower[k.toLowerCase()] = v;
    const r = handleBackendRequest({ store: backend.store, clock: backend.clock, enqueue: () => undefined }, { method: "GET", url: path, headers: lower });
    if (r.status !== 200) throw new Error(`${this.spec.name}: the backend simulator answered ${r.status} to ${path}: ${r.body} ${JSON.stringify(r.headers)}`);
    this.backendAnswer = { status: r.status, headers: Object.entries(r.headers), body: r.body };
    return this.backendAnswer;
  }

  /** cycle runs one request cycle and checks that it ended as the case expects. */
  cycle(): void {
    const sim = this.sim;
    const s = sim.newHttpStream(this.spec.metadata ? { metadata: this.spec.metadata } : {});
    s.sendRequestHeaders(this.spec.request);
    if (this.spec.expect === "continued") {
      const call = sim.httpCalls.pending()[0];
      if (!call) throw new Error(`${this.spec.name}: no backend call was dispatched (status ${s.status}${s.localResponse ? ` ${s.localResponse.status}` : ""})`);
      call.respond(this.answerFor(call.path, call.headers as Headers));
      if (s.status !== "active") throw new Error(`${this.spec.name}: the request did not continue after the backend's 200 (status ${s.status})`);
      s.sendResponseHeaders(RESPONSE_HEADERS, { endOfStream: true });
    } else if (this.spec.expect === "passthrough") {
      s.sendResponseHeaders(RESPONSE_HEADERS, { endOfStream: true });
    } else {
      const status = s.localResponse?.status;
      if (status === undefined || (this.spec.expectStatus !== undefined && status !== this.spec.expectStatus)) {
        throw new Error(`${this.spec.name}: expected a local reply ${this.spec.expectStatus ?? ""}, got ${s.status} ${status ?? ""}`);
      }
    }
    s.complete();
  }
}
