// Entry module: the Proxy-Wasm ABI surface. The SDK provides the allocator (`malloc`, which the
// host uses to return data) and the abort path (runtime.ts's abort_proc_exit); the callbacks are
// our own, over our own context registry, so that any root id (including "") is served, an unknown
// context id is a no-op rather than an abort, and the SDK's per-call debug logging stays off the
// request path. No logic here: see runtime/ and pipeline/.
export { malloc, free } from "@solo-io/proxy-runtime/assembly/malloc";
import "@solo-io/proxy-runtime/assembly/runtime";
import { roots, streams, findRoot, findStream } from "./runtime/registry";
import { AuthRoot } from "./runtime/root";

const CONTINUE: u32 = 0;

/**
 * ABI 0.2.1 (docs/behaviour.md allows 0.2.0 or 0.2.1): identical to the SDK's 0.2.0 for HTTP
 * filters, plus proxy_get_log_level, which lets the request path skip building debug lines the host
 * would drop (Envoy's default wasm log level is info).
 */
export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_context_create(context_id: u32, parent_id: u32): void {
  if (parent_id == 0) {
    if (!roots.has(context_id)) roots.set(context_id, new AuthRoot(context_id));
    return;
  }
  const root = findRoot(parent_id);
  if (root === null || streams.has(context_id)) return;
  streams.set(context_id, root.newStream(context_id));
}

export function proxy_on_vm_start(root_context_id: u32, vm_configuration_size: u32): u32 {
  // The VM configuration is ignored (docs/behaviour.md).
  return 1;
}

export function proxy_validate_configuration(root_context_id: u32, configuration_size: u32): u32 {
  const root = findRoot(root_context_id);
  return root !== null && root.validate(configuration_size) ? 1 : 0;
}

export function proxy_on_configure(root_context_id: u32, configuration_size: u32): u32 {
  const root = findRoot(root_context_id);
  return root !== null && root.configure(configuration_size) ? 1 : 0;
}

export function proxy_on_tick(root_context_id: u32): void {
  const root = findRoot(root_context_id);
  if (root !== null) root.tick();
}

export function proxy_on_queue_ready(root_context_id: u32, token: u32): void {}

export function proxy_on_request_headers(context_id: u32, headers: u32, end_of_stream: u32): u32 {
  const stream = findStream(context_id);
  return stream !== null ? stream.onRequestHeaders() : CONTINUE;
}

export function proxy_on_request_body(context_id: u32, body_size: u32, end_of_stream: u32): u32 {
  return CONTINUE;
}

export function proxy_on_request_trailers(context_id: u32, trailers: u32): u32 {
  return CONTINUE;
}

export function proxy_on_request_metadata(context_id: u32, elements: u32): u32 {
  return CONTINUE;
}

export function proxy_on_response_headers(context_id: u32, headers: u32, end_of_stream: u32): u32 {
  const stream = findStream(context_id);
  return stream !== null ? stream.onResponseHeaders() : CONTINUE;
}

export function proxy_on_response_body(context_id: u32, body_size: u32, end_of_stream: u32): u32 {
  return CONTINUE;
}

export function proxy_on_response_trailers(context_id: u32, trailers: u32): u32 {
  return CONTINUE;
}

export function proxy_on_response_metadata(context_id: u32, elements: u32): u32 {
  return CONTINUE;
}

export function proxy_on_http_call_response(context_id: u32, token: u32, headers: u32, body_size: u32, trailers: u32): void {
  const root = findRoot(context_id);
  if (root !== null) root.onHttpCallResponse(token, headers, body_size);
}

export function proxy_on_done(context_id: u32): u32 {
  return 1;
}

export function proxy_on_log(context_id: u32): void {}

export function proxy_on_delete(context_id: u32): void {
  const stream = findStream(context_id);
  if (stream !== null) {
    stream.onDelete();
    streams.delete(context_id);
    return;
  }
  if (roots.has(context_id)) roots.delete(context_id);
}
