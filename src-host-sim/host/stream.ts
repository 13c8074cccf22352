// HttpStream: one HTTP stream through the simulated Envoy filter chain, with this module as its
// only filter (docs/host-simulator.md). It owns the iteration state of each
// direction (stopped, buffered body, held trailers), the map/buffer availability rules, deferred
// continue / local reply execution and the end-of-stream callbacks.

import { BufferType, FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus, MapType } from "../abi/enums.js";
import type { AbiVersion } from "../abi/enums.js";
import type { HeaderPair } from "../abi/pairs.js";
import {
  applyEnvoyRequestDefaults,
  convertDataStatus,
  convertHeadersStatus,
  convertTrailersStatus,
  END_OF_STREAM_ORDER,
  FAIL_CLOSED_REPLY,
  grpcLocalReplyHeaders,
  isGrpcRequest,
  localReplyHeaders,
  type LifecycleOrder,
} from "./envoy.js";
import { HeaderMap, INLINE_REQUEST_HEADERS, INLINE_RESPONSE_HEADERS, INLINE_RESPONSE_TRAILERS, type HeaderInput, type RawHeaderPair } from "./headers.js";
import type { HttpCall, TrapInfo } from "./http-calls.js";
import type { PropertyValue, StreamInfoSource } from "./properties.js";

export type StreamStatus = "active" | "paused-request" | "paused-response" | "local-reply" | "reset" | "failed" | "done";
/**
 * How the filter let the request go: "stalled" = the VM failed while this request was paused on
 * it; Envoy then sends nothing until the stream's next callback (fail-closed 503 / fail-open
 * continue, which replaces this decision) or the connection manager's timeouts.
 */
export type RequestDecision = "continued" | "local-reply" | "reset" | "failed" | "stalled";
export type BodyInput = string | Uint8Array;

/** What has passed this filter in one direction: upstream (request) or downstream (response). */
export interface ForwardedMessage {
  headers: HeaderPair[] | null;
  /**
   * The headers as sent, raw-byte values kept as bytes: set only when some value was raw bytes
   * (a Uint8Array header input); otherwise `headers` is already exact.
   */
  rawHeaders?: RawHeaderPair[];
  body: Uint8Array;
  trailers: HeaderPair[] | null;
  endOfStream: boolean;
}

export interface LocalResponse {
  status: number;
  body: Uint8Array;
  bodyText: string;
  /** the full reply headers as Envoy builds them (:status, additional headers, content-*) */
  headers: HeaderPair[];
  /** the additional headers the module passed, lower-cased */
  additionalHeaders: HeaderPair[];
  /** response-code details, whitespace replaced by '_' */
  details: string;
  grpcStatus: number | null;
  /** true for the fail-closed reply Envoy sends after a VM failure */
  failClosed: boolean;
  /** the request was gRPC: the reply on the wire is trailers-only (:status 200, grpc-status, grpc-message) */
  grpc: boolean;
}

export interface PhaseResult {
  /** false when the module's callback was not invoked (paused, bypassed, VM failed…) */
  called: boolean;
  rawReturn: number | null;
  /** the status Envoy's filter returns after the conversions of (null when not called) */
  envoyStatus: number | null;
  trapped?: TrapInfo;
}

export interface CompletionResult {
  callbacks: string[];
  trapped?: TrapInfo;
}

export interface GuestOutcome {
  called: boolean;
  value: number;
  trap?: TrapInfo;
  localReplySent: boolean;
}

/** The simulator surface a stream drives (implemented by ProxyWasmSimulator). */
export interface StreamHost {
  readonly abiVersion: AbiVersion;
  readonly rootContextId: number;
  readonly streamOptions: {
    allowOnHeadersStopIteration: boolean;
    localReplyThroughFilter: boolean;
    lifecycleOrder: LifecycleOrder;
    failOpen: boolean;
    envoyHeaderDefaults: boolean;
    requestHeaderLimits: { maxBytes: number; maxCount: number } | null;
  };
  vmFailed(): boolean;
  /** the plugin rejected its configuration on this worker: Envoy installs no filter (no context) */
  readonly filterBypassed: boolean;
  entry<T>(fn: () => T): T;
  callGuest(name: string, args: Array<number | bigint>, contextId: number): GuestOutcome;
  hasExport(name: string): boolean;
  nowNs(): bigint;
  streamFinished(stream: HttpStream): void;
  hostLog(message: string): void;
}

export interface StreamInit {
  /** property overrides for this stream, keyed "a.b" or "a\0b" */
  properties?: Map<string, PropertyValue>;
  metadata: PropertyValue;
  source?: { address: string; port: number };
  destination?: { address: string; port: number };
  protocol?: string;
  connectionId?: number;
}

interface PendingLocalReply {
  status: number;
  details: string;
  body: Uint8Array;
  additional: HeaderPair[];
  grpcStatus: number | null;
}

const EMPTY = new Uint8Array(0);
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function toBytes(b: BodyInput): Uint8Array {
  return typeof b === "string" ? UTF8_ENCODER.encode(b) : b;
}

const REQUEST_CALLBACKS = { headers: "proxy_on_request_headers", body: "proxy_on_request_body", trailers: "proxy_on_request_trailers" } as const;
const RESPONSE_CALLBACKS = { headers: "proxy_on_response_headers", body: "proxy_on_response_body", trailers: "proxy_on_response_trailers" } as const;

type Stop = "none" | "headers-all" | "headers" | "body" | "trailers";

/** One direction of the stream as this filter sees it. */
class Direction {
  headers: HeaderMap | null = null;
  trailers: HeaderMap | null = null;
  headersAvailable = false;
  bodyAvailable = false;
  trailersAvailable = false;
  stopped: Stop = "none";
  bufferingBody = false;
  /** data Envoy holds for this filter (buffered while stopped) */
  held: Uint8Array = EMPTY;
  /** the chunk (or accumulated body) the current body callback sees */
  current: Uint8Array | null = null;
  inBodyCallback = false;
  bodyCallbackEos = false;
  bodyReceived = false;
  bodySize = 0;
  endSeen = false;
  heldTrailers = false;
  ended = false;
  readonly out: ForwardedMessage = { headers: null, body: EMPTY, trailers: null, endOfStream: false };

  constructor(
    readonly name: "request" | "response",
    readonly callbacks: { headers: string; body: string; trailers: string },
  ) {}
}

export class HttpStream {
  status: StreamStatus = "active";
  localResponse?: LocalResponse;
  /** local replies requested by the module, in order (a second one is flagged in warnings) */
  readonly localReplyRequests: LocalResponse[] = [];
  readonly warnings: string[] = [];
  /** http calls issued while this stream was the current/effective context */
  readonly httpCalls: HttpCall[] = [];
  readonly filterState = new Map<string, Uint8Array>();
  readonly overrides: Map<string, PropertyValue>;
  readonly metadata: PropertyValue;
  readonly source: { address: string; port: number };
  readonly destination: { address: string; port: number };
  readonly protocol: string;
  readonly connectionId: number;
  /** response-code details Envoy recorded (local reply, close stream) */
  codeDetails?: string;

  /** whether proxy_on_context_create has run for this stream */
  created = false;
  /** the filter was not installed (fail-open on a failed VM): traffic bypasses the module */
  bypassed = false;
  accessLogPhase = false;
  pendingLocalReply: PendingLocalReply | null = null;

  private readonly req = new Direction("request", REQUEST_CALLBACKS);
  private readonly res = new Direction("response", RESPONSE_CALLBACKS);
  /** @internal this stream as property lookup sees it (built on first use) */
  infoSource: StreamInfoSource | null = null;
  private streamFailed = false;
  private decision: RequestDecision | null = null;
  private decisionWaiters: Array<(d: RequestDecision) => void> = [];
  private readonly startNs: bigint;
  private endNs: bigint | null = null;
  private finished = false;

  constructor(
    private readonly host: StreamHost,
    readonly contextId: number,
    init: StreamInit,
  ) {
    this.overrides = init.properties ?? new Map();
    this.metadata = init.metadata;
    this.source = init.source ?? { address: "127.0.0.1", port: 40000 + (contextId % 20000) };
    this.destination = init.destination ?? { address: "127.0.0.1", port: 8080 };
    this.protocol = init.protocol ?? "HTTP/1.1";
    this.connectionId = init.connectionId ?? contextId;
    this.startNs = host.nowNs();
  }

  // ---- public surface ---------------------------------------------------------------------

  get requestHeaders(): HeaderPair[] {
    return this.req.headers?.pairs() ?? [];
  }
  get responseHeaders(): HeaderPair[] {
    return this.res.headers?.pairs() ?? [];
  }
  get requestTrailers(): HeaderPair[] {
    return this.req.trailers?.pairs() ?? [];
  }
  get responseTrailers(): HeaderPair[] {
    return this.res.trailers?.pairs() ?? [];
  }
  /** what Envoy has sent upstream so far (undefined until the request headers pass the filter) */
  get forwardedUpstream(): ForwardedMessage | undefined {
    return this.req.out.headers ? this.req.out : undefined;
  }
  /** what the client has received so far */
  get sentDownstream(): ForwardedMessage | undefined {
    return this.res.out.headers ? this.res.out : undefined;
  }
  get requestBody(): Uint8Array {
    return this.req.out.body;
  }
  get responseBody(): Uint8Array {
    return this.res.out.body;
  }
  get requestDecision(): RequestDecision | null {
    return this.decision;
  }

  /** whenRequestDecided resolves once the request continued upstream, got a local reply, was reset or failed. */
  whenRequestDecided(): Promise<RequestDecision> {
    if (this.decision) return Promise.resolve(this.decision);
    return new Promise((resolve) => this.decisionWaiters.push(resolve));
  }

  sendRequestHeaders(headers: HeaderInput, opts: { endOfStream?: boolean } = {}): PhaseResult {
    if (this.req.headers) throw new Error(`stream ${this.contextId}: request headers already sent`);
    const map = HeaderMap.from(headers, INLINE_REQUEST_HEADERS);
    if (this.host.streamOptions.envoyHeaderDefaults) {
      applyEnvoyRequestDefaults(map, `00000000-0000-4000-8000-${String(this.contextId).padStart(12, "0")}`);
    }
    this.req.headers = map;
    this.req.endSeen = opts.endOfStream ?? true;
    const limits = this.host.streamOptions.requestHeaderLimits;
    if (limits && (map.size > limits.maxCount || map.byteSize > limits.maxBytes)) {
      // The codec refuses the request before the filter chain exists (no context is created).
      this.bypassed = true;
      this.deliverLocalReply(this.toLocalResponse({ status: 431, details: "http1.headers_too_large", body: EMPTY, additional: [], grpcStatus: null }, false));
      return notCalled(null);
    }
    return this.host.entry(() => {
      if (this.host.filterBypassed && !this.created) {
        // PluginConfig::createContext found no usable root context (the configuration was
        // rejected on this worker): the filter is not in the chain, whatever the failure policy.
        this.bypassed = true;
        this.passHeaders(this.req);
        return notCalled(FilterHeadersStatus.Continue);
      }
      if (this.host.vmFailed() && !this.created) {
        // Later streams on a failed VM: fail-open → the filter is not installed;
        // fail-closed → a null context answers 503 at decodeHeaders.
        if (this.host.streamOptions.failOpen) {
          this.bypassed = true;
          this.passHeaders(this.req);
          return notCalled(FilterHeadersStatus.Continue);
        }
        this.failStream();
        return notCalled(FilterHeadersStatus.StopAllIterationAndWatermark);
      }
      if (!this.ensureCreated()) return this.failedPhase(this.req, "headers");
      return this.runHeaders(this.req);
    });
  }

  sendRequestBody(chunk: BodyInput, opts: { endOfStream?: boolean } = {}): PhaseResult {
    return this.sendBody(this.req, toBytes(chunk), opts.endOfStream ?? true);
  }

  sendRequestTrailers(trailers: HeaderInput): PhaseResult {
    return this.sendTrailers(this.req, HeaderMap.from(trailers));
  }

  sendResponseHeaders(headers: HeaderInput, opts: { endOfStream?: boolean } = {}): PhaseResult {
    if (this.isTerminal()) return notCalled(null);
    const map = HeaderMap.from(headers, INLINE_RESPONSE_HEADERS);
    this.res.headers = map;
    this.res.endSeen = opts.endOfStream ?? false;
    return this.host.entry(() => {
      const skip = this.skipFilter(this.res, "headers");
      if (skip) return skip;
      return this.runHeaders(this.res);
    });
  }

  sendResponseBody(chunk: BodyInput, opts: { endOfStream?: boolean } = {}): PhaseResult {
    return this.sendBody(this.res, toBytes(chunk), opts.endOfStream ?? true);
  }

  sendResponseTrailers(trailers: HeaderInput): PhaseResult {
    return this.sendTrailers(this.res, HeaderMap.from(trailers, INLINE_RESPONSE_TRAILERS));
  }

  /** complete ends the stream normally: on_log → on_done → on_delete (order configurable). */
  complete(): CompletionResult {
    return this.finish("done");
  }

  /** reset: the client aborts mid-request; the same log and destroy path runs ( step 7). */
  reset(): CompletionResult {
    return this.finish("reset");
  }

  // ---- internal: used by the host functions --------------------------------------------------

  /** getMap: the header map Envoy would expose now, or null when it is unavailable. */
  getMap(type: number, write: boolean): HeaderMap | null {
    if (this.accessLogPhase) {
      if (write) return null;
      if (type === MapType.HttpRequestHeaders) return this.req.headers;
      if (type === MapType.HttpResponseHeaders) return this.res.headers;
      if (type === MapType.HttpResponseTrailers) return this.res.trailers;
      return null;
    }
    switch (type) {
      case MapType.HttpRequestHeaders:
        return this.req.headersAvailable ? this.req.headers : null;
      case MapType.HttpResponseHeaders:
        return this.res.headersAvailable ? this.res.headers : null;
      case MapType.HttpRequestTrailers:
        return this.trailersFor(this.req, write);
      case MapType.HttpResponseTrailers:
        return this.trailersFor(this.res, write);
      default:
        return null;
    }
  }

  /** getBuffer: the body Envoy exposes now (current chunk, or the accumulated buffer), or null. */
  getBuffer(type: number): Uint8Array | null {
    const d = type === BufferType.HttpRequestBody ? this.req : type === BufferType.HttpResponseBody ? this.res : null;
    if (!d || this.accessLogPhase) return null;
    if (d.inBodyCallback) return d.current;
    return d.bodyAvailable ? d.held : null;
  }

  setBuffer(type: number, bytes: Uint8Array): void {
    const d = type === BufferType.HttpRequestBody ? this.req : this.res;
    if (d.inBodyCallback) d.current = bytes;
    else d.held = bytes;
  }

  /**
   * continueStream: proxy_continue_stream(Request|Response). Envoy clears the request-side map
   * pointers at once — for both stream types (an Envoy quirk) — and defers the continue.
   */
  clearRequestMapsForContinue(): void {
    this.req.headersAvailable = false;
    this.req.bodyAvailable = false;
    this.req.trailersAvailable = false;
  }

  /** Deferred continueDecoding()/continueEncoding() (runs after the outermost VM call). */
  resume(direction: "request" | "response"): void {
    if (this.isTerminal()) return;
    const d = direction === "request" ? this.req : this.res;
    if (this.host.vmFailed() && !this.bypassed) {
      if (!this.checkFail(d)) return;
    }
    this.continueDirection(d);
  }

  /** queueLocalReply records proxy_send_local_response; it is executed after the VM call. */
  queueLocalReply(r: PendingLocalReply): void {
    const lr = this.toLocalResponse(r, false);
    this.localReplyRequests.push(lr);
    if (this.localReplyRequests.length > 1) {
      this.warnings.push(`second proxy_send_local_response on stream ${this.contextId} (status ${r.status})`);
    }
    if (!this.pendingLocalReply) this.pendingLocalReply = r;
  }

  /** executeLocalReply: Envoy's deferred sendLocalReply. */
  executeLocalReply(): void {
    const r = this.pendingLocalReply;
    this.pendingLocalReply = null;
    if (!r || this.isTerminal()) return;
    if (this.res.out.headers) {
      // Response headers already went downstream: Envoy can only reset the stream.
      this.warnings.push("local reply after response headers were sent downstream: stream reset");
      this.finish("reset");
      return;
    }
    this.deliverLocalReply(this.toLocalResponse(r, false));
  }

  /** closeStream: proxy_close_stream → details wasm_close_stream if unset, deferred reset. */
  markCloseDetails(details: string): void {
    if (this.codeDetails === undefined) this.codeDetails = details;
  }

  /** Called by the host when the VM fails while this stream waits on it. */
  vmFailedWhilePending(): void {
    if (!this.decision && this.req.headers) this.decide("stalled");
  }

  /** The stream is owned by the module: context created and not yet deleted. */
  get alive(): boolean {
    return this.created && !this.finished;
  }

  // ---- StreamInfoSource (properties) -------------------------------------------------------

  requestBodySize(): number {
    return this.req.bodySize;
  }
  responseBodySize(): number {
    return this.res.bodySize;
  }
  startTimeNs(): bigint {
    return this.startNs;
  }
  durationNs(): bigint | null {
    // Envoy answers request.duration only once the request is complete (StreamInfo::requestComplete).
    return this.endNs === null ? null : this.endNs - this.startNs;
  }
  responseCode(): number | undefined {
    const c = this.res.headers?.get(":status");
    return c === undefined ? undefined : Number(c);
  }
  responseCodeDetails(): string | undefined {
    return this.codeDetails ?? (this.res.headers ? "via_upstream" : undefined);
  }

  // ---- phases -------------------------------------------------------------------------------

  private ensureCreated(): boolean {
    if (this.created) return true;
    this.created = true;
    const o = this.host.callGuest("proxy_on_context_create", [this.contextId, this.host.rootContextId], this.contextId);
    return !o.trap;
  }

  private headersArgs(d: Direction): Array<number> {
    const n = d.headers!.size;
    return this.host.abiVersion === "0.1.0" ? [this.contextId, n] : [this.contextId, n, d.endSeen ? 1 : 0];
  }

  private runHeaders(d: Direction): PhaseResult {
    d.headersAvailable = true;
    const o = this.host.callGuest(d.callbacks.headers, this.headersArgs(d), this.contextId);
    if (o.trap) return this.afterTrap(d, o.trap, "headers");
    if (!o.called) {
      d.headersAvailable = false;
      this.passHeaders(d);
      return notCalled(FilterHeadersStatus.Continue);
    }
    const st = convertHeadersStatus(o.value, o.localReplySent || this.pendingLocalReply !== null, this.host.streamOptions.allowOnHeadersStopIteration);
    if (st === FilterHeadersStatus.Continue) {
      d.headersAvailable = false;
      this.passHeaders(d);
    } else {
      d.stopped = st === FilterHeadersStatus.StopIteration ? "headers" : "headers-all";
      this.refreshStatus();
    }
    return { called: true, rawReturn: o.value, envoyStatus: st };
  }

  private sendBody(d: Direction, chunk: Uint8Array, eos: boolean): PhaseResult {
    if (!d.headers) throw new Error(`stream ${this.contextId}: ${d.name} body before ${d.name} headers`);
    if (this.isTerminal() || d.ended) return notCalled(null);
    d.endSeen = eos;
    d.bodyReceived = true;
    d.bodySize += chunk.length;
    return this.host.entry(() => {
      const skip = this.skipFilter(d, "body", chunk);
      if (skip) return skip;
      if (d.stopped === "headers-all" || d.stopped === "trailers") {
        // StopAll…: Envoy buffers the body and delivers it to this filter after continue.
        d.held = concat(d.held, chunk);
        return notCalled(null);
      }
      return this.runBody(d, chunk, eos);
    });
  }

  private runBody(d: Direction, chunk: Uint8Array, eos: boolean): PhaseResult {
    let size: number;
    if (d.bufferingBody) {
      // After StopIterationAndBuffer Envoy appends first: the callback sees the cumulative size.
      d.current = concat(d.held, chunk);
      d.held = EMPTY;
      size = d.current.length;
    } else {
      d.current = chunk;
      size = chunk.length;
    }
    d.inBodyCallback = true;
    d.bodyCallbackEos = eos;
    d.bodyAvailable = true;
    const o = this.host.callGuest(d.callbacks.body, [this.contextId, size, eos ? 1 : 0], this.contextId);
    d.inBodyCallback = false;
    const current = d.current ?? EMPTY;
    d.current = null;
    if (o.trap) {
      d.held = concat(d.held, current);
      return this.afterTrap(d, o.trap, "body");
    }
    const st = o.called ? convertDataStatus(o.value, o.localReplySent || this.pendingLocalReply !== null) : FilterDataStatus.Continue;
    switch (st) {
      case FilterDataStatus.Continue:
        d.bodyAvailable = false;
        d.bufferingBody = false;
        if (d.stopped === "headers") this.passHeaders(d, false);
        d.stopped = "none";
        this.forwardBody(d, concat(d.held, current));
        d.held = EMPTY;
        if (eos) {
          // Trailers the module created from this last body callback go out with the body.
          if (d.trailers) d.out.trailers = d.trailers.pairs();
          this.endDirection(d);
        }
        break;
      case FilterDataStatus.StopIterationAndBuffer:
        d.held = concat(d.held, current);
        d.bufferingBody = true;
        if (d.stopped === "none") d.stopped = "body";
        break;
      case FilterDataStatus.StopIterationAndWatermark:
        d.held = concat(d.held, current);
        d.bufferingBody = false;
        if (d.stopped === "none") d.stopped = "body";
        break;
      default:
        // StopIterationNoBuffer: the chunk is not kept.
        d.bufferingBody = false;
        if (d.stopped === "none") d.stopped = "body";
    }
    this.refreshStatus();
    return { called: o.called, rawReturn: o.called ? o.value : null, envoyStatus: st };
  }

  private sendTrailers(d: Direction, trailers: HeaderMap): PhaseResult {
    if (!d.headers) throw new Error(`stream ${this.contextId}: ${d.name} trailers before ${d.name} headers`);
    if (this.isTerminal() || d.ended) return notCalled(null);
    d.trailers = trailers;
    d.endSeen = true;
    return this.host.entry(() => {
      const skip = this.skipFilter(d, "trailers");
      if (skip) return skip;
      if (d.stopped === "headers-all") {
        d.heldTrailers = true;
        return notCalled(null);
      }
      return this.runTrailers(d);
    });
  }

  private runTrailers(d: Direction): PhaseResult {
    d.heldTrailers = false;
    d.trailersAvailable = true;
    const o = this.host.callGuest(d.callbacks.trailers, [this.contextId, d.trailers!.size], this.contextId);
    if (o.trap) return this.afterTrap(d, o.trap, "trailers");
    const st = o.called ? convertTrailersStatus(o.value, o.localReplySent || this.pendingLocalReply !== null) : FilterTrailersStatus.Continue;
    if (st === FilterTrailersStatus.Continue) {
      d.trailersAvailable = false;
      this.passAll(d);
    } else {
      d.stopped = "trailers";
    }
    this.refreshStatus();
    return { called: o.called, rawReturn: o.called ? o.value : null, envoyStatus: st };
  }

  /** continueDirection: what continueDecoding/continueEncoding does for this filter. */
  private continueDirection(d: Direction): void {
    const stopped = d.stopped;
    if (stopped === "none") return;
    if (stopped === "headers-all" || stopped === "headers") {
      this.passHeaders(d, false);
      d.stopped = "none";
      if (d.bodyReceived && (d.held.length > 0 || (d.endSeen && !d.trailers))) {
        // The body buffered while headers were stopped goes through this filter's body callback.
        const chunk = d.held;
        d.held = EMPTY;
        this.runBody(d, chunk, d.endSeen && !d.trailers);
      }
      if (d.heldTrailers && d.stopped === "none" && !this.isTerminal()) this.runTrailers(d);
      else if (d.endSeen && !d.bodyReceived && !d.trailers) this.endDirection(d);
    } else if (d.heldTrailers) {
      // Trailers held since a StopAll: the body goes on, then the trailers reach this filter.
      d.stopped = "none";
      d.bufferingBody = false;
      this.forwardBody(d, d.held);
      d.held = EMPTY;
      this.runTrailers(d);
    } else {
      d.stopped = "none";
      d.bufferingBody = false;
      this.passAll(d, stopped === "body" && !d.trailers ? d.endSeen : undefined);
    }
    this.refreshStatus();
  }

  private passHeaders(d: Direction, endIfDone = true): void {
    if (!d.out.headers) {
      d.out.headers = d.headers!.pairs();
      if (d.headers!.hasRawValues()) d.out.rawHeaders = d.headers!.rawPairs();
    }
    if (d === this.req) this.decide("continued");
    if (endIfDone && d.endSeen && !d.bodyReceived && !d.trailers) this.endDirection(d);
    if (d.stopped === "headers" || d.stopped === "headers-all") d.stopped = "none";
    this.refreshStatus();
  }

  private passAll(d: Direction, endOverride?: boolean): void {
    if (!d.out.headers) this.passHeaders(d, false);
    this.forwardBody(d, d.held);
    d.held = EMPTY;
    if (d.trailers) {
      d.out.trailers = d.trailers.pairs();
      this.endDirection(d);
    } else if (endOverride ?? d.endSeen) {
      this.endDirection(d);
    }
  }

  private forwardBody(d: Direction, bytes: Uint8Array): void {
    if (bytes.length > 0) d.out.body = concat(d.out.body, bytes);
  }

  private endDirection(d: Direction): void {
    d.out.endOfStream = true;
    d.ended = true;
  }

  private trailersFor(d: Direction, write: boolean): HeaderMap | null {
    if (d.trailersAvailable) return d.trailers;
    // Trailers can be created from the last body callback (Envoy addDecoded/EncodedTrailers).
    if (write && d.inBodyCallback && d.bodyCallbackEos) {
      if (!d.trailers) d.trailers = new HeaderMap(d === this.res ? INLINE_RESPONSE_TRAILERS : undefined);
      return d.trailers;
    }
    return null;
  }

  /** skipFilter: the cases where Envoy does not call into the module for this phase. */
  private skipFilter(d: Direction, phase: "headers" | "body" | "trailers", chunk?: Uint8Array): PhaseResult | null {
    if (this.bypassed || (d === this.res && !this.created) || (this.streamFailed && this.host.streamOptions.failOpen)) {
      // Filter absent, never created (response side), or fail-open after a failure: pass through.
      if (phase === "headers") this.passHeaders(d);
      else {
        if (chunk) this.forwardBody(d, chunk);
        if (phase === "trailers" && d.trailers) d.out.trailers = d.trailers.pairs();
        if (d.endSeen) this.endDirection(d);
      }
      return notCalled(0);
    }
    if (this.host.vmFailed()) {
      if (!this.checkFail(d)) return notCalled(phase === "headers" ? FilterHeadersStatus.StopAllIterationAndWatermark : phase === "body" ? FilterDataStatus.StopIterationNoBuffer : FilterTrailersStatus.StopIteration);
      if (chunk) this.forwardBody(d, chunk);
      return notCalled(0);
    }
    return null;
  }

  /** checkFail: cpp-host CHECK_FAIL_HTTP — fail-open continues, fail-closed fails the stream once. */
  private checkFail(d: Direction): boolean {
    if (this.host.streamOptions.failOpen) {
      this.continueDirectionOpen(d);
      return true;
    }
    if (!this.streamFailed) this.failStream();
    return false;
  }

  private continueDirectionOpen(d: Direction): void {
    this.streamFailed = true;
    if (d.stopped !== "none" || !d.out.headers) {
      d.stopped = "none";
      this.passAll(d);
    }
  }

  private afterTrap(d: Direction, trap: TrapInfo, phase: "headers" | "body" | "trailers"): PhaseResult {
    this.streamFailed = true;
    const closed = phase === "headers" ? FilterHeadersStatus.StopAllIterationAndWatermark : phase === "body" ? FilterDataStatus.StopIterationNoBuffer : FilterTrailersStatus.StopIteration;
    if (this.host.streamOptions.failOpen) {
      // fail_open: this callback and every later one return Continue.
      d.stopped = "none";
      d.headersAvailable = d.bodyAvailable = d.trailersAvailable = false;
      this.passAll(d);
      this.refreshStatus();
      return { called: true, rawReturn: null, envoyStatus: 0, trapped: trap };
    }
    this.failStream();
    return { called: true, rawReturn: null, envoyStatus: closed, trapped: trap };
  }

  private failedPhase(d: Direction, phase: "headers"): PhaseResult {
    // on_context_create trapped: the VM is failed; Envoy's CHECK_FAIL applies.
    const skip = this.skipFilter(d, phase);
    return skip ?? notCalled(null);
  }

  /** failStream: the fail-closed local reply (503, empty body, gRPC 14, wasm_fail_stream). */
  private failStream(): void {
    this.streamFailed = true;
    const lr = this.toLocalResponse(
      { status: FAIL_CLOSED_REPLY.status, details: FAIL_CLOSED_REPLY.details, body: EMPTY, additional: [], grpcStatus: FAIL_CLOSED_REPLY.grpcStatus },
      true,
    );
    this.localResponse = lr;
    this.codeDetails = lr.details;
    this.res.headers = HeaderMap.fromPairs(lr.headers, INLINE_RESPONSE_HEADERS);
    this.res.out.headers = lr.headers;
    this.res.out.body = EMPTY;
    this.endDirection(this.res);
    this.req.stopped = "none";
    this.status = "failed";
    this.decide("failed");
  }

  private toLocalResponse(r: PendingLocalReply, failClosed: boolean): LocalResponse {
    const grpc = isGrpcRequest(this.req.headers);
    const headers = grpc ? grpcLocalReplyHeaders(r.status, r.grpcStatus, r.body, r.additional) : localReplyHeaders(r.status, r.additional, r.body.length);
    return {
      status: r.status,
      body: r.body,
      bodyText: UTF8_DECODER.decode(r.body),
      grpc,
      headers: headers.pairs(),
      additionalHeaders: r.additional.map(([k, v]) => [k.toLowerCase(), v]),
      details: r.details,
      grpcStatus: r.grpcStatus,
      failClosed,
    };
  }

  private deliverLocalReply(reply: LocalResponse): void {
    // What goes on the wire: a gRPC local reply carries its body in grpc-message, not as data.
    // A reply to a HEAD request keeps its headers (content-length included) and drops the body
    // (Utility::sendLocalReply's is_head_request).
    const lr = reply.grpc || this.req.headers?.get(":method") === "HEAD" ? { ...reply, body: EMPTY } : reply;
    // DownstreamFilterManager::sendLocalReply: only a reply before any response headers reached
    // the filter manager goes through the encoder filters; once the response is held (the
    // upstream's headers exist) it is sent directly (sendDirectLocalReply).
    const responseStarted = this.res.headers !== null;
    this.localResponse = reply;
    this.codeDetails = lr.details;
    this.status = "local-reply";
    this.decide("local-reply");
    // The request never goes (further) upstream. Its maps stay readable: only Continue and
    // continue_stream release them in Envoy.
    this.req.stopped = "none";
    this.req.ended = true;
    const res = this.res;
    res.headers = HeaderMap.fromPairs(lr.headers, INLINE_RESPONSE_HEADERS);
    res.trailers = null;
    res.held = EMPTY;
    res.stopped = "none";
    res.bodyReceived = lr.body.length > 0;
    res.bodySize = lr.body.length;
    res.endSeen = true;
    if (this.host.streamOptions.localReplyThroughFilter && !responseStarted && this.created && !this.host.vmFailed()) {
      // The reply goes through the encoder chain: this filter sees its own local reply.
      res.endSeen = lr.body.length === 0;
      this.runHeaders(res);
      if (lr.body.length > 0 && !this.isTerminalExceptLocalReply()) {
        res.endSeen = true;
        if ((res.stopped as Stop) === "headers-all") res.held = concat(res.held, lr.body);
        else this.runBody(res, lr.body, true);
      }
    } else {
      res.out.headers = lr.headers;
      res.out.body = lr.body;
      this.endDirection(res);
    }
    if ((this.status as StreamStatus) !== "failed") this.status = "local-reply";
  }

  private finish(kind: "done" | "reset"): CompletionResult {
    if (this.finished) return { callbacks: [] };
    const callbacks: string[] = [];
    let trapped: TrapInfo | undefined;
    this.host.entry(() => {
      if (kind === "reset") {
        this.decide("reset");
        this.req.stopped = this.res.stopped = "none";
      }
      if (!this.bypassed && !this.host.vmFailed()) {
        if (!this.created && this.req.headers === null && kind === "reset") {
          // Nothing reached the filter: no context, nothing to log.
        } else {
          if (!this.created) {
            this.created = true;
            const o = this.host.callGuest("proxy_on_context_create", [this.contextId, this.host.rootContextId], this.contextId);
            callbacks.push("proxy_on_context_create");
            if (o.trap) trapped = o.trap;
          }
          this.endNs = this.host.nowNs();
          for (const name of END_OF_STREAM_ORDER[this.host.streamOptions.lifecycleOrder]) {
            if (trapped || this.host.vmFailed()) break;
            this.accessLogPhase = name === "proxy_on_log";
            const o = this.host.callGuest(name, [this.contextId], this.contextId);
            this.accessLogPhase = false;
            if (o.called) callbacks.push(name);
            if (o.trap) trapped = o.trap;
          }
        }
      }
      this.finished = true;
      this.status = kind === "reset" ? "reset" : this.status === "local-reply" || this.status === "failed" ? this.status : "done";
      this.host.streamFinished(this);
    });
    return trapped ? { callbacks, trapped } : { callbacks };
  }

  private isTerminal(): boolean {
    return this.finished || this.status === "local-reply" || this.status === "failed";
  }

  private isTerminalExceptLocalReply(): boolean {
    return this.finished || this.status === "failed";
  }

  private refreshStatus(): void {
    if (this.finished || this.status === "local-reply" || this.status === "failed" || this.status === "reset") return;
    if (this.req.stopped !== "none") this.status = "paused-request";
    else if (this.res.stopped !== "none") this.status = "paused-response";
    else this.status = "active";
  }

  private decide(d: RequestDecision): void {
    if (this.decision && this.decision !== "stalled") return;
    this.decision = d;
    const waiters = this.decisionWaiters;
    this.decisionWaiters = [];
    for (const w of waiters) w(d);
  }
}

function notCalled(envoyStatus: number | null): PhaseResult {
  return { called: false, rawReturn: null, envoyStatus };
}

/** Adapts a stream to the property lookup interface (one adapter per stream: its fields are fixed). */
export function streamInfo(s: HttpStream): StreamInfoSource {
  return (s.infoSource ??= {
    // Context::findValue: request_headers_ (released on Continue and by continue_stream) or the
    // access log's maps; the same availability as the header-map calls.
    requestHeaders: () => s.getMap(MapType.HttpRequestHeaders, false),
    responseHeaders: () => s.getMap(MapType.HttpResponseHeaders, false),
    responseTrailers: () => s.getMap(MapType.HttpResponseTrailers, false),
    responseCode: () => s.responseCode(),
    requestBodySize: () => s.requestBodySize(),
    responseBodySize: () => s.responseBodySize(),
    startTimeNs: () => s.startTimeNs(),
    durationNs: () => s.durationNs(),
    connectionId: s.connectionId,
    protocol: s.protocol,
    source: s.source,
    destination: s.destination,
    responseCodeDetails: () => s.responseCodeDetails(),
    metadata: s.metadata,
    overrides: s.overrides,
    filterState: s.filterState,
  });
}
