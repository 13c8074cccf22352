// Public API of the Proxy-Wasm host simulator. Import from "src-host-sim/index.js".
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
} from "./host/simulator.js";
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
export { HeaderMap, type HeaderInput } from "./host/headers.js";
export { VirtualClock, DEFAULT_EPOCH_MS } from "./host/clock.js";
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
