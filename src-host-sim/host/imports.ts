// The host functions a module imports (docs/host-simulator.md), linked per ABI version as
// cpp-host does: 0.1.0 gets get_configuration/continue_request/continue_response/clear_route_cache,
// 0.2.x gets continue_stream/close_stream, 0.2.1 adds get_log_level. WASI is provided under both
// `wasi_unstable` and `wasi_snapshot_preview1`. `env.abort` is NOT provided (Envoy does not).

import { BufferType, LogLevel, MapType, StreamType, WasiErrno, WasmResult, type AbiVersion } from "../abi/enums.js";
import { splitPropertyPath } from "../abi/property-path.js";
import type { FuncSig, ValType } from "../abi/wasm-binary.js";
import { CLOSE_STREAM_DETAILS, HTTP_CALL_TOKEN_STEP, INITIALIZE_ALLOWED, localReplyGrpcStatus, MALLOC_ALLOWED, sanitizeDetails } from "./envoy.js";
import type { HeaderMap, HeaderValue } from "./headers.js";
import { HttpCall } from "./http-calls.js";
import { resolveProperty } from "./properties.js";
import type { ProxyWasmSimulator } from "./simulator.js";
import { SimulatorStrictError } from "./strict.js";
import { streamInfo, type HttpStream } from "./stream.js";

/** HostCallFatal: a host call Envoy cannot serve at this point (start section, restricted callback). */
export class HostCallFatal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostCallFatal";
  }
}

export interface HostFunction {
  sig: FuncSig;
  impl: (...args: any[]) => number | void;
}
export type ImportTable = Record<string, Record<string, HostFunction>>;

/** Parses "iiI:i" (i = i32, I = i64) into a signature. */
function sig(spec: string): FuncSig {
  const [p = "", r = ""] = spec.split(":");
  const map = (c: string): ValType => (c === "I" ? "i64" : "i32");
  return { params: [...p].map(map), results: [...r].map(map) };
}

/** The callbacks' signatures cpp-host checks at load time. */
export function EXPECTED_EXPORTS(abi: AbiVersion): Record<string, FuncSig> {
  const headers = abi === "0.1.0" ? sig("ii:i") : sig("iii:i");
  return {
    malloc: sig("i:i"),
    proxy_on_memory_allocate: sig("i:i"),
    _initialize: sig(":"),
    _start: sig(":"),
    proxy_on_context_create: sig("ii:"),
    proxy_on_vm_start: sig("ii:i"),
    proxy_validate_configuration: sig("ii:i"),
    proxy_on_configure: sig("ii:i"),
    proxy_on_tick: sig("i:"),
    proxy_on_queue_ready: sig("ii:"),
    proxy_on_request_headers: headers,
    proxy_on_response_headers: headers,
    proxy_on_request_body: sig("iii:i"),
    proxy_on_response_body: sig("iii:i"),
    proxy_on_request_trailers: sig("ii:i"),
    proxy_on_response_trailers: sig("ii:i"),
    proxy_on_request_metadata: sig("ii:i"),
    proxy_on_response_metadata: sig("ii:i"),
    proxy_on_http_call_response: sig("iiiii:"),
    proxy_on_done: sig("i:i"),
    proxy_on_log: sig("i:"),
    proxy_on_delete: sig("i:"),
  };
}

const UTF8_DECODER = new TextDecoder();
const EMPTY_BODY = new Uint8Array(0);

export function buildImports(sim: ProxyWasmSimulator): ImportTable {
  const mem = sim.memory;
  const abi = sim.abiVersion;

  const cur = (): number => sim.currentContextId();
  const curStream = (): HttpStream | undefined => sim.streamFor(cur());

  /**
   * Wraps an implementation with the phase checks and the trace. The wrapper takes the import's
   * parameters as fixed arguments (at most 12, proxy_grpc_call's count) rather than a rest array:
   * this runs on every host call, and the trace's argument list is only built when tracing.
   */
  const wrap = (module: string, name: string, spec: string, impl: (...args: any[]) => number | void): HostFunction => {
    const restrictedMalloc = !MALLOC_ALLOWED.has(name);
    const restrictedInit = !INITIALIZE_ALLOWED.has(name);
    const signature = sig(spec);
    const arity = signature.params.length;
    if (arity > 12) throw new Error(`host function ${module}.${name}: more than 12 parameters`);
    const fn = (a0?: any, a1?: any, a2?: any, a3?: any, a4?: any, a5?: any, a6?: any, a7?: any, a8?: any, a9?: any, a10?: any, a11?: any): number | void => {
      if (sim.phase !== "running") {
        if (sim.phase === "instantiate") {
          // Envoy: top-level code runs in link(), before any context exists ( fact 5).
          throw new HostCallFatal(`host call ${module}.${name} during module instantiation (start section): top-level code must make no host calls`);
        }
        if ((sim.phase === "malloc" && restrictedMalloc) || (sim.phase === "initialize" && restrictedInit)) {
          throw new HostCallFatal(`restricted_callback: ${module}.${name} called from ${sim.phase}`);
        }
      }
      sim.watchdog?.recordHostCall(name);
      const ev = sim.trace.enabled
        ? sim.trace.record({ kind: "host-call", name, contextId: cur(), args: [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11].slice(0, arity) as Array<number | bigint>, depth: Math.max(0, sim.frames.length - 1) })
        : undefined;
      let result: number | void;
      try {
        result = impl(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
      } catch (e) {
        // A guest trap inside a nested malloc or a HostCallFatal passes through; anything else is a
        // bug in the host (or a test's foreign function) and is reported as such.
        if (!(e instanceof HostCallFatal) && !(e instanceof WebAssembly.RuntimeError)) {
          sim.hostLog(`host function ${module}.${name} threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        }
        throw e;
      }
      if (ev && result !== undefined) ev.result = result;
      return result;
    };
    return { sig: signature, impl: fn };
  };

  const readOr = (ptr: number, size: number): Uint8Array | null => mem.read(ptr, size);

  // ---- maps ----------------------------------------------------------------------------------

  /** resolveMap: the map behind a type for the current context (null = unavailable). */
  const resolveMap = (type: number, write: boolean): HeaderMap | null => {
    if (type === MapType.HttpCallResponseHeaders || type === MapType.HttpCallResponseTrailers) {
      // Readable only during the root's on_http_call_response, from any effective context.
      const r = sim.root.httpCallResponse;
      if (!r || write) return null;
      // An answer without trailers has a null trailer map in Envoy.
      return type === MapType.HttpCallResponseHeaders ? r.headers : r.trailers;
    }
    if (type > MapType.HttpResponseTrailers) return null;
    const s = curStream();
    return s ? s.getMap(type, write) : null;
  };
  const inAccessLog = (): boolean => curStream()?.accessLogPhase ?? false;

  const readKeyValue = (kp: number, ks: number, vp?: number, vs?: number): { key: string; value: HeaderValue } | null => {
    const k = mem.readString(kp, ks);
    if (k === null) return null;
    if (vp === undefined) return { key: k.toLowerCase(), value: "" };
    const v = mem.readHeaderValue(vp, vs!);
    if (v === null) return null;
    return { key: k.toLowerCase(), value: v };
  };

  // ---- buffers -------------------------------------------------------------------------------

  const resolveBuffer = (type: number): Uint8Array | null => {
    switch (type) {
      case BufferType.VmConfiguration:
        return sim.vmConfiguration;
      case BufferType.PluginConfiguration:
        return sim.root.configuring ? sim.pluginConfiguration : null;
      case BufferType.HttpCallResponseBody:
        return sim.root.httpCallResponse ? sim.root.httpCallResponse.body : null;
      case BufferType.HttpRequestBody:
      case BufferType.HttpResponseBody:
        // Envoy's Context::getBuffer always answers a body buffer, empty when there is no body
        // now (outside body callbacks, on a root context): reads are Ok with size 0.
        return curStream()?.getBuffer(type) ?? EMPTY_BODY;
      case BufferType.CallData:
        return sim.callData;
      default:
        return null;
    }
  };

  // ---- env -----------------------------------------------------------------------------------

  const env: Record<string, HostFunction> = {};
  const def = (name: string, spec: string, impl: (...args: any[]) => number | void): void => {
    env[name] = wrap("env", name, spec, impl);
  };

  def("proxy_log", "iii:i", (level: number, ptr: number, size: number) => {
    if (level >>> 0 > LogLevel.Critical) return WasmResult.BadArgument;
    if (level < sim.logLevel) {
      // Dropped below Envoy's logger level: still validate the range, skip the decoding.
      return mem.inBounds(ptr >>> 0, size >>> 0) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    }
    if (!sim.logWanted(level)) {
      // Kept nowhere (no sim.logs, onLog or echo): the checks readString would make, no decoding.
      return size >>> 0 === 0 || mem.inBounds(ptr >>> 0, size >>> 0) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    }
    const msg = mem.readString(ptr, size);
    if (msg === null) return WasmResult.InvalidMemoryAccess;
    sim.recordLog(level as LogLevel, msg, cur());
    return WasmResult.Ok;
  });

  def("proxy_get_current_time_nanoseconds", "i:i", (ptr: number) =>
    mem.writeU64(ptr, sim.clock.readRealtimeNs()) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess,
  );

  def("proxy_set_tick_period_milliseconds", "i:i", (ms: number) => {
    // Sets the timer of cur's root context (the only root); 0 stops it.
    sim.setTickPeriod(ms >>> 0);
    return WasmResult.Ok;
  });

  def("proxy_set_effective_context", "i:i", (id: number) => {
    const frame = sim.currentFrame();
    // Envoy registers a stream's context when the filter is created, before on_context_create
    // runs (lazily, at its first callback): such an id is accepted too.
    if (!frame || !sim.contextExists(id >>> 0)) return WasmResult.BadArgument;
    frame.effective = id >>> 0;
    return WasmResult.Ok;
  });

  def("proxy_done", ":i", () => {
    // cpp-host's WasmBase::done looks the plugin up from any of its contexts, a stream's included.
    if (!sim.root.pendingDone) return WasmResult.NotFound;
    sim.afterVm.push(() => sim.deleteRoot());
    return WasmResult.Ok;
  });

  def("proxy_get_status", "iii:i", (codePtr: number, msgPtrPtr: number, msgSizePtr: number) => {
    // The status of cur's ROOT context (set after a failed http call).
    if (!mem.writeU32(codePtr, sim.root.status.code)) return WasmResult.InvalidMemoryAccess;
    return mem.returnString(msgPtrPtr, msgSizePtr, sim.root.status.message);
  });

  def("proxy_call_foreign_function", "iiiiii:i", (np: number, ns: number, ap: number, as: number, rpp: number, rsp: number) => {
    const name = mem.readString(np, ns);
    const args = readOr(ap, as);
    if (name === null || args === null) return WasmResult.InvalidMemoryAccess;
    const f = sim.foreignFunctions.get(name);
    if (!f) return WasmResult.NotFound;
    const r = f(args);
    if (typeof r === "number") return r;
    return mem.returnBytes(rpp, rsp, r);
  });

  def("proxy_get_buffer_bytes", "iiiii:i", (type: number, start: number, max: number, pp: number, sp: number) => {
    type >>>= 0;
    if (type > BufferType.CallData) return WasmResult.BadArgument;
    const buf = resolveBuffer(type);
    if (!buf) return WasmResult.NotFound;
    // Clamped range; an empty result is Ok with ptr=0,size=0.
    const s = Math.min(start >>> 0, buf.length);
    const e = Math.min(s + (max >>> 0), buf.length);
    return mem.returnBytes(pp, sp, buf.subarray(s, e));
  });

  def("proxy_set_buffer_bytes", "iiiii:i", (type: number, start: number, size: number, dp: number, ds: number) => {
    type >>>= 0;
    if (type > BufferType.CallData) return WasmResult.BadArgument;
    const data = readOr(dp, ds);
    if (data === null) return WasmResult.InvalidMemoryAccess;
    if (type !== BufferType.HttpRequestBody && type !== BufferType.HttpResponseBody) {
      return resolveBuffer(type) ? WasmResult.BadArgument : WasmResult.NotFound;
    }
    const s = curStream();
    const buf = s?.getBuffer(type) ?? null;
    // No body behind the buffer: Envoy's Buffer::copyFrom refuses the write.
    if (!s || !buf) return WasmResult.BadArgument;
    start >>>= 0;
    size >>>= 0;
    let next: Uint8Array;
    if (start === 0) {
      // Envoy copyFrom: drain `size` bytes, then prepend.
      const rest = buf.subarray(Math.min(size, buf.length));
      next = new Uint8Array(data.length + rest.length);
      next.set(data, 0);
      next.set(rest, data.length);
    } else if (start >= buf.length) {
      next = new Uint8Array(buf.length + data.length);
      next.set(buf, 0);
      next.set(data, buf.length);
    } else {
      return WasmResult.BadArgument;
    }
    s.setBuffer(type, next);
    return WasmResult.Ok;
  });

  def("proxy_get_buffer_status", "iii:i", (type: number, lenPtr: number, flagsPtr: number) => {
    type >>>= 0;
    if (type > BufferType.CallData) return WasmResult.BadArgument;
    const buf = resolveBuffer(type);
    if (!buf) return WasmResult.NotFound;
    if (!mem.writeU32(lenPtr, buf.length) || !mem.writeU32(flagsPtr, 0)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  });

  def("proxy_get_header_map_pairs", "iii:i", (type: number, pp: number, sp: number) => {
    type >>>= 0;
    if (type > MapType.HttpCallResponseTrailers) return WasmResult.BadArgument;
    const map = resolveMap(type, false);
    // Unavailable map: Ok with an empty result.
    return mem.returnPairs(pp, sp, map ? map.view() : []);
  });

  def("proxy_set_header_map_pairs", "iii:i", (type: number, ptr: number, size: number) => {
    type >>>= 0;
    if (type > MapType.HttpCallResponseTrailers) return WasmResult.BadArgument;
    const pairs = mem.readPairs(ptr, size);
    if (pairs === null) return WasmResult.InvalidMemoryAccess;
    const map = resolveMap(type, true);
    if (!map) return WasmResult.BadArgument;
    map.setPairs(pairs);
    return WasmResult.Ok;
  });

  def("proxy_get_header_map_value", "iiiii:i", (type: number, kp: number, ks: number, pp: number, sp: number) => {
    type >>>= 0;
    if (type > MapType.HttpCallResponseTrailers) return WasmResult.BadArgument;
    const kv = readKeyValue(kp, ks);
    if (!kv) return WasmResult.InvalidMemoryAccess;
    const map = resolveMap(type, false);
    if (!map) return inAccessLog() ? WasmResult.NotFound : WasmResult.BadArgument;
    const v = map.getRaw(kv.key);
    if (v === undefined) {
      // ABI 0.1.0 answered a missing key with Ok and an empty value; 0.2.x with NotFound.
      if (abi === "0.1.0") return mem.returnBytes(pp, sp, new Uint8Array(0));
      return WasmResult.NotFound;
    }
    // A raw-byte value (e.g. invalid UTF-8 sent by a client) reaches the guest byte-for-byte.
    return typeof v === "string" ? mem.returnString(pp, sp, v) : mem.returnBytes(pp, sp, v);
  });

  const mapWrite = (op: (map: HeaderMap, key: string, value: HeaderValue) => void, withValue: boolean) =>
    (type: number, kp: number, ks: number, vp?: number, vs?: number): number => {
      type >>>= 0;
      if (type > MapType.HttpCallResponseTrailers) return WasmResult.BadArgument;
      const kv = withValue ? readKeyValue(kp, ks, vp, vs) : readKeyValue(kp, ks);
      if (!kv) return WasmResult.InvalidMemoryAccess;
      const map = resolveMap(type, true);
      if (!map) return WasmResult.BadArgument;
      op(map, kv.key, kv.value);
      return WasmResult.Ok;
    };
  def("proxy_add_header_map_value", "iiiii:i", mapWrite((m, k, v) => m.add(k, v), true));
  def("proxy_replace_header_map_value", "iiiii:i", mapWrite((m, k, v) => m.replace(k, v), true));
  def("proxy_remove_header_map_value", "iii:i", mapWrite((m, k) => m.remove(k), false));

  def("proxy_get_header_map_size", "ii:i", (type: number, sizePtr: number) => {
    type >>>= 0;
    // Envoy's getMap (the mutable lookup this uses) has no case for the call-response maps.
    if (type >= MapType.HttpCallResponseHeaders) return WasmResult.BadArgument;
    const map = resolveMap(type, true);
    if (!map) return WasmResult.BadArgument;
    return mem.writeU32(sizePtr, map.byteSize) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  });

  def("proxy_send_local_response", "iiiiiiii:i", (code: number, dp: number, ds: number, bp: number, bs: number, hp: number, hs: number, grpc: number) => {
    const details = mem.readString(dp, ds);
    const body = readOr(bp, bs);
    const additional = mem.readPairs(hp, hs);
    if (details === null || body === null || additional === null) return WasmResult.InvalidMemoryAccess;
    const s = curStream();
    if (!s) return WasmResult.Ok; // on a root context without an effective context: Ok, no-op
    const first = s.pendingLocalReply === null;
    s.queueLocalReply({
      status: code >>> 0,
      details: sanitizeDetails(details),
      body,
      additional,
      grpcStatus: localReplyGrpcStatus(grpc),
    });
    if (sim.strict.warnOnDoubleLocalResponse && s.localReplyRequests.length > 1) {
      sim.strictWarning(`proxy_send_local_response called ${s.localReplyRequests.length} times on stream ${s.contextId} (status ${code >>> 0}); only the first is sent`);
    }
    // The current callback's result is forced to "stop"; the reply runs after the VM call.
    sim.stopNextIteration = true;
    if (first) sim.afterVm.push(() => s.executeLocalReply());
    return WasmResult.Ok;
  });

  const continueStream = (type: number): number => {
    type >>>= 0;
    if (type > StreamType.Upstream) return WasmResult.BadArgument;
    if (type === StreamType.Upstream) return WasmResult.Unimplemented;
    if (type === StreamType.Downstream) return WasmResult.Ok;
    const s = curStream();
    if (!s) return WasmResult.Ok; // a context without HTTP callbacks: Ok, no-op
    s.clearRequestMapsForContinue();
    const dir = type === StreamType.HttpRequest ? "request" : "response";
    sim.afterVm.push(() => s.resume(dir));
    return WasmResult.Ok;
  };

  const closeStream = (type: number): number => {
    type >>>= 0;
    if (type > StreamType.Upstream) return WasmResult.BadArgument;
    const s = curStream();
    // Downstream/Upstream on an HTTP context: nothing to close, Ok.
    if (!s || type > StreamType.HttpResponse) return WasmResult.Ok;
    s.markCloseDetails(CLOSE_STREAM_DETAILS);
    sim.afterVm.push(() => s.reset());
    return WasmResult.Ok;
  };

  if (abi === "0.1.0") {
    def("proxy_get_configuration", "ii:i", (pp: number, sp: number) => mem.returnBytes(pp, sp, sim.pluginConfiguration));
    def("proxy_continue_request", ":i", () => continueStream(StreamType.HttpRequest));
    def("proxy_continue_response", ":i", () => continueStream(StreamType.HttpResponse));
    def("proxy_clear_route_cache", ":i", () => WasmResult.Ok);
  } else {
    def("proxy_continue_stream", "i:i", continueStream);
    def("proxy_close_stream", "i:i", closeStream);
    if (abi === "0.2.1") {
      def("proxy_get_log_level", "i:i", (ptr: number) => (mem.writeU32(ptr, sim.logLevel) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess));
    }
  }

  def("proxy_http_call", "iiiiiiiiii:i", (up: number, us: number, hp: number, hs: number, bp: number, bs: number, tp: number, ts: number, timeout: number, tokenPtr: number) => {
    if (!mem.writeU32(tokenPtr, 0)) return WasmResult.InvalidMemoryAccess;
    const cluster = mem.readString(up, us);
    const headers = mem.readPairs(hp, hs);
    const body = readOr(bp, bs);
    const trailers = mem.readPairs(tp, ts);
    if (cluster === null || headers === null || body === null || trailers === null) return WasmResult.InvalidMemoryAccess;
    // Checks in Envoy's order.
    if ((timeout | 0) < 0) return WasmResult.BadArgument;
    if (sim.clusters && !Object.prototype.hasOwnProperty.call(sim.clusters, cluster)) {
      if (sim.strict.failOnUnexpectedHttpCall) {
        sim.strictViolation(new SimulatorStrictError("unexpected-http-call", `proxy_http_call to unknown cluster "${cluster}" (clusters: ${Object.keys(sim.clusters).join(", ")})`, { cluster, contextId: cur() }));
      }
      return WasmResult.BadArgument;
    }
    let hasPath = false;
    let hasMethod = false;
    let hasAuthority = false;
    let contentLength = -1;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      const k = (h[0] = h[0].toLowerCase());
      if (k === ":path") hasPath = true;
      else if (k === ":method") hasMethod = true;
      else if (k === ":authority") hasAuthority = true;
      else if (k === "content-length" && contentLength < 0) contentLength = i;
    }
    if (!hasPath || !hasMethod || !hasAuthority) return WasmResult.BadArgument;
    // The AsyncClient could not start the request (it failed inline): no token, no callback.
    if (sim.clusters?.[cluster] === "undispatchable") return WasmResult.InternalFailure;
    if (body.length > 0) {
      // Context::httpCall sets content-length to the body's size, over any the module sent.
      const value = String(body.length);
      if (contentLength < 0) headers.push(["content-length", value]);
      else {
        headers[contentLength] = ["content-length", value];
        for (let i = headers.length - 1; i > contentLength; i--) if (headers[i]![0] === "content-length") headers.splice(i, 1);
      }
    }
    sim.nextHttpCallToken += HTTP_CALL_TOKEN_STEP;
    const token = sim.nextHttpCallToken >>> 0;
    const call = new HttpCall(token, cluster, headers, body, trailers, timeout >>> 0, cur(), sim.rootContextId, sim.delivery);
    call.dispatchedMs = sim.clock.nowMs();
    mem.writeU32(tokenPtr, token);
    sim.registerHttpCall(call);
    return WasmResult.Ok;
  });

  // gRPC: no gRPC cluster is ever configured in the simulator (unknown cluster → ParseFailure).
  def("proxy_grpc_call", "iiiiiiiiiiii:i", () => WasmResult.ParseFailure);
  def("proxy_grpc_stream", "iiiiiiiii:i", () => WasmResult.ParseFailure);
  def("proxy_grpc_send", "iiii:i", () => WasmResult.NotFound);
  def("proxy_grpc_cancel", "i:i", () => WasmResult.NotFound);
  def("proxy_grpc_close", "i:i", () => WasmResult.NotFound);

  def("proxy_get_property", "iiii:i", (pp: number, ps: number, rpp: number, rsp: number) => {
    const path = mem.readString(pp, ps);
    if (path === null) return WasmResult.InvalidMemoryAccess;
    const s = curStream();
    const r = resolveProperty(
      { pluginName: sim.pluginName, rootId: sim.rootId, vmId: sim.vmId, overrides: sim.globalProperties, stream: s ? streamInfo(s) : null },
      splitPropertyPath(path),
    );
    if (r.status !== WasmResult.Ok) return r.status;
    return mem.returnBytes(rpp, rsp, r.bytes);
  });

  def("proxy_set_property", "iiii:i", (pp: number, ps: number, vp: number, vs: number) => {
    const path = readOr(pp, ps);
    const value = readOr(vp, vs);
    if (path === null || value === null) return WasmResult.InvalidMemoryAccess;
    const s = curStream();
    if (!s) return WasmResult.NotFound; // no stream info (root context)
    // Context::setProperty stores "wasm." + the path exactly as sent (NUL separators included).
    s.filterState.set(`wasm.${UTF8_DECODER.decode(path)}`, value);
    return WasmResult.Ok;
  });

  def("proxy_get_shared_data", "iiiii:i", (kp: number, ks: number, vpp: number, vsp: number, casPtr: number) => {
    const key = mem.readString(kp, ks);
    if (key === null) return WasmResult.InvalidMemoryAccess;
    const e = sim.sharedData.get(sim.vmId, key);
    if (!e) return WasmResult.NotFound;
    const st = mem.returnBytes(vpp, vsp, e.value);
    if (st !== WasmResult.Ok) return st;
    return mem.writeU32(casPtr, e.cas) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  });

  def("proxy_set_shared_data", "iiiii:i", (kp: number, ks: number, vp: number, vs: number, cas: number) => {
    const key = mem.readString(kp, ks);
    const value = readOr(vp, vs);
    if (key === null || value === null) return WasmResult.InvalidMemoryAccess;
    return sim.sharedData.set(sim.vmId, key, value, cas >>> 0);
  });

  const queueOwner = {
    // on_queue_ready is posted to the registrant's root, always asynchronously.
    notify: (token: number) =>
      sim.post(() => {
        if (!sim.vmFailed() && sim.root.alive) sim.callGuest("proxy_on_queue_ready", [sim.rootContextId, token], sim.rootContextId);
      }),
  };

  def("proxy_register_shared_queue", "iii:i", (np: number, ns: number, tokenPtr: number) => {
    const name = mem.readString(np, ns);
    if (name === null) return WasmResult.InvalidMemoryAccess;
    const token = sim.sharedData.registerQueue(sim.vmId, name, queueOwner);
    return mem.writeU32(tokenPtr, token) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  });

  def("proxy_resolve_shared_queue", "iiiii:i", (vp: number, vs: number, np: number, ns: number, tokenPtr: number) => {
    const vmId = mem.readString(vp, vs);
    const name = mem.readString(np, ns);
    if (vmId === null || name === null) return WasmResult.InvalidMemoryAccess;
    const token = sim.sharedData.resolveQueue(vmId === "" ? sim.vmId : vmId, name);
    if (token === undefined) return WasmResult.NotFound;
    return mem.writeU32(tokenPtr, token) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  });

  def("proxy_enqueue_shared_queue", "iii:i", (token: number, vp: number, vs: number) => {
    const value = readOr(vp, vs);
    if (value === null) return WasmResult.InvalidMemoryAccess;
    return sim.sharedData.enqueue(token >>> 0, value);
  });

  def("proxy_dequeue_shared_queue", "iii:i", (token: number, pp: number, sp: number) => {
    const r = sim.sharedData.dequeue(token >>> 0);
    if (r.status !== WasmResult.Ok) return r.status;
    return mem.returnBytes(pp, sp, r.value!);
  });

  def("proxy_define_metric", "iiii:i", (type: number, np: number, ns: number, idPtr: number) => {
    const name = mem.readString(np, ns);
    if (name === null) return WasmResult.InvalidMemoryAccess;
    const r = sim.metricIds.define(type >>> 0, name);
    if (r.status !== WasmResult.Ok) return r.status;
    return mem.writeU32(idPtr, r.id) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  });
  def("proxy_increment_metric", "iI:i", (id: number, offset: bigint) => sim.metricIds.increment(id >>> 0, BigInt(offset)));
  def("proxy_record_metric", "iI:i", (id: number, value: bigint) => sim.metricIds.record(id >>> 0, BigInt(value)));
  def("proxy_get_metric", "ii:i", (id: number, ptr: number) => {
    const r = sim.metricIds.get(id >>> 0);
    if (r.status !== WasmResult.Ok) return r.status;
    return mem.writeU64(ptr, r.value) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  });

  // Other imports cpp-host/Envoy provide.
  def("pthread_equal", "ii:i", (a: number, b: number) => (a === b ? 1 : 0));
  def("emscripten_notify_memory_growth", "i:", () => undefined);
  def("envoy_resolve_dns", "iii:i", () => WasmResult.Unimplemented);

  return { env, wasi_snapshot_preview1: wasiImports(sim, "wasi_snapshot_preview1", wrap), wasi_unstable: wasiImports(sim, "wasi_unstable", wrap) };
}

type Wrap = (module: string, name: string, spec: string, impl: (...args: any[]) => number | void) => HostFunction;

/** WASI preview1 subset, as cpp-host provides it. */
function wasiImports(sim: ProxyWasmSimulator, module: string, wrap: Wrap): Record<string, HostFunction> {
  const mem = sim.memory;
  const out: Record<string, HostFunction> = {};
  const def = (name: string, spec: string, impl: (...args: any[]) => number | void): void => {
    out[name] = wrap(module, name, spec, impl);
  };
  let seed = 0x2545f491;
  const nextRandom = (): number => {
    // xorshift32: deterministic per simulator, so runs are reproducible.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed & 0xff;
  };

  def("fd_write", "iiii:i", (fd: number, iovs: number, n: number, nwrittenPtr: number) => {
    if (fd !== 1 && fd !== 2) return WasiErrno.Badf;
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < n >>> 0; i++) {
      const iov = mem.read(iovs + i * 8, 8);
      if (!iov) return WasiErrno.Fault;
      const dv = new DataView(iov.buffer);
      const data = mem.read(dv.getUint32(0, true), dv.getUint32(4, true));
      if (!data) return WasiErrno.Fault;
      chunks.push(data);
      total += data.length;
    }
    const text = chunks.map((c) => UTF8_DECODER.decode(c)).join("").replace(/\n$/, "");
    // fd 1 logs at info, fd 2 at error.
    sim.recordLog(fd === 1 ? LogLevel.Info : LogLevel.Error, text, sim.currentContextId());
    return mem.writeU32(nwrittenPtr, total) ? WasiErrno.Success : WasiErrno.Fault;
  });
  def("fd_read", "iiii:i", () => WasiErrno.Nosys);
  def("fd_seek", "iIii:i", () => WasiErrno.Notsup);
  def("fd_close", "i:i", () => WasiErrno.Notsup);
  def("fd_fdstat_get", "ii:i", (fd: number, ptr: number) => {
    if (fd !== 1 && fd !== 2) return WasiErrno.Badf;
    const stat = new Uint8Array(24);
    stat[0] = 2; // character device
    return mem.writeBytes(ptr, stat) ? WasiErrno.Success : WasiErrno.Fault;
  });
  def("fd_fdstat_set_flags", "ii:i", () => WasiErrno.Notsup);
  def("fd_prestat_get", "ii:i", () => WasiErrno.Badf);
  def("fd_prestat_dir_name", "iii:i", () => WasiErrno.Nosys);
  def("path_open", "iiiiiIIii:i", () => WasiErrno.Noent);
  def("args_get", "ii:i", () => WasiErrno.Success);
  def("args_sizes_get", "ii:i", (argc: number, size: number) => (mem.writeU32(argc, 0) && mem.writeU32(size, 0) ? WasiErrno.Success : WasiErrno.Fault));
  def("environ_get", "ii:i", () => WasiErrno.Success);
  def("environ_sizes_get", "ii:i", (n: number, size: number) => (mem.writeU32(n, 0) && mem.writeU32(size, 0) ? WasiErrno.Success : WasiErrno.Fault));
  def("clock_time_get", "iIi:i", (id: number, _precision: bigint, ptr: number) => {
    // Both clocks come from the virtual clock: realtime (0) and monotonic/cputime (1..3); each
    // read moves them by a small step (clock.ts).
    if (id >>> 0 > 3) return WasiErrno.Inval;
    const ns = id === 0 ? sim.clock.readRealtimeNs() : sim.clock.readMonotonicNs();
    return mem.writeU64(ptr, ns) ? WasiErrno.Success : WasiErrno.Fault;
  });
  def("clock_res_get", "ii:i", (id: number, ptr: number) => {
    if (id >>> 0 > 3) return WasiErrno.Inval;
    return mem.writeU64(ptr, 1n) ? WasiErrno.Success : WasiErrno.Fault;
  });
  def("random_get", "ii:i", (ptr: number, len: number) => {
    len >>>= 0;
    if (len > 65536) return WasiErrno.Inval;
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i++) bytes[i] = nextRandom();
    return mem.writeBytes(ptr, bytes) ? WasiErrno.Success : WasiErrno.Fault;
  });
  def("sched_yield", ":i", () => WasiErrno.Success);
  // No event polling: zero events, success (Go's runtime needs the success).
  def("poll_oneoff", "iiii:i", (_in: number, _out: number, _n: number, neventsPtr: number) => (mem.writeU32(neventsPtr, 0) ? WasiErrno.Success : WasiErrno.Fault));
  // The rest of WASI preview1 as cpp-host answers it (no file system, no sockets): Go and Rust
  // runtimes import several of these and fail to link without them.
  const stdio = (fd: number): boolean => fd === 1 || fd === 2;
  const okOnStdio = (fd: number): number => (stdio(fd) ? WasiErrno.Success : WasiErrno.Badf);
  def("fd_filestat_get", "ii:i", () => WasiErrno.Badf);
  def("path_filestat_get", "iiiii:i", () => WasiErrno.Notsup);
  def("fd_advise", "iIIi:i", () => WasiErrno.Success);
  def("fd_allocate", "iII:i", okOnStdio);
  def("fd_datasync", "i:i", okOnStdio);
  def("fd_fdstat_set_rights", "iII:i", okOnStdio);
  def("fd_filestat_set_size", "iI:i", okOnStdio);
  def("fd_filestat_set_times", "iIIi:i", okOnStdio);
  def("fd_sync", "i:i", okOnStdio);
  def("fd_pread", "iiiIi:i", () => WasiErrno.Nosys);
  def("fd_pwrite", "iiiIi:i", (fd: number, iovs: number, n: number, _offset: bigint, nwrittenPtr: number) =>
    stdio(fd) ? (out["fd_write"]!.impl(fd, iovs, n, nwrittenPtr) as number) : WasiErrno.Badf,
  );
  def("fd_readdir", "iiiIi:i", (_fd: number, _buf: number, _len: number, _cookie: bigint, usedPtr: number) => (mem.writeU32(usedPtr, 0) ? WasiErrno.Notdir : WasiErrno.Fault));
  def("fd_renumber", "ii:i", (fd: number, to: number) => (stdio(fd) && stdio(to) ? WasiErrno.Notsup : WasiErrno.Badf));
  def("fd_tell", "ii:i", (fd: number, ptr: number) => (!stdio(fd) ? WasiErrno.Badf : mem.writeU64(ptr, 0n) ? WasiErrno.Success : WasiErrno.Fault));
  def("path_create_directory", "iii:i", () => WasiErrno.Notsup);
  def("path_filestat_set_times", "iiiiIIi:i", () => WasiErrno.Notsup);
  def("path_link", "iiiiiii:i", () => WasiErrno.Notsup);
  def("path_readlink", "iiiiii:i", (_fd: number, _p: number, _pl: number, _b: number, _bl: number, usedPtr: number) => (mem.writeU32(usedPtr, 0) ? WasiErrno.Notsup : WasiErrno.Fault));
  def("path_remove_directory", "iii:i", () => WasiErrno.Notsup);
  def("path_rename", "iiiiii:i", () => WasiErrno.Notsup);
  def("path_symlink", "iiiii:i", () => WasiErrno.Notsup);
  def("path_unlink_file", "iii:i", () => WasiErrno.Notsup);
  def("sock_accept", "iii:i", (_fd: number, _flags: number, fdPtr: number) => (mem.writeU32(fdPtr, 0) ? WasiErrno.Notsup : WasiErrno.Fault));
  def("sock_recv", "iiiiii:i", (_fd: number, _d: number, _dl: number, _f: number, lenPtr: number, flagsPtr: number) =>
    mem.writeU32(lenPtr, 0) && mem.writeBytes(flagsPtr, new Uint8Array(2)) ? WasiErrno.Notsup : WasiErrno.Fault,
  );
  def("sock_send", "iiiii:i", (_fd: number, _d: number, _dl: number, _f: number, lenPtr: number) => (mem.writeU32(lenPtr, 0) ? WasiErrno.Notsup : WasiErrno.Fault));
  def("sock_shutdown", "ii:i", () => WasiErrno.Notsup);
  def("proc_exit", "i:", (code: number) => {
    // Envoy records an error and returns; the guest's following `unreachable` traps.
    sim.procExits.push({ code: code >>> 0, contextId: sim.currentContextId() });
    sim.hostLog(`${module}.proc_exit(${code >>> 0})`);
  });
  return out;
}

