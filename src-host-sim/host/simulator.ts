// ProxyWasmSimulator: loads any Proxy-Wasm module (ABI 0.1.0, 0.2.0, 0.2.1) into Node's
// WebAssembly and drives it the way Envoy does (docs/host-simulator.md). All state lives in
// the instance: several simulators run side by side in one process (vitest runs files in parallel),
// and several simulators may share a VirtualClock / SharedDataStore / MetricsStore to model the
// worker VMs of one proxy.

import { readFile } from "node:fs/promises";
import { ABI_MARKERS, FailState, LogLevel, WasmResult, type AbiVersion } from "../abi/enums.js";
import { GuestMemory } from "../abi/memory.js";
import type { HeaderPair } from "../abi/pairs.js";
import type { JsonValue } from "../abi/protobuf.js";
import { readModuleSignatures, sigEquals, sigToString, type FuncSig } from "../abi/wasm-binary.js";
import { VirtualClock } from "./clock.js";
import { instrumentForWatchdog, pollFunction, WATCHDOG_START_EXPORT, WATCHDOG_TABLE_EXPORT } from "../abi/wasm-instrument.js";
import { GuestWatchdog, GuestWatchdogError, type WatchdogOptions } from "./watchdog.js";
import { HTTP_CALL_FAILURE_STATUS, HTTP_CALL_TIMEOUT_BODY, type LifecycleOrder } from "./envoy.js";
import { encodeUtf8 } from "../abi/utf8.js";
import { HeaderMap, INLINE_RESPONSE_HEADERS, INLINE_RESPONSE_TRAILERS, type HeaderInput } from "./headers.js";
import {
  HttpCall,
  HttpCallRegistry,
  type CallbackResult,
  type ClusterBehavior,
  type HttpCallResponseInit,
  type TrapInfo,
  CALL_RESPONSE_BUFFER_LIMIT,
} from "./http-calls.js";
import { buildImports, EXPECTED_EXPORTS, HostCallFatal, type ImportTable } from "./imports.js";
import { MetricIds, MetricsStore } from "./metrics.js";
import { metadataValue, overridesFrom, type PropertyInput, type PropertyValue } from "./properties.js";
import { SharedDataStore } from "./shared-data.js";
import { HttpStream, type ForwardedMessage, type GuestOutcome, type LocalResponse, type RequestDecision, type StreamHost, type StreamInit } from "./stream.js";
import { HostTrace } from "./trace.js";
import { resolveStrict, SimulatorStrictError, type StrictOptions } from "./strict.js";

export type ConfigInput = string | Uint8Array | Record<string, unknown> | unknown[] | null | undefined;
export type LogLevelName = "trace" | "debug" | "info" | "warn" | "error" | "critical";
export type ForeignFunction = (args: Uint8Array) => Uint8Array | WasmResult;

export interface SimulatorOptions {
  /** plugin root_id; "" is what Istio's WasmPlugin uses (default ""). */
  rootId?: string;
  vmId?: string;
  pluginName?: string;
  /** plugin configuration: a string/bytes as is, any other value as JSON (Struct → JSON). */
  pluginConfiguration?: ConfigInput;
  vmConfiguration?: ConfigInput;
  /**
   * undefined: any cluster accepted, calls stay pending until the test answers them;
   * given: unknown cluster → BadArgument; a function answers asynchronously (never inline).
   */
  clusters?: Record<string, ClusterBehavior>;
  failurePolicy?: "fail-closed" | "fail-open";
  /** Envoy's wasm logger level: lines below it are dropped; proxy_get_log_level returns it (default info, as Envoy's wasm logger). */
  logLevel?: LogLevel | LogLevelName;
  clock?: VirtualClock;
  /**
   * the step each guest clock read adds when the simulator makes its own clock (VirtualClock's
   * readStep; default 16–64 ns; { min: 0, max: 0 } freezes time within a callback)
   */
  clockReadStepNs?: { min: number; max: number };
  /**
   * stop a guest call that runs longer than limitMs (default 5000 ms) and throw a
   * GuestWatchdogError naming the callback and its last host calls; false turns it off (then the
   * module runs as built, without the loop polls)
   */
  watchdog?: WatchdogOptions | false;
  sharedData?: SharedDataStore;
  metrics?: MetricsStore;
  /** add :scheme, x-forwarded-proto and x-request-id to requests, as the HTTP connection manager does */
  envoyHeaderDefaults?: boolean;
  /**
   * the connection manager's request header limits (max_request_headers_kb, default 60; and
   * max_headers_count, default 100): a request over either is answered 431 by the codec before
   * any filter runs. Off by default; true uses Envoy's defaults.
   */
  requestHeaderLimits?: boolean | { maxKb?: number; maxCount?: number };
  /** end-of-stream order: "envoy" (on_log → on_done → on_delete, default) or "spec" */
  lifecycleOrder?: LifecycleOrder;
  /** Envoy ≥ 1.35 allow_on_headers_stop_iteration: keep StopIteration (1) from headers callbacks */
  allowOnHeadersStopIteration?: boolean;
  /** the local reply re-enters this filter's on_response_headers/body (default true) */
  localReplyThroughFilter?: boolean;
  /** properties visible on every context (root included), keyed "a.b" or "a\0b" */
  properties?: Record<string, PropertyInput>;
  foreignFunctions?: Record<string, ForeignFunction>;
  /** record the host↔VM trace (default true; benchmarks turn it off) */
  trace?: boolean;
  /** also print module logs at or above this level to stderr */
  echoLogs?: LogLevel | LogLevelName | false;
  /** called for every recorded log line (after level filtering), e.g. to stream logs from a gateway */
  onLog?: (record: LogRecord) => void;
  /** keep log lines in `sim.logs` (default true; long-running hosts turn it off and use onLog) */
  keepLogs?: boolean;
  /** keep answered http calls in `sim.httpCalls` (default true; long-running hosts turn it off) */
  httpCallHistory?: boolean;
  /** opt-in checks that throw SimulatorStrictError / record warnings (strict.ts; all off by default) */
  strict?: StrictOptions;
  /**
   * run Envoy's throwaway canary VM first: the same module in its own VM runs load,
   * initialise, context_create, on_vm_start and on_configure, and is dropped without on_done /
   * on_delete; its failure fails start() (default false).
   */
  simulateCanary?: boolean;
  /** the router's x-envoy-upstream-service-time on call-out answers (default false) */
  routerHeadersOnCallResponses?: boolean;
}

/** What the canary VM did (sim.canary, after start() with simulateCanary). */
export interface CanaryReport {
  /** the canary's start: ok, or the failure that made Envoy refuse the configuration */
  result: StartResult;
  /** the canary's own log lines (never in sim.logs) */
  logs: LogRecord[];
  hostLogs: string[];
  trace: HostTrace;
  /** calls the canary made: dropped with its VM, never answered, never in sim.httpCalls */
  droppedHttpCalls: HttpCall[];
}

export interface StreamOptions {
  properties?: Record<string, PropertyInput>;
  /** dynamic metadata: { <filter namespace>: { ...json... } } → envoy.config.core.v3.Metadata */
  metadata?: { [namespace: string]: { [key: string]: JsonValue } };
  source?: { address: string; port: number };
  destination?: { address: string; port: number };
  protocol?: string;
  connectionId?: number;
}

/** ProxyWasmSimulator.request input. */
export interface ExchangeSpec {
  headers: HeaderInput;
  body?: string | Uint8Array;
  trailers?: HeaderInput;
  stream?: StreamOptions;
  /** the upstream service: called with what Envoy forwards once the filter lets the request through */
  upstream?: (req: { headers: HeaderPair[]; body: Uint8Array; trailers: HeaderPair[] }) => Promise<HttpCallResponseInit> | HttpCallResponseInit;
  /** run on_log/on_done/on_delete at the end (default true) */
  complete?: boolean;
}

export interface ExchangeResult {
  stream: HttpStream;
  /** null when the request is still undecided once the simulator went idle */
  decision: RequestDecision | null;
  localResponse: LocalResponse | undefined;
  downstream: ForwardedMessage | undefined;
  upstream: ForwardedMessage | undefined;
}

export interface LogRecord {
  level: LogLevel;
  message: string;
  contextId: number;
  /** the export the line was logged from (undefined for host lines) */
  phase?: string;
}

export interface VmState {
  status: "ok" | "failed";
  failState?: FailState;
  reason?: string;
}

export interface StartResult {
  ok: boolean;
  failState?: FailState;
  trapped?: TrapInfo;
  vmStartResult?: number;
  configureResult?: number;
  /** the canary VM failed, so the configuration was refused and the worker VM never started */
  canaryFailed?: boolean;
  /**
   * on_vm_start or on_configure returned 0 on this worker VM (no canary ran to refuse the
   * configuration first): Envoy installs no filter on this worker and its requests bypass the
   * module under any failure policy (sim.filterBypassed)
   */
  filterBypassed?: boolean;
}

export interface ProcExitRecord {
  code: number;
  contextId: number;
}

/** SimulatorLoadError: the module could not be loaded (Envoy's load-time failures). */
export class SimulatorLoadError extends Error {
  constructor(
    message: string,
    readonly failState: FailState,
  ) {
    super(message);
    this.name = "SimulatorLoadError";
  }
}

/** @internal State of the (single) root context. */
export interface RootState {
  id: number;
  alive: boolean;
  configuring: boolean;
  status: { code: number; message: string };
  httpCallResponse: { headers: HeaderMap; body: Uint8Array; trailers: HeaderMap | null } | null;
  tickPeriod: number;
  tickTimer: number | null;
  pendingDone: boolean;
}

interface Frame {
  contextId: number;
  effective: number | null;
  exportName: string;
}


const LEVEL_NAMES: Record<LogLevelName, LogLevel> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warn,
  error: LogLevel.Error,
  critical: LogLevel.Critical,
};

function headerLimits(o: SimulatorOptions["requestHeaderLimits"]): { maxBytes: number; maxCount: number } | null {
  if (o === undefined || o === false) return null;
  const c = o === true ? {} : o;
  return { maxBytes: (c.maxKb ?? 60) * 1024, maxCount: c.maxCount ?? 100 };
}

function toLevel(l: LogLevel | LogLevelName | undefined, dflt: LogLevel): LogLevel {
  if (l === undefined) return dflt;
  return typeof l === "string" ? LEVEL_NAMES[l] : l;
}

/** Envoy's anyToBytes: StringValue/BytesValue raw, Struct (any object) as JSON, absent → empty. */
export function configBytes(c: ConfigInput): Uint8Array {
  if (c === null || c === undefined) return new Uint8Array(0);
  if (typeof c === "string") return new TextEncoder().encode(c);
  if (c instanceof Uint8Array) return c;
  return new TextEncoder().encode(JSON.stringify(c));
}

export class ProxyWasmSimulator implements StreamHost {
  readonly abiVersion: AbiVersion;
  readonly rootContextId = 1;
  readonly rootId: string;
  readonly vmId: string;
  readonly pluginName: string;
  readonly clock: VirtualClock;
  readonly sharedData: SharedDataStore;
  readonly metrics: MetricsStore;
  readonly trace: HostTrace;
  readonly httpCalls = new HttpCallRegistry();
  readonly logs: LogRecord[] = [];
  /** lines Envoy itself would log (VM failures, link errors, warnings) */
  readonly hostLogs: string[] = [];
  readonly procExits: ProcExitRecord[] = [];
  readonly foreignFunctions: Map<string, ForeignFunction>;
  readonly streamOptions: StreamHost["streamOptions"];
  vmState: VmState = { status: "ok" };
  logLevel: LogLevel;
  /** the resolved strict options (strict.ts) */
  readonly strict: Required<StrictOptions>;
  /** strict-mode warnings (warnOnDoubleLocalResponse), in order */
  readonly warnings: string[] = [];
  /** what the canary VM did; set by start() when simulateCanary is on */
  canary: CanaryReport | undefined;
  /**
   * The worker's plugin rejected its configuration (on_vm_start / on_configure returned 0) after
   * no canary refused it: Envoy's PluginConfig::createContext then yields no context and requests
   * on this worker skip the filter — with any failure policy. A hazard for an authorization
   * filter, which tests can assert on.
   */
  filterBypassed = false;
  /** the guest-call watchdog (null when turned off) and whether the module's loops poll it */
  readonly watchdog: GuestWatchdog | null;
  watchdogInstrumented = false;

  /** @internal */ readonly memory: GuestMemory;
  /** @internal */ exports: Record<string, unknown> = {};
  /** @internal */ phase: "instantiate" | "initialize" | "malloc" | "running" = "instantiate";
  /** @internal */ readonly frames: Frame[] = [];
  /** @internal */ readonly root: RootState;
  /** @internal */ readonly streams = new Map<number, HttpStream>();
  /** @internal */ stopNextIteration = false;
  /** @internal */ pluginConfiguration: Uint8Array;
  /** @internal */ readonly vmConfiguration: Uint8Array;
  /** @internal */ readonly metricIds: MetricIds;
  /** @internal */ readonly globalProperties: Map<string, PropertyValue>;
  /** @internal */ readonly clusters?: Record<string, ClusterBehavior>;
  /** @internal */ readonly routerHeadersOnCallResponses: boolean;
  /** @internal */ nextHttpCallToken = 0;
  /** @internal */ readonly afterVm: Array<() => void> = [];
  /** @internal */ callData: Uint8Array | null = null;

  private nextContextId = 2;
  private readonly framePool: Frame[] = [];
  private entryDepth = 0;
  private posted: Array<() => void> = [];
  private postScheduled = false;
  private inflight = new Set<Promise<unknown>>();
  private readonly echoLevel: LogLevel | null;
  private readonly onLog: ((record: LogRecord) => void) | undefined;
  private readonly keepLogs: boolean;
  private readonly httpCallHistory: boolean;
  private started = false;
  private lastCallBodyText: string | null = null;
  private lastCallBodyBytes: Uint8Array = new Uint8Array(0);
  private canaryVm: ProxyWasmSimulator | undefined;
  /** the first strict violation or watchdog stop not yet thrown */
  private pendingError: Error | null = null;
  /** > 0 while strict errors must be kept for later (timers, posted deliveries) */
  private holdStrict = 0;

  private constructor(abiVersion: AbiVersion, options: SimulatorOptions) {
    this.abiVersion = abiVersion;
    this.rootId = options.rootId ?? "";
    this.vmId = options.vmId ?? "";
    this.pluginName = options.pluginName ?? this.rootId;
    this.clock = options.clock ?? new VirtualClock(undefined, options.clockReadStepNs);
    this.watchdog = options.watchdog === false ? null : new GuestWatchdog(options.watchdog?.limitMs);
    this.sharedData = options.sharedData ?? new SharedDataStore();
    this.metrics = options.metrics ?? new MetricsStore();
    this.metricIds = new MetricIds(this.metrics);
    this.trace = new HostTrace(options.trace ?? true);
    this.logLevel = toLevel(options.logLevel, LogLevel.Info);
    this.echoLevel = options.echoLogs === undefined || options.echoLogs === false ? null : toLevel(options.echoLogs, LogLevel.Info);
    this.onLog = options.onLog;
    this.keepLogs = options.keepLogs ?? true;
    this.httpCallHistory = options.httpCallHistory ?? true;
    this.strict = resolveStrict(options.strict);
    this.pluginConfiguration = configBytes(options.pluginConfiguration);
    this.vmConfiguration = configBytes(options.vmConfiguration);
    this.globalProperties = overridesFrom(options.properties);
    this.foreignFunctions = new Map(Object.entries(options.foreignFunctions ?? {}));
    if (options.clusters !== undefined) this.clusters = options.clusters;
    this.routerHeadersOnCallResponses = options.routerHeadersOnCallResponses ?? false;
    this.streamOptions = {
      allowOnHeadersStopIteration: options.allowOnHeadersStopIteration ?? false,
      localReplyThroughFilter: options.localReplyThroughFilter ?? true,
      lifecycleOrder: options.lifecycleOrder ?? "envoy",
      failOpen: options.failurePolicy === "fail-open",
      envoyHeaderDefaults: options.envoyHeaderDefaults ?? false,
      requestHeaderLimits: headerLimits(options.requestHeaderLimits),
    };
    this.root = {
      id: this.rootContextId,
      alive: false,
      configuring: false,
      status: { code: 0, message: "" },
      httpCallResponse: null,
      tickPeriod: 0,
      tickTimer: null,
      pendingDone: false,
    };
    this.memory = new GuestMemory((size) => this.guestMalloc(size));
  }

  /**
   * create loads a module: ABI marker, allocator, imports linked (missing import / bad signature
   * fail as in Envoy), start section and _initialize run. It does not start the plugin: call start().
   */
  static async create(wasm: Uint8Array | ArrayBuffer | string, options: SimulatorOptions = {}): Promise<ProxyWasmSimulator> {
    const bytes = typeof wasm === "string" ? new Uint8Array(await readFile(wasm)) : wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm);
    let sigs;
    try {
      sigs = readModuleSignatures(bytes);
    } catch (e) {
      throw new SimulatorLoadError(`Failed to load Wasm code: ${(e as Error).message}`, FailState.UnableToCreateVm);
    }
    const marker = ABI_MARKERS.find(([name]) => sigs.exports.has(name));
    if (!marker) throw new SimulatorLoadError("Missing or unknown Proxy-Wasm ABI version", FailState.UnableToInitializeCode);
    const sim = new ProxyWasmSimulator(marker[1], options);
    if (options.simulateCanary === true) {
      // The canary VM: its own instance, memory and ids; it shares only what is process-wide
      // in Envoy (the clock, shared data keyed by vm_id, stats). Its load fails exactly as ours would.
      sim.canaryVm = await ProxyWasmSimulator.create(bytes, { ...canaryOptions(options), clock: sim.clock, sharedData: sim.sharedData, metrics: sim.metrics });
    }
    const table = buildImports(sim);
    sim.link(sigs.imports, table);
    sim.checkExports(sigs.exports);
    // The watchdog's loop polls (abi/wasm-instrument.ts); a module the rewriter cannot read runs
    // as built, and only a host log says its calls cannot be stopped.
    let code = bytes;
    let startExport: string | null = null;
    if (sim.watchdog) {
      const inst = instrumentForWatchdog(bytes);
      if (inst.instrumented) {
        code = inst.bytes;
        sim.watchdogInstrumented = true;
        if (inst.hadStart) startExport = WATCHDOG_START_EXPORT;
      } else {
        sim.hostLog(`watchdog: the module could not be instrumented (${inst.reason}); a guest call that never returns cannot be stopped`);
      }
    }
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(code as BufferSource);
    } catch (e) {
      throw new SimulatorLoadError(`Failed to load Wasm code: ${(e as Error).message}`, FailState.UnableToCreateVm);
    }
    const importObject: WebAssembly.Imports = {};
    for (const imp of sigs.imports) {
      if (imp.kind !== "function") continue;
      const fn = table[imp.module]?.[imp.name];
      if (!fn) continue;
      (importObject[imp.module] ??= {})[imp.name] = fn.impl;
    }
    let instance: WebAssembly.Instance;
    sim.phase = "instantiate";
    try {
      instance = await WebAssembly.instantiate(module, importObject);
      if (sim.watchdog && sim.watchdogInstrumented) {
        const wd = sim.watchdog;
        (instance.exports[WATCHDOG_TABLE_EXPORT] as WebAssembly.Table).set(0, pollFunction(() => wd.poll(() => sim.describeRunaway())));
      }
      if (startExport !== null) {
        // The start section, moved out of instantiation so the watchdog is armed when it runs.
        sim.watchdog?.beginCall();
        (instance.exports[startExport] as () => void)();
      }
    } catch (e) {
      if (e instanceof HostCallFatal) throw new SimulatorLoadError(e.message, FailState.UnableToInitializeCode);
      throw new SimulatorLoadError(`Wasm module failed to start: ${(e as Error).message}`, FailState.UnableToInitializeCode);
    }
    sim.exports = instance.exports as Record<string, unknown>;
    const mem = sim.exports["memory"];
    if (!(mem instanceof WebAssembly.Memory)) throw new SimulatorLoadError("Wasm module is missing memory export", FailState.MissingFunction);
    sim.memory.attach(mem);
    sim.phase = "initialize";
    const init = (sim.exports["_initialize"] ?? sim.exports["_start"]) as (() => void) | undefined;
    if (init) {
      const o = sim.callGuest(sim.exports["_initialize"] ? "_initialize" : "_start", [], 0);
      if (o.trap) throw new SimulatorLoadError(`Wasm module failed to initialize: ${o.trap.message}`, FailState.UnableToInitializeCode);
      if (sim.exports["_initialize"] && typeof sim.exports["main"] === "function") sim.callGuest("main", [0, 0], 0);
    }
    sim.phase = "running";
    return sim;
  }

  private link(imports: ReturnType<typeof readModuleSignatures>["imports"], table: ImportTable): void {
    for (const imp of imports) {
      if (imp.kind !== "function") {
        throw new SimulatorLoadError(`Failed to load Wasm module due to a missing import: ${imp.module}.${imp.name}`, FailState.UnableToInitializeCode);
      }
      const fn = table[imp.module]?.[imp.name];
      if (!fn) {
        throw new SimulatorLoadError(`Failed to load Wasm module due to a missing import: ${imp.module}.${imp.name}`, FailState.UnableToInitializeCode);
      }
      if (imp.sig && !sigEquals(imp.sig, fn.sig)) {
        throw new SimulatorLoadError(
          `Failed to load Wasm module due to an import type mismatch for ${imp.module}.${imp.name}, want: ${sigToString(imp.sig)}, but host exports: ${sigToString(fn.sig)}`,
          FailState.UnableToInitializeCode,
        );
      }
    }
  }

  private checkExports(exports: Map<string, FuncSig | null>): void {
    if (!exports.has("malloc") && !exports.has("proxy_on_memory_allocate")) {
      throw new SimulatorLoadError("Wasm module is missing malloc function.", FailState.MissingFunction);
    }
    for (const [name, want] of Object.entries(EXPECTED_EXPORTS(this.abiVersion))) {
      const have = exports.get(name);
      if (have === undefined) continue;
      if (have === null || !sigEquals(have, want)) {
        throw new SimulatorLoadError(`Bad function signature for: ${name}`, FailState.MissingFunction);
      }
    }
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** start: on_context_create(root, 0) → on_vm_start(root, vm_config_len) → on_configure(root, len). */
  start(): StartResult {
    if (this.started) throw new Error("simulator already started");
    this.started = true;
    return this.entry(() => {
      if (this.vmState.status === "failed") return { ok: false, failState: this.vmState.failState! };
      const refused = this.runCanary();
      if (refused) return refused;
      this.root.alive = true;
      let o = this.callGuest("proxy_on_context_create", [this.rootContextId, 0], this.rootContextId);
      if (o.trap) return { ok: false, failState: FailState.RuntimeError, trapped: o.trap };
      o = this.callGuest("proxy_on_vm_start", [this.rootContextId, this.vmConfiguration.length], this.rootContextId);
      if (o.trap) return { ok: false, failState: FailState.RuntimeError, trapped: o.trap };
      const vmStartResult = o.called ? o.value : 1;
      if (vmStartResult === 0) {
        this.failVm(FailState.StartFailed, "Failed to start base Wasm");
        this.bypassFilter();
        return { ok: false, failState: FailState.StartFailed, vmStartResult, filterBypassed: true };
      }
      const c = this.configure();
      if (c.trapped) return { ok: false, failState: FailState.RuntimeError, trapped: c.trapped, vmStartResult };
      if (!c.ok) {
        this.failVm(FailState.ConfigureFailed, "Failed to configure base Wasm plugin");
        this.bypassFilter();
        return { ok: false, failState: FailState.ConfigureFailed, vmStartResult, configureResult: c.result, filterBypassed: true };
      }
      return { ok: true, vmStartResult, configureResult: c.result };
    });
  }

  private bypassFilter(): void {
    this.filterBypassed = true;
    this.hostLog("the plugin rejected its configuration on this worker: no filter is installed and requests bypass the module (with a canary, Envoy would have refused the configuration)");
  }

  /**
   * runCanary: the throwaway VM runs steps 4–6 (1–2 ran in create), then is dropped without
   * on_done/on_delete. A failure refuses the configuration: no worker VM starts (the returned
   * result); undefined = no canary or it succeeded.
   */
  private runCanary(): StartResult | undefined {
    const cv = this.canaryVm;
    if (!cv) return undefined;
    this.canaryVm = undefined;
    const result = cv.start();
    cv.drop();
    this.canary = { result, logs: cv.logs, hostLogs: cv.hostLogs, trace: cv.trace, droppedHttpCalls: cv.httpCalls.all() };
    if (result.ok) return undefined;
    const failState = result.failState ?? FailState.ConfigureFailed;
    this.failVm(failState, `canary VM: ${cv.vmState.reason ?? "failed"}; Unable to create Wasm HTTP filter`);
    if (result.trapped && this.strict.failOnTrap) {
      this.strictViolation(new SimulatorStrictError("trap", `canary VM trapped in ${result.trapped.exportName}: ${result.trapped.message}`, { trap: result.trapped, contextId: result.trapped.contextId }));
    }
    const refused: StartResult = { ok: false, failState, canaryFailed: true };
    if (result.trapped) refused.trapped = result.trapped;
    if (result.vmStartResult !== undefined) refused.vmStartResult = result.vmStartResult;
    if (result.configureResult !== undefined) refused.configureResult = result.configureResult;
    return refused;
  }

  /**
   * drop destroys the VM the way Envoy destroys the canary: no on_done/on_delete; its tick and its
   * pending calls' timeouts are cancelled, and later answers or queue deliveries find no root.
   */
  private drop(): void {
    this.root.alive = false;
    if (this.root.tickTimer !== null) this.clock.cancel(this.root.tickTimer);
    this.root.tickTimer = null;
    for (const call of this.httpCalls.pending()) {
      if (call.timeoutTimer !== null) this.clock.cancel(call.timeoutTimer);
      call.timeoutTimer = null;
    }
  }

  /**
   * reconfigure: an xDS update of the plugin configuration, simplified: on_configure runs again on
   * the running root context (Envoy creates a new root context for the new configuration and
   * drains the old one; see docs/host-simulator.md). false = NACK: Envoy keeps the previous
   * configuration, so buffer 7 keeps the previous bytes too.
   */
  reconfigure(pluginConfiguration: ConfigInput): boolean {
    const previous = this.pluginConfiguration;
    this.pluginConfiguration = configBytes(pluginConfiguration);
    const ok = this.entry(() => this.configure().ok);
    if (!ok) this.pluginConfiguration = previous;
    return ok;
  }

  private configure(): { ok: boolean; result: number; trapped?: TrapInfo } {
    // The plugin configuration (buffer 7) is readable only inside on_configure ( step 6).
    this.root.configuring = true;
    const o = this.callGuest("proxy_on_configure", [this.rootContextId, this.pluginConfiguration.length], this.rootContextId);
    this.root.configuring = false;
    if (o.trap) return { ok: false, result: 0, trapped: o.trap };
    const result = o.called ? o.value : 1;
    return { ok: result !== 0, result };
  }

  /** shutdown: root on_done; if it returns 1 (or proxy_done is called later) → on_delete. */
  shutdown(): { callbacks: string[]; pendingDone: boolean; trapped?: TrapInfo } {
    return this.entry(() => {
      const callbacks: string[] = [];
      if (!this.root.alive || this.vmFailed()) return { callbacks, pendingDone: false };
      const o = this.callGuest("proxy_on_done", [this.rootContextId], this.rootContextId);
      callbacks.push("proxy_on_done");
      if (o.trap) return { callbacks, pendingDone: false, trapped: o.trap };
      if (o.called && o.value === 0) {
        this.root.pendingDone = true;
        return { callbacks, pendingDone: true };
      }
      this.deleteRoot();
      callbacks.push("proxy_on_delete");
      return { callbacks, pendingDone: false };
    });
  }

  /** @internal proxy_done accepted: on_delete runs after the VM call. */
  deleteRoot(): void {
    this.root.pendingDone = false;
    this.callGuest("proxy_on_delete", [this.rootContextId], this.rootContextId);
    this.root.alive = false;
    if (this.root.tickTimer !== null) this.clock.cancel(this.root.tickTimer);
    this.root.tickTimer = null;
  }

  // ---- streams ------------------------------------------------------------------------------

  /** newHttpStream allocates the next context id (2, 3, …); on_context_create runs lazily. */
  newHttpStream(init: StreamOptions = {}): HttpStream {
    const id = this.nextContextId++;
    const streamInit: StreamInit = { properties: overridesFrom(init.properties), metadata: metadataValue(init.metadata ?? {}) };
    if (init.source) streamInit.source = init.source;
    if (init.destination) streamInit.destination = init.destination;
    if (init.protocol) streamInit.protocol = init.protocol;
    if (init.connectionId !== undefined) streamInit.connectionId = init.connectionId;
    const stream = new HttpStream(this, id, streamInit);
    this.streams.set(id, stream);
    return stream;
  }

  /**
   * request runs a whole exchange: request headers/body/trailers, then — once the filter let the
   * request through and `upstream` is given — the upstream's response through the filter, then the
   * end of stream. Call-outs must be answered by cluster handlers (or be answered elsewhere while
   * this waits): after the request is sent the simulator runs until idle; a request still
   * undecided then is reported with decision null and left open (no hang).
   */
  async request(spec: ExchangeSpec): Promise<ExchangeResult> {
    const stream = this.newHttpStream(spec.stream ?? {});
    const body = spec.body === undefined ? undefined : typeof spec.body === "string" ? new TextEncoder().encode(spec.body) : spec.body;
    stream.sendRequestHeaders(spec.headers, { endOfStream: body === undefined && spec.trailers === undefined });
    if (body !== undefined) stream.sendRequestBody(body, { endOfStream: spec.trailers === undefined });
    if (spec.trailers !== undefined) stream.sendRequestTrailers(spec.trailers);
    await this.idle();
    const decision = stream.requestDecision;
    if (decision === "continued" && spec.upstream && !["local-reply", "failed", "reset", "done"].includes(stream.status)) {
      const up = stream.forwardedUpstream!;
      const r = await spec.upstream({ headers: up.headers ?? [], body: up.body, trailers: up.trailers ?? [] });
      const rbody = r.body === undefined ? new Uint8Array(0) : typeof r.body === "string" ? new TextEncoder().encode(r.body) : r.body;
      const headers = HeaderMap.from(r.headers);
      if (!headers.has(":status")) headers.add(":status", String(r.status));
      stream.sendResponseHeaders(headers.rawPairs(), { endOfStream: rbody.length === 0 && r.trailers === undefined });
      if (rbody.length > 0) stream.sendResponseBody(rbody, { endOfStream: r.trailers === undefined });
      if (r.trailers !== undefined) stream.sendResponseTrailers(r.trailers);
      await this.idle();
    }
    if (decision !== null && spec.complete !== false) stream.complete();
    return { stream, decision, localResponse: stream.localResponse, downstream: stream.sentDownstream, upstream: stream.forwardedUpstream };
  }

  /** @internal */
  streamFinished(stream: HttpStream): void {
    this.streams.delete(stream.contextId);
  }

  // ---- http calls ---------------------------------------------------------------------------

  /** respondToHttpCall: on_http_call_response(ROOT, token, nh, nb, nt). */
  respondToHttpCall(token: number, response: HttpCallResponseInit): CallbackResult {
    const call = this.httpCalls.byToken(token);
    if (!call) throw new Error(`no http call with token ${token}`);
    return call.respond(response);
  }

  failHttpCall(token: number, reason = "reset"): CallbackResult {
    const call = this.httpCalls.byToken(token);
    if (!call) throw new Error(`no http call with token ${token}`);
    return call.fail(reason);
  }

  /** @internal Registers a call made by the module and starts its cluster handler / timeout. */
  registerHttpCall(call: HttpCall): void {
    this.httpCalls.add(call);
    const stream = this.streams.get(call.issuingContextId);
    if (stream) stream.httpCalls.push(call);
    if (call.timeoutMs > 0) {
      call.timeoutTimer = this.clock.schedule(call.timeoutMs, () => {
        call.timeoutTimer = null;
        if (!call.pending) return;
        // Envoy's AsyncClient answers a timeout with a successful 504 response.
        this.holding(() =>
          this.deliverHttpCall(call, "timed-out", {
            status: 504,
            headers: [["content-length", String(HTTP_CALL_TIMEOUT_BODY.length)], ["content-type", "text/plain"]],
            body: HTTP_CALL_TIMEOUT_BODY,
          }),
        );
      });
    }
    const behavior = this.clusters?.[call.cluster];
    if (typeof behavior === "function") {
      // Cluster handlers answer asynchronously, after the current VM call (never inline).
      const p = Promise.resolve()
        .then(() => behavior(call))
        .then(
          (r) => this.post(() => this.answerFromHandler(call, r)),
          (e) => {
            this.hostLog(`cluster handler for ${call.cluster} failed: ${(e as Error).message ?? e}`);
            this.post(() => this.answerFromHandler(call, "fail"));
          },
        );
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private answerFromHandler(call: HttpCall, r: HttpCallResponseInit | "fail" | "connect-failure"): void {
    if (!call.pending) return;
    if (r === "fail") call.fail("reset");
    else if (r === "connect-failure") call.connectFailure();
    else call.respond(r);
  }

  /** @internal The HttpCallDelivery the HttpCall objects use. */
  readonly delivery = {
    respond: (call: HttpCall, r: HttpCallResponseInit): CallbackResult => this.deliverHttpCall(call, "responded", r),
    fail: (call: HttpCall, reason: string): CallbackResult => this.deliverHttpCall(call, "failed", null, reason),
  };

  private deliverHttpCall(call: HttpCall, state: "responded" | "failed" | "timed-out", r: HttpCallResponseInit | null, reason = "reset"): CallbackResult {
    if (!call.pending) throw new Error(`http call ${call.token} already ${call.state}`);
    if (this.frames.length > 0) {
      // Never inline: an answer that arrives during a VM call waits for that call to return.
      call.state = state;
      this.afterVm.push(() => this.runHttpCallResponse(call, r, reason));
      return { delivered: false };
    }
    call.state = state;
    if (call.timeoutTimer !== null) {
      this.clock.cancel(call.timeoutTimer);
      call.timeoutTimer = null;
    }
    return this.entry(() => this.runHttpCallResponse(call, r, reason));
  }

  private runHttpCallResponse(call: HttpCall, r: HttpCallResponseInit | null, reason: string): CallbackResult {
    if (call.timeoutTimer !== null) {
      this.clock.cancel(call.timeoutTimer);
      call.timeoutTimer = null;
    }
    if (r) call.response = r;
    if (!this.httpCallHistory) this.httpCalls.remove(call);
    if (this.vmFailed() || !this.root.alive) return { delivered: false };
    if (r === null) {
      // Envoy's Context::onHttpCallFailure: (root, token, 0, 0, 0) with get_status → 11 "reset"
      // whatever the reason; afterwards only the message is cleared, so the code stays 11.
      void reason;
      this.root.status = { code: HTTP_CALL_FAILURE_STATUS.code, message: HTTP_CALL_FAILURE_STATUS.message };
      const o = this.callGuest("proxy_on_http_call_response", [call.rootContextId, call.token, 0, 0, 0], call.rootContextId);
      this.root.status = { code: this.root.status.code, message: "" };
      return o.trap ? { delivered: true, trapped: o.trap } : { delivered: true };
    }
    const headers = new HeaderMap(INLINE_RESPONSE_HEADERS);
    headers.add(":status", String(r.status));
    // The answer's headers as HeaderMap.from reads them, less any :status of their own.
    if (r.headers) headers.addInput(r.headers, ":status");
    const body = typeof r.body === "string" ? this.encodeCallBody(r.body) : r.body ?? new Uint8Array(0);
    if (body.length > CALL_RESPONSE_BUFFER_LIMIT) {
      // The AsyncClient's buffer limit: the call fails instead (ExceedResponseBufferLimit).
      return this.runHttpCallResponse(call, null, "exceeded response buffer limit");
    }
    if (this.routerHeadersOnCallResponses && !headers.has("x-envoy-upstream-service-time")) {
      // The router adds the upstream's time to the answer (whole ms on the virtual clock).
      headers.add("x-envoy-upstream-service-time", String(Math.floor(this.clock.nowMs() - call.dispatchedMs)));
    }
    const trailers = r.trailers === undefined ? null : HeaderMap.from(r.trailers, INLINE_RESPONSE_TRAILERS);
    // Context::onHttpCallSuccess never writes the status: a code 11 left by an earlier failure stays.
    this.root.httpCallResponse = { headers, body, trailers };
    const o = this.callGuest("proxy_on_http_call_response", [call.rootContextId, call.token, headers.size, body.length, trailers?.size ?? 0], call.rootContextId);
    this.root.httpCallResponse = null;
    return o.trap ? { delivered: true, trapped: o.trap } : { delivered: true };
  }

  /**
   * encodeCallBody: the UTF-8 bytes of a string answer body. The last one is kept, since a test or
   * benchmark often replays one answer; the bytes are only read (no host call writes the
   * call-response body), so sharing them between deliveries is safe.
   */
  private encodeCallBody(body: string): Uint8Array {
    if (body !== this.lastCallBodyText) {
      this.lastCallBodyBytes = encodeUtf8(body);
      this.lastCallBodyText = body;
    }
    return this.lastCallBodyBytes;
  }

  // ---- time, ticks, async -------------------------------------------------------------------

  /** advanceTime moves the virtual clock: due ticks and http-call timeouts fire in order. */
  advanceTime(ms: number): void {
    this.clock.advance(ms);
    this.raiseStrict();
  }

  /** tick calls proxy_on_tick(root) now, regardless of the period. */
  tick(): CallbackResult {
    return this.entry(() => this.runTick());
  }

  /** @internal proxy_set_tick_period_milliseconds on the root: 0 stops, a new period restarts. */
  setTickPeriod(ms: number): void {
    this.root.tickPeriod = ms;
    if (this.root.tickTimer !== null) this.clock.cancel(this.root.tickTimer);
    this.root.tickTimer = null;
    if (ms > 0) this.armTick();
  }

  private armTick(): void {
    this.root.tickTimer = this.clock.schedule(this.root.tickPeriod, () => {
      this.root.tickTimer = null;
      this.holding(() => this.entry(() => this.runTick()));
      // Re-armed after the tick returns (unless the module changed or stopped the period).
      if (this.root.tickPeriod > 0 && this.root.tickTimer === null && this.root.alive && !this.vmFailed()) this.armTick();
    });
  }

  private runTick(): CallbackResult {
    if (this.vmFailed() || !this.root.alive) return { delivered: false };
    const o = this.callGuest("proxy_on_tick", [this.rootContextId], this.rootContextId);
    return o.trap ? { delivered: true, trapped: o.trap } : { delivered: o.called };
  }

  /** @internal Posts a host→VM delivery to run asynchronously (queue ready, handler answers). */
  post(task: () => void): void {
    this.posted.push(task);
    if (!this.postScheduled) {
      this.postScheduled = true;
      setImmediate(() => {
        this.postScheduled = false;
        this.holding(() => this.flush());
      });
    }
  }

  /** flush runs the posted deliveries now (on_queue_ready, cluster-handler answers). */
  flush(): void {
    while (this.posted.length > 0) {
      const task = this.posted.shift()!;
      this.entry(task);
    }
  }

  /** idle resolves once no cluster handler is in flight and no delivery is posted. */
  async idle(): Promise<void> {
    for (;;) {
      this.raiseStrict();
      this.flush();
      if (this.inflight.size > 0) {
        await Promise.allSettled([...this.inflight]);
        continue;
      }
      await new Promise<void>((r) => setImmediate(r));
      if (this.posted.length === 0 && this.inflight.size === 0) return this.raiseStrict();
    }
  }

  // ---- logs ---------------------------------------------------------------------------------

  /** logsAt: the module's log lines at exactly this level. */
  logsAt(level: LogLevel | LogLevelName): LogRecord[] {
    const l = toLevel(level, LogLevel.Trace);
    return this.logs.filter((r) => r.level === l);
  }

  /** @internal Whether a log line at this level goes anywhere (kept, passed to onLog or echoed). */
  logWanted(level: LogLevel): boolean {
    if (level < this.logLevel) return false;
    return this.keepLogs || this.onLog !== undefined || (this.echoLevel !== null && level >= this.echoLevel);
  }

  /** @internal */
  recordLog(level: LogLevel, message: string, contextId: number): void {
    if (level < this.logLevel) return;
    const phase = this.frames[this.frames.length - 1]?.exportName;
    const record: LogRecord = phase !== undefined ? { level, message, contextId, phase } : { level, message, contextId };
    if (this.keepLogs) this.logs.push(record);
    this.onLog?.(record);
    if (this.echoLevel !== null && level >= this.echoLevel) {
      process.stderr.write(`wasm log ${this.pluginName} ${this.rootId} ${this.vmId}: [${LogLevel[level]}] #${contextId} ${message}\n`);
    }
  }

  /** @internal */
  hostLog(message: string): void {
    this.hostLogs.push(message);
  }

  /** Linear memory size in 64 KiB pages. */
  get memoryPages(): number {
    return this.memory.pages;
  }

  // ---- VM calls -----------------------------------------------------------------------------

  vmFailed(): boolean {
    return this.vmState.status === "failed";
  }

  hasExport(name: string): boolean {
    return typeof this.exports[name] === "function";
  }

  nowNs(): bigint {
    return this.clock.nowNs();
  }

  /**
   * entry wraps every host-initiated action: deferred actions (continue, local reply, answers that
   * arrived during a VM call) run after the outermost VM call of the action returns.
   */
  entry<T>(fn: () => T): T {
    if (this.entryDepth > 0) return fn();
    this.entryDepth++;
    let r: T;
    try {
      r = fn();
      this.drainAfterVm();
    } finally {
      this.entryDepth--;
    }
    if (this.pendingError !== null) this.raiseStrict();
    return r;
  }

  /** @internal Records a strict violation; the outermost phase method throws it once it returned. */
  strictViolation(e: SimulatorStrictError): void {
    this.hostLog(`strict: ${e.message}`);
    if (this.pendingError === null) this.pendingError = e;
  }

  /** @internal A strict-mode warning (kept in sim.warnings). */
  strictWarning(message: string): void {
    this.warnings.push(message);
    this.hostLog(`warning: ${message}`);
  }

  /** Throws the pending strict violation, unless strict errors are being held (timers, posts). */
  private raiseStrict(): void {
    const e = this.pendingError;
    if (e === null || this.holdStrict > 0 || this.entryDepth > 0) return;
    this.pendingError = null;
    throw e;
  }

  /** holding runs fn with strict errors kept for the next phase method (clock / setImmediate callbacks must not throw). */
  private holding<T>(fn: () => T): T {
    this.holdStrict++;
    try {
      return fn();
    } finally {
      this.holdStrict--;
    }
  }

  private drainAfterVm(): void {
    while (this.afterVm.length > 0) {
      const action = this.afterVm.shift()!;
      action();
    }
  }

  /** @internal Calls a module export for a context; a trap fails the VM (FailState RuntimeError). */
  callGuest(name: string, args: Array<number | bigint>, contextId: number): GuestOutcome {
    const fn = this.exports[name] as ((...a: Array<number | bigint>) => unknown) | undefined;
    if (typeof fn !== "function") return { called: false, value: 0, localReplySent: false };
    if (this.vmFailed()) return { called: false, value: 0, localReplySent: false };
    const depth = this.frames.length;
    if (depth === 0) this.watchdog?.beginCall();
    // Recorded at entry (nested host calls follow it); the result is filled in on return.
    const ev = this.trace.enabled ? this.trace.record({ kind: "vm-call", name, contextId, args, depth }) : undefined;
    this.pushFrame(contextId, name);
    const procExitsBefore = this.procExits.length;
    let value = 0;
    let trap: TrapInfo | undefined;
    let trapError: unknown;
    try {
      // Fixed-arity calls (every export takes at most 5 arguments) rather than a spread.
      let r: unknown;
      switch (args.length) {
        case 0:
          r = fn();
          break;
        case 1:
          r = fn(args[0]!);
          break;
        case 2:
          r = fn(args[0]!, args[1]!);
          break;
        case 3:
          r = fn(args[0]!, args[1]!, args[2]!);
          break;
        case 5:
          r = fn(args[0]!, args[1]!, args[2]!, args[3]!, args[4]!);
          break;
        default:
          r = fn(...args);
      }
      value = typeof r === "number" ? r >>> 0 : typeof r === "bigint" ? Number(r) : 0;
    } catch (e) {
      trapError = e;
      trap = { exportName: name, contextId, message: e instanceof Error ? e.message : String(e) };
      const exit = this.procExits[this.procExits.length - 1];
      if (this.procExits.length > procExitsBefore && exit) trap.procExitCode = exit.code;
      if (!(e instanceof HostCallFatal) && !(e instanceof WebAssembly.RuntimeError)) trap.hostError = true;
    } finally {
      this.frames.pop();
    }
    if (ev) {
      if (trap) ev.detail = `trap: ${trap.message}`;
      else ev.result = value;
    }
    const localReplySent = this.stopNextIteration;
    if (this.frames.length === 0) this.stopNextIteration = false;
    if (trap) {
      this.failVm(FailState.RuntimeError, `Function: ${name} failed: ${trap.message}`);
      if (trapError instanceof GuestWatchdogError && this.pendingError === null) this.pendingError = trapError;
      if (this.strict.failOnTrap && this.phase === "running") {
        this.strictViolation(new SimulatorStrictError("trap", `${name} trapped on context ${contextId}: ${trap.message}`, { trap, contextId }));
      }
      return { called: true, value: 0, trap, localReplySent };
    }
    return { called: true, value, localReplySent };
  }

  /** @internal What the watchdog names when it stops a call: the outermost running export. */
  describeRunaway(): { exportName: string; contextId: number; hint?: string } {
    const f = this.frames[0];
    const d: { exportName: string; contextId: number; hint?: string } = f ? { exportName: f.exportName, contextId: f.contextId } : { exportName: "the start function", contextId: 0 };
    const calls = this.watchdog?.lastHostCalls() ?? [];
    if (this.clock.readsExhausted() && calls.some((c) => c === "proxy_get_current_time_nanoseconds" || c === "clock_time_get")) {
      d.hint = "the guest clock reads used up the current virtual millisecond (advance the clock to move time)";
    }
    return d;
  }

  /** @internal */
  failVm(failState: FailState, reason: string): void {
    if (this.vmState.status === "failed") return;
    this.vmState = { status: "failed", failState, reason };
    this.hostLog(`Wasm VM failed ${reason}`);
    if (this.root.tickTimer !== null) this.clock.cancel(this.root.tickTimer);
    this.root.tickTimer = null;
    // Streams paused on the VM stay paused (no reply); marked once the failing call returned, so
    // the stream whose own callback failed gets its fail-closed/-open outcome first.
    this.afterVm.push(() => {
      for (const s of this.streams.values()) s.vmFailedWhilePending();
    });
  }

  /** @internal The guest allocator, run as a restricted callback with the VM context (id 0) current. */
  guestMalloc(size: number): number {
    const fn = (this.exports["malloc"] ?? this.exports["proxy_on_memory_allocate"]) as (n: number) => number;
    const ev = this.trace.enabled ? this.trace.record({ kind: "malloc", name: "malloc", contextId: 0, args: [size], depth: Math.max(0, this.frames.length - 1) }) : undefined;
    const prevPhase = this.phase;
    this.phase = "malloc";
    this.pushFrame(0, "malloc");
    let ptr: number;
    try {
      ptr = fn(size) >>> 0;
    } finally {
      this.frames.pop();
      this.phase = prevPhase;
    }
    if (ev) ev.result = ptr;
    return ptr;
  }

  /**
   * pushFrame: a VM call begins. Frame objects are reused per depth (no one keeps a frame after
   * its call returned), which saves an allocation on every host→VM call.
   */
  private pushFrame(contextId: number, exportName: string): void {
    const depth = this.frames.length;
    const f = this.framePool[depth];
    if (f === undefined) {
      this.framePool[depth] = { contextId, effective: null, exportName };
    } else {
      f.contextId = contextId;
      f.effective = null;
      f.exportName = exportName;
    }
    this.frames.push(this.framePool[depth]!);
  }

  /** @internal The context host calls act on: the effective context if set (and alive), else the called one. */
  currentContextId(): number {
    const f = this.frames[this.frames.length - 1];
    if (!f) return 0;
    if (f.effective !== null && this.contextExists(f.effective)) return f.effective;
    return f.contextId;
  }

  /** @internal */
  currentFrame(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  /** @internal A context Envoy knows: the live root, or a stream not yet destroyed (created or not). */
  contextExists(id: number): boolean {
    if (id === this.rootContextId) return this.root.alive;
    return this.streams.has(id);
  }

  /** @internal */
  contextAlive(id: number): boolean {
    if (id === this.rootContextId) return this.root.alive;
    return this.streams.get(id)?.alive ?? false;
  }

  /** @internal */
  streamFor(id: number): HttpStream | undefined {
    const s = this.streams.get(id);
    return s && s.alive ? s : undefined;
  }
}

/**
 * The canary's options: the same module, plugin and configuration, its own VM, logs and trace;
 * every cluster kept (same BadArgument answers) but answered by nobody, since its calls are
 * dropped with the VM; no strict checks (the worker's start() reports the canary's failure).
 */
function canaryOptions(options: SimulatorOptions): SimulatorOptions {
  const o: SimulatorOptions = { ...options, simulateCanary: false, keepLogs: true, httpCallHistory: true };
  delete o.strict;
  delete o.onLog;
  if (options.clusters !== undefined) {
    o.clusters = Object.fromEntries(Object.entries(options.clusters).map(([name, b]) => [name, b === "undispatchable" ? b : ("manual" as const)]));
  }
  return o;
}

export type { HeaderInput, HeaderPair };
