// The one home of every Envoy behaviour the simulator reproduces (the project's style). Rules
// live below; behaviours that are plumbing live where the index says, each with a comment naming
// it. Sections refer to docs/host-simulator.md; tests are under test/host-sim/.
//
// Behaviour                                                   home                              test
// ---------------------------------------------------------- --------------------------------- ------------------------
// ABI marker 0.1.0/0.2.0/0.2.1; per-version linking        simulator.create, imports.ts       link-abi-wasi
// missing import / bad signature / missing malloc fail   simulator.link/checkExports        link-abi-wasi
// host call in the start section is fatal                imports.ts wrap                    link-abi-wasi
// restricted callbacks in malloc / _initialize             MALLOC_ALLOWED, INITIALIZE_ALLOWED link-abi-wasi
// exact-size malloc, size 0 → no malloc, OOB → 6           abi/memory.ts returnBytes          link-abi-wasi
// context ids 1 (root), 2, 3…; lazy stream create (-4.3)    simulator.newHttpStream, stream    lifecycle
// start: create(root,0) → vm_start(root,len) → configure simulator.start                   lifecycle
// plugin config readable only in on_configure            imports.ts resolveBuffer           context-buffers-logs
// end of stream order on_log → on_done → on_delete       END_OF_STREAM_ORDER, stream.finish lifecycle
// effective context resets per VM call; unknown → 2      simulator.callGuest, imports.ts    context-buffers-logs
// header map availability and statuses                  stream.getMap, imports.ts          headers
// lower-cased keys, pseudo-headers first, first value    headers.ts HeaderMap               headers
// Host → :authority; Envoy request defaults              HeaderMap.from, applyEnvoyRequestDefaults headers
// pairs format; malformed → empty map                   abi/pairs.ts                       abi-primitives, headers
// return value conversions                               convert*Status below               stream-control
// deferred continue; continue clears request maps       imports.ts continueStream, stream.resume stream-control, response-path
// body buffering while paused, cumulative sizes          stream.runBody/continueDirection   stream-control, response-path
// local reply: deferred, forces stop, headers, details   imports.ts, stream.executeLocalReply, below stream-control
// local reply re-enters the encoder chain                stream.deliverLocalReply           stream-control
// local reply to a gRPC request is trailers-only         grpcLocalReplyHeaders below        stream-control
// http calls on the root, tokens 4, 8…, never inline     imports.ts proxy_http_call, simulator.deliverHttpCall http-calls
// call failure (root, token, 0,0,0) + status 11 "reset"  simulator.runHttpCallResponse     http-calls
// call timeout → successful 504 from the virtual clock   simulator.registerHttpCall         http-calls
// properties: paths, lookup, serialization               properties.ts                      properties
// ticks on the root, re-armed, 0 stops                  simulator.setTickPeriod/armTick    time-shared-metrics
// shared data cas from 1; queues posted async            shared-data.ts, imports.ts         time-shared-metrics
// metric ids type+4 step 4; statuses                     metrics.ts                         time-shared-metrics
// WASI under both names; proc_exit; fd_write levels      imports.ts wasiImports             link-abi-wasi
// trap → VM failed; fail-closed 503 / fail-open bypass   simulator.failVm, stream.afterTrap/failStream failure
// canary VM: load+init, create/vm_start/configure, dropped     simulator.create/runCanary/drop    canary-strict
//   without on_done/on_delete; its failure refuses start
// (opt-in, not Envoy) strict: trap / unknown cluster throw,     strict.ts, simulator.entry,        canary-strict
//   second local reply → sim.warnings                      imports.ts http_call/local_response

import { FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus, GrpcStatus } from "../abi/enums.js";
import type { HeaderPair } from "../abi/pairs.js";
import { HeaderMap, INLINE_RESPONSE_HEADERS } from "./headers.js";

/**
 * Headers callback result (cpp-host convertVmCallResultToFilterHeadersStatus):
 * - a local reply sent during the callback, or a value > 4 → StopAllIterationAndWatermark;
 * - 1 (StopIteration) → StopAllIterationAndWatermark unless allow_on_headers_stop_iteration;
 * - 2 (ContinueAndEndStream) → Continue; 0, 3, 4 unchanged.
 */
export function convertHeadersStatus(raw: number, localReplySent: boolean, allowStopIteration: boolean): FilterHeadersStatus {
  const v = raw >>> 0;
  if (localReplySent || v > FilterHeadersStatus.StopAllIterationAndWatermark) return FilterHeadersStatus.StopAllIterationAndWatermark;
  if (v === FilterHeadersStatus.StopIteration && !allowStopIteration) return FilterHeadersStatus.StopAllIterationAndWatermark;
  if (v === FilterHeadersStatus.ContinueAndEndStream) return FilterHeadersStatus.Continue;
  return v as FilterHeadersStatus;
}

/** Data callback result: stopped by a local reply, or > 3 → StopIterationNoBuffer. */
export function convertDataStatus(raw: number, localReplySent: boolean): FilterDataStatus {
  const v = raw >>> 0;
  if (localReplySent || v > FilterDataStatus.StopIterationNoBuffer) return FilterDataStatus.StopIterationNoBuffer;
  return v as FilterDataStatus;
}

/** Trailers callback result: stopped, or > 1 → StopIteration. */
export function convertTrailersStatus(raw: number, localReplySent: boolean): FilterTrailersStatus {
  const v = raw >>> 0;
  if (localReplySent || v > FilterTrailersStatus.StopIteration) return FilterTrailersStatus.StopIteration;
  return v as FilterTrailersStatus;
}

/** Local reply details: Envoy replaces every whitespace character with '_'. */
export function sanitizeDetails(details: string): string {
  return details.replace(/\s/g, "_");
}

/** gRPC status of a local reply: 0..16 is used, anything else (−1, 0xFFFFFFFF) means none. */
export function localReplyGrpcStatus(raw: number): number | null {
  const v = raw >>> 0;
  return v <= GrpcStatus.Unauthenticated ? v : null;
}

/**
 * The response headers of a local reply (Envoy Utility::sendLocalReply): `:status`, the
 * additional headers lower-cased and appended, then content-length and — unless the module set
 * one — content-type text/plain when the body is non-empty.
 */
export function localReplyHeaders(status: number, additional: ReadonlyArray<HeaderPair>, bodyLength: number): HeaderMap {
  const h = new HeaderMap(INLINE_RESPONSE_HEADERS);
  h.add(":status", String(status));
  for (const [k, v] of additional) h.add(k.toLowerCase(), v);
  if (bodyLength > 0) {
    h.replace("content-length", String(bodyLength));
    if (!h.has("content-type")) h.add("content-type", "text/plain");
  } else {
    // Utility::encodeLocalReply: an empty body drops whatever length and type the module set.
    h.remove("content-length");
    h.remove("content-type");
  }
  return h;
}

/** Envoy Grpc::Utility::httpToGrpcStatus: the gRPC status of a local reply that names none. */
export function httpToGrpcStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.Internal;
    case 401:
      return GrpcStatus.Unauthenticated;
    case 403:
      return GrpcStatus.PermissionDenied;
    case 404:
      return GrpcStatus.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.Unavailable;
    default:
      return GrpcStatus.Unknown;
  }
}

/** A request is gRPC when its content-type starts with application/grpc (Envoy Grpc::Common::isGrpcRequestHeaders). */
export function isGrpcRequest(requestHeaders: HeaderMap | null): boolean {
  return (requestHeaders?.get("content-type") ?? "").toLowerCase().startsWith("application/grpc");
}

/**
 * The local reply to a gRPC request is trailers-only: :status 200, content-type
 * application/grpc, grpc-status (given, or mapped from the HTTP status) and grpc-message (the body,
 * percent-encoded as Envoy does: bytes below 0x20, from 0x7e (~) up, and '%').
 */
export function grpcLocalReplyHeaders(httpStatus: number, grpcStatus: number | null, body: Uint8Array, additional: ReadonlyArray<HeaderPair>): HeaderMap {
  const h = new HeaderMap(INLINE_RESPONSE_HEADERS);
  h.add(":status", "200");
  for (const [k, v] of additional) h.add(k.toLowerCase(), v);
  h.replace("content-type", "application/grpc");
  // Utility::encodeLocalReply: a grpc-status the module added is kept; a content-length dropped.
  if (!h.has("grpc-status")) h.add("grpc-status", String(grpcStatus ?? httpToGrpcStatus(httpStatus)));
  if (body.length > 0) {
    // PercentEncoding::encode: bytes below ' ', from '~' up, and '%'.
    let msg = "";
    for (const b of body) msg += b < 0x20 || b >= 0x7e || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(b);
    h.replace("grpc-message", msg);
  }
  h.remove("content-length");
  return h;
}

/** Fail-closed reply after a VM failure: 503, empty body, gRPC Unavailable, details. */
export const FAIL_CLOSED_REPLY = { status: 503, grpcStatus: GrpcStatus.Unavailable, details: "wasm_fail_stream" } as const;

/** proxy_close_stream on an HTTP stream sets these response-code details if unset. */
export const CLOSE_STREAM_DETAILS = "wasm_close_stream";

/** Envoy AsyncClient answer to an http call that timed out: a *successful* 504. */
export const HTTP_CALL_TIMEOUT_BODY = "upstream request timeout";

/** proxy_get_status after a failed http call: BrokenConnection (11), "reset". */
export const HTTP_CALL_FAILURE_STATUS = { code: 11, message: "reset" } as const;

/** First http call token is 4, then 8, 12 … (low two bits = call type, 0 = HTTP;). */
export const HTTP_CALL_TOKEN_STEP = 4;

/** Headers the HTTP connection manager adds before filters run ( "Envoy defaults"). */
export function applyEnvoyRequestDefaults(h: HeaderMap, requestId: string): void {
  if (!h.has(":scheme")) h.add(":scheme", "http");
  if (!h.has("x-forwarded-proto")) h.add("x-forwarded-proto", h.get(":scheme") ?? "http");
  if (!h.has("x-request-id")) h.add("x-request-id", requestId);
}

/**
 * The order of the end-of-stream callbacks ( step 6): current Envoy runs the access-log phase
 * before destroying filters (on_log → on_done → on_delete); the spec documents on_done → on_log.
 */
export type LifecycleOrder = "envoy" | "spec";
export const END_OF_STREAM_ORDER: Record<LifecycleOrder, ReadonlyArray<"proxy_on_log" | "proxy_on_done" | "proxy_on_delete">> = {
  envoy: ["proxy_on_log", "proxy_on_done", "proxy_on_delete"],
  spec: ["proxy_on_done", "proxy_on_log", "proxy_on_delete"],
};

/**
 * Restricted callbacks: while the host is inside malloc the guest may only log, write to a
 * fd, read a clock or poll; during _initialize/_start the WASI basics are allowed as well.
 */
export const MALLOC_ALLOWED = new Set(["proxy_log", "fd_write", "clock_time_get", "poll_oneoff"]);
export const INITIALIZE_ALLOWED = new Set([
  "proxy_log", "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags",
  "fd_prestat_get", "fd_prestat_dir_name", "args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
  "clock_time_get", "clock_res_get", "random_get", "proc_exit", "poll_oneoff", "sched_yield",
]);
