// Raw host calls with explicit statuses. The SDK's checked wrappers abort the VM on any non-Ok
// status (the toolchain notes), so every call whose status can be non-Ok goes through here.
// Buffers the host returns were allocated through the SDK's exported `malloc`, which pins them;
// `takeReturned` unpins them so the GC owns them again (the SDK's free()).
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";

export const STATUS_OK: u32 = 0;
export const STATUS_NOT_FOUND: u32 = 1;
export const STATUS_BAD_ARGUMENT: u32 = 2;

export const MAP_REQUEST_HEADERS: i32 = 0;
export const MAP_RESPONSE_HEADERS: i32 = 2;
export const MAP_HTTP_CALL_RESPONSE_HEADERS: i32 = 6;

export const BUFFER_HTTP_CALL_RESPONSE_BODY: i32 = 4;
export const BUFFER_PLUGIN_CONFIGURATION: i32 = 7;

export const STREAM_REQUEST: i32 = 0;

// Out-parameters for the host (static: the module is single-threaded).
// @ts-ignore: decorator
@lazy const RET_PTR = memory.data(8);
// @ts-ignore: decorator
@lazy const RET_SIZE = memory.data(8);

/** LAST_STATUS is the status of the latest call made through this file. */
export let LAST_STATUS: u32 = 0;

// @ts-ignore: decorator
@lazy const EMPTY: ArrayBuffer = new ArrayBuffer(0);

function resetReturn(): void {
  store<u32>(RET_PTR, 0);
  store<u32>(RET_SIZE, 0);
}

/** takeReturned turns the host-written (ptr, size) into an ArrayBuffer, unpinning it. */
function takeReturned(): ArrayBuffer {
  const ptr = <usize>load<u32>(RET_PTR);
  if (ptr == 0) return new ArrayBuffer(0);
  const buf = changetype<ArrayBuffer>(ptr);
  free(ptr);
  return buf;
}

/** getBufferBytes reads [start, start+max) of a host buffer; null unless the status is Ok. */
export function getBufferBytes(bufferType: i32, start: u32, max: u32): ArrayBuffer | null {
  resetReturn();
  LAST_STATUS = imports.proxy_get_buffer_bytes(bufferType, start, max, RET_PTR, RET_SIZE);
  const buf = takeReturned();
  return LAST_STATUS == STATUS_OK ? buf : null;
}

/** getHeaderPairs returns the serialised pairs of a map (empty when unavailable). */
export function getHeaderPairs(mapType: i32): ArrayBuffer {
  resetReturn();
  LAST_STATUS = imports.proxy_get_header_map_pairs(mapType, RET_PTR, RET_SIZE);
  const buf = takeReturned();
  return LAST_STATUS == STATUS_OK ? buf : new ArrayBuffer(0);
}

/** getHeaderValueBytes returns the first value of `key` (UTF-8 bytes), or null (NotFound, unavailable). */
export function getHeaderValueBytes(mapType: i32, key: ArrayBuffer): ArrayBuffer | null {
  resetReturn();
  LAST_STATUS = imports.proxy_get_header_map_value(mapType, changetype<usize>(key), key.byteLength, RET_PTR, RET_SIZE);
  const buf = takeReturned();
  return LAST_STATUS == STATUS_OK ? buf : null;
}

/** replaceHeader sets `key` to `value` (replace semantics); returns the status. */
export function replaceHeader(mapType: i32, key: ArrayBuffer, value: ArrayBuffer): u32 {
  LAST_STATUS = imports.proxy_replace_header_map_value(mapType, changetype<usize>(key), key.byteLength, changetype<usize>(value), value.byteLength);
  return LAST_STATUS;
}

/** getProperty reads a property (path segments joined by NUL); null unless Ok. Ok with no data is an empty buffer. */
export function getProperty(path: ArrayBuffer): ArrayBuffer | null {
  resetReturn();
  LAST_STATUS = imports.proxy_get_property(changetype<usize>(path), path.byteLength, RET_PTR, RET_SIZE);
  const buf = takeReturned();
  return LAST_STATUS == STATUS_OK ? buf : null;
}

/** sendLocalResponse asks the host for a local reply (takes effect after the current callback). */
export function sendLocalResponse(status: u32, details: ArrayBuffer, body: ArrayBuffer, headerPairs: ArrayBuffer): u32 {
  LAST_STATUS = imports.proxy_send_local_response(status, changetype<usize>(details), details.byteLength,
    changetype<usize>(body), body.byteLength, changetype<usize>(headerPairs), headerPairs.byteLength, -1);
  return LAST_STATUS;
}

/** continueRequest resumes the paused request of the effective context. */
export function continueRequest(): u32 {
  LAST_STATUS = imports.proxy_continue_stream(STREAM_REQUEST);
  return LAST_STATUS;
}

/** setEffectiveContext redirects later host calls of this callback; BadArgument when the context is gone. */
export function setEffectiveContext(contextId: u32): u32 {
  LAST_STATUS = imports.proxy_set_effective_context(contextId);
  return LAST_STATUS;
}

/** setTickPeriod sets the root's timer period (0 disables it). */
export function setTickPeriod(ms: u32): u32 {
  LAST_STATUS = imports.proxy_set_tick_period_milliseconds(ms);
  return LAST_STATUS;
}

/** nowMillis is the host's wall clock in milliseconds (0 if the host fails). */
export function nowMillis(): u64 {
  store<u64>(RET_PTR, 0);
  LAST_STATUS = imports.proxy_get_current_time_nanoseconds(RET_PTR);
  return LAST_STATUS == STATUS_OK ? load<u64>(RET_PTR) / 1000000 : 0;
}

// ABI 0.2.1 only (the module exports proxy_abi_version_0_2_1); the SDK has no wrapper.
// @ts-ignore: decorator
@external("env", "proxy_get_log_level")
declare function proxy_get_log_level(retLevel: usize): u32;

/**
 * hostLogLevel is the host's current log level for this plugin (0 trace … 5 critical); lines
 * below it are dropped by the host, so the module skips building them. Trace (log everything)
 * when the host cannot tell.
 */
export function hostLogLevel(): i32 {
  store<u32>(RET_PTR, 0);
  LAST_STATUS = proxy_get_log_level(RET_PTR);
  return LAST_STATUS == STATUS_OK ? <i32>load<u32>(RET_PTR) : 0;
}

/** HTTP_CALL_TOKEN is the token of the latest successful httpCall. */
export let HTTP_CALL_TOKEN: u32 = 0;

/** httpCall dispatches an HTTP call from the current root; returns the status, token in HTTP_CALL_TOKEN. */
export function httpCall(cluster: ArrayBuffer, headerPairs: ArrayBuffer, timeoutMs: u32): u32 {
  store<u32>(RET_PTR, 0);
  LAST_STATUS = imports.proxy_http_call(changetype<usize>(cluster), cluster.byteLength,
    changetype<usize>(headerPairs), headerPairs.byteLength, 0, 0, 0, 0, timeoutMs, RET_PTR);
  HTTP_CALL_TOKEN = load<u32>(RET_PTR);
  return LAST_STATUS;
}
