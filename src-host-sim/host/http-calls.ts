// HTTP call-outs as the test sees them (docs/host-simulator.md). A call belongs to
// the ROOT context of the context that issued it; its answer is delivered to that root id, never
// inline (never during the proxy_http_call host call).

import type { HeaderPair } from "../abi/pairs.js";
import type { HeaderInput } from "./headers.js";

export interface HttpCallResponseInit {
  status: number;
  headers?: HeaderInput;
  body?: string | Uint8Array;
  trailers?: HeaderInput;
}

/** What a cluster handler receives: a snapshot of the call. */
export interface HttpCallRequest {
  token: number;
  cluster: string;
  headers: HeaderPair[];
  header(name: string): string | undefined;
  method: string;
  path: string;
  authority: string;
  body: Uint8Array;
  bodyText: string;
  trailers: HeaderPair[];
  timeoutMs: number;
}

/**
 * What a cluster handler answers: a response; "fail" = the call fails (failure callback, status 11
 * "reset"); "connect-failure" = the upstream cannot be reached, which Envoy's AsyncClient delivers
 * as a *successful* 503 (connectFailureResponse).
 */
export type ClusterHandler = (
  req: HttpCallRequest,
) => Promise<HttpCallResponseInit | "fail" | "connect-failure"> | HttpCallResponseInit | "fail" | "connect-failure";
/**
 * "manual": calls stay pending until the test answers them; "undispatchable": the call cannot be
 * started (AsyncClient failed inline), so proxy_http_call returns InternalFailure and no callback
 * ever comes; a function answers asynchronously.
 */
export type ClusterBehavior = "manual" | "undispatchable" | ClusterHandler;

/** Envoy's router reply when a call-out's upstream refuses or resets the connection before headers. */
export const CONNECT_FAILURE_BODY = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
/** Envoy's AsyncClient buffers at most this much of a call-out answer; more fails the call. */
export const CALL_RESPONSE_BUFFER_LIMIT = 32 * 1024 * 1024;

export function connectFailureResponse(): HttpCallResponseInit {
  return { status: 503, headers: [["content-length", String(CONNECT_FAILURE_BODY.length)], ["content-type", "text/plain"]], body: CONNECT_FAILURE_BODY };
}

export type HttpCallState = "pending" | "responded" | "failed" | "timed-out";

/** The outcome of a host→VM callback the test triggered (respond, fail, tick…). */
export interface CallbackResult {
  /** false when nothing was delivered (VM failed, call already answered, deferred). */
  delivered: boolean;
  trapped?: TrapInfo;
}

export interface TrapInfo {
  exportName: string;
  contextId: number;
  message: string;
  /** the code passed to WASI proc_exit just before the trap (AssemblyScript abort → 255). */
  procExitCode?: number;
  /** true when the "trap" was an exception thrown by host code (a simulator bug or a test's foreign function) */
  hostError?: boolean;
}

export interface HttpCallDelivery {
  respond(call: HttpCall, r: HttpCallResponseInit): CallbackResult;
  fail(call: HttpCall, reason: string): CallbackResult;
}

export class HttpCall implements HttpCallRequest {
  /** virtual time the module dispatched the call (for the router's service-time header) */
  dispatchedMs = 0;
  state: HttpCallState = "pending";
  /** the response delivered to the module (timeouts included), once answered */
  response?: HttpCallResponseInit;
  timeoutTimer: number | null = null;

  constructor(
    readonly token: number,
    readonly cluster: string,
    readonly headers: HeaderPair[],
    readonly body: Uint8Array,
    readonly trailers: HeaderPair[],
    readonly timeoutMs: number,
    /** the context current (or effective) when the module called proxy_http_call */
    readonly issuingContextId: number,
    /** the root context the answer is delivered to */
    readonly rootContextId: number,
    private readonly delivery: HttpCallDelivery,
  ) {}

  header(name: string): string | undefined {
    const k = name.toLowerCase();
    const headers = this.headers;
    for (let i = 0; i < headers.length; i++) {
      const hk = headers[i]![0];
      if (hk === k || hk.toLowerCase() === k) return headers[i]![1];
    }
    return undefined;
  }

  get method(): string {
    return this.header(":method") ?? "";
  }

  get path(): string {
    return this.header(":path") ?? "";
  }

  get authority(): string {
    return this.header(":authority") ?? "";
  }

  get bodyText(): string {
    return new TextDecoder().decode(this.body);
  }

  get pending(): boolean {
    return this.state === "pending";
  }

  /** respond delivers proxy_on_http_call_response(root, token, nh, nb, nt). */
  respond(r: HttpCallResponseInit): CallbackResult {
    return this.delivery.respond(this, r);
  }

  /** fail delivers (root, token, 0, 0, 0); proxy_get_status then gives 11 "reset". */
  fail(reason = "reset"): CallbackResult {
    return this.delivery.fail(this, reason);
  }

  /** connectFailure: the backend is down, as Envoy delivers it: a successful 503 (not a failure). */
  connectFailure(): CallbackResult {
    return this.delivery.respond(this, connectFailureResponse());
  }
}

export class HttpCallRegistry {
  private calls: HttpCall[] = [];

  add(call: HttpCall): void {
    this.calls.push(call);
  }

  remove(call: HttpCall): void {
    const i = this.calls.indexOf(call);
    if (i >= 0) this.calls.splice(i, 1);
  }

  /** clearAnswered drops every call that is no longer pending. */
  clearAnswered(): void {
    this.calls = this.calls.filter((c) => c.state === "pending");
  }

  all(): HttpCall[] {
    return [...this.calls];
  }

  pending(): HttpCall[] {
    return this.calls.filter((c) => c.state === "pending");
  }

  byToken(token: number): HttpCall | undefined {
    return this.calls.find((c) => c.token === token);
  }

  last(): HttpCall | undefined {
    return this.calls[this.calls.length - 1];
  }

  get count(): number {
    return this.calls.length;
  }
}
