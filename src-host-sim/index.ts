// Public API of the Proxy-Wasm host simulator. Import from "src-host-sim/index.js".
//
// The simulator loads any Proxy-Wasm module (ABI 0.1.0, 0.2.0, 0.2.1) into Node's WebAssembly and
// drives it the way Envoy does (docs/host-simulator.md; the behaviour index is at the top of
// host/envoy.ts). Typical use:
//
//   const sim = await ProxyWasmSimulator.create("build/threescale_wasm_auth.wasm", {
//     rootId: "threescale-wasm-auth",             // "" as in Istio (default "")
//     pluginConfiguration: { api: "v1", ... },    // string/bytes as is, objects as JSON
//     clusters: { backend: async (req) => ({ status: 200, headers: {...}, body: "" }) },
//   });                                           // no clusters option: every call stays pending
//   sim.start();                                  // → { ok, failState?, trapped? }
//   const s = sim.newHttpStream({ metadata: { "envoy.filters.http.jwt_authn": {...} } });
//   s.sendRequestHeaders([[":method", "GET"], [":path", "/?user_key=k"], [":authority", "a"]]);
//   sim.httpCalls.pending()[0].respond({ status: 200 });   // or await sim.idle() with handlers
//   await s.whenRequestDecided();                 // "continued" | "local-reply" | "reset" | "failed" | "stalled"
//   s.localResponse; s.forwardedUpstream; s.sentDownstream; s.complete();
//
// Defaults: request headers end the stream unless { endOfStream: false }; response headers do not
// unless { endOfStream: true }. The log level is trace (every line kept); Envoy's real default is
// info. A long-running host (gateway) should pass trace: false, keepLogs: false (+ onLog) and
// httpCallHistory: false so nothing accumulates per request.
export {
  ProxyWasmSimulator,
  SimulatorLoadError,
  configBytes,
  type SimulatorOptions,
  type StreamOptions,
  type ConfigInput,
  type LogRecord,
  type LogLevelName,
  type VmState,
  type StartResult,
  type ProcExitRecord,
  type ForeignFunction,
  type ExchangeSpec,
  type ExchangeResult,
  type CanaryReport,
} from "./host/simulator.js";
export { SimulatorStrictError, type StrictOptions, type StrictViolationKind } from "./host/strict.js";
export {
  HttpStream,
  type StreamStatus,
  type RequestDecision,
  type PhaseResult,
  type CompletionResult,
  type LocalResponse,
  type ForwardedMessage,
  type BodyInput,
} from "./host/stream.js";
export {
  HttpCall,
  HttpCallRegistry,
  type HttpCallRequest,
  type HttpCallResponseInit,
  type HttpCallState,
  type ClusterBehavior,
  type ClusterHandler,
  type CallbackResult,
  type TrapInfo,
} from "./host/http-calls.js";
export { HeaderMap, type HeaderInput, type HeaderValue, type RawHeaderPair, headerValueText } from "./host/headers.js";
export { VirtualClock, DEFAULT_EPOCH_MS, DEFAULT_READ_STEP_NS } from "./host/clock.js";
export { GuestWatchdogError, DEFAULT_WATCHDOG_LIMIT_MS, type WatchdogOptions } from "./host/watchdog.js";
export { instrumentForWatchdog } from "./abi/wasm-instrument.js";
export { SharedDataStore } from "./host/shared-data.js";
export { MetricsStore, type MetricStat } from "./host/metrics.js";
export { HostTrace, type TraceEvent, type TraceKind } from "./host/trace.js";
export {
  resolveProperty,
  serializePropertyValue,
  metadataValue,
  toPropertyValue,
  type PropertyValue,
  type PropertyInput,
} from "./host/properties.js";
export * as envoy from "./host/envoy.js";
export * from "./abi/enums.js";
export {
  serializeHeaderPairs,
  deserializeHeaderPairs,
  deserializeHeaderPairsBytes,
  type HeaderPair,
} from "./abi/pairs.js";
export { encodePropertyPath, decodePropertyPath } from "./abi/property-path.js";
export { encodeMetadata, encodeProtoStruct, encodeProtoValue, encodeProtoListValue, type JsonValue } from "./abi/protobuf.js";
export { readModuleSignatures } from "./abi/wasm-binary.js";
