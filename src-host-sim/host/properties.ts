// Properties (docs/host-simulator.md): Envoy's CEL-style lookup and its value
// serialization. A path is a list of segments; the first one selects a top-level attribute
// (request, response, connection, source, destination, upstream, metadata, filter_state, xds),
// then the wasm tokens (plugin_name, plugin_root_id, plugin_vm_id, connection_id), then the
// filter-state entries written by proxy_set_property; later segments index into the value.

import { WasmResult } from "../abi/enums.js";
import { serializeHeaderPairs } from "../abi/pairs.js";
import { encodeMetadata, type JsonValue } from "../abi/protobuf.js";
import type { HeaderMap } from "./headers.js";

const UTF8_ENCODER = new TextEncoder();

/** A typed property value, serialized the way Envoy's serializeValue does. */
export type PropertyValue =
  | { kind: "string"; value: string }
  | { kind: "bytes"; value: Uint8Array }
  | { kind: "int64"; value: bigint }
  | { kind: "uint64"; value: bigint }
  | { kind: "double"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "duration"; ns: bigint }
  | { kind: "timestamp"; ns: bigint }
  | { kind: "null" }
  | { kind: "map"; entries: Map<string, PropertyValue> }
  | { kind: "list"; items: PropertyValue[] }
  /** a protobuf message: serialized whole as its binary encoding, fields reachable by name */
  | { kind: "message"; bytes: Uint8Array; field: (name: string) => PropertyValue | undefined }
  /** a CEL wrapper such as `request`: fields reachable, the whole is not serializable */
  | { kind: "wrapper"; field: (name: string) => PropertyValue | undefined };

/** What tests may pass as a property override (plain values are strings/bools/numbers as double). */
export type PropertyInput =
  | string
  | boolean
  | number
  | Uint8Array
  | { int64: number | bigint }
  | { uint64: number | bigint }
  | { double: number }
  | { durationNs: number | bigint }
  | { timestampNs: number | bigint }
  | { map: Record<string, PropertyInput> }
  | { list: PropertyInput[] }
  | { protoBytes: Uint8Array }
  | PropertyValue;

export const str = (value: string): PropertyValue => ({ kind: "string", value });
export const int64 = (value: number | bigint): PropertyValue => ({ kind: "int64", value: BigInt(value) });
export const uint64 = (value: number | bigint): PropertyValue => ({ kind: "uint64", value: BigInt(value) });
export const bool = (value: boolean): PropertyValue => ({ kind: "bool", value });

/** toPropertyValue converts test input into a typed value. */
export function toPropertyValue(input: PropertyInput): PropertyValue {
  if (typeof input === "string") return str(input);
  if (typeof input === "boolean") return bool(input);
  if (typeof input === "number") return { kind: "double", value: input };
  if (input instanceof Uint8Array) return { kind: "bytes", value: input };
  if ("kind" in input) return input as PropertyValue;
  if ("int64" in input) return int64(input.int64);
  if ("uint64" in input) return uint64(input.uint64);
  if ("double" in input) return { kind: "double", value: input.double };
  if ("durationNs" in input) return { kind: "duration", ns: BigInt(input.durationNs) };
  if ("timestampNs" in input) return { kind: "timestamp", ns: BigInt(input.timestampNs) };
  if ("map" in input) return { kind: "map", entries: new Map(Object.entries(input.map).map(([k, v]) => [k, toPropertyValue(v)])) };
  if ("list" in input) return { kind: "list", items: input.list.map(toPropertyValue) };
  if ("protoBytes" in input) return { kind: "message", bytes: input.protoBytes, field: () => undefined };
  throw new Error(`unsupported property input: ${JSON.stringify(input)}`);
}

/** jsonToPropertyValue: how CEL sees an unwrapped google.protobuf.Value/Struct/ListValue. */
export function jsonToPropertyValue(v: JsonValue): PropertyValue {
  if (v === null) return { kind: "null" };
  if (typeof v === "string") return str(v);
  if (typeof v === "number") return { kind: "double", value: v };
  if (typeof v === "boolean") return bool(v);
  if (Array.isArray(v)) return { kind: "list", items: v.map(jsonToPropertyValue) };
  return { kind: "map", entries: new Map(Object.entries(v).map(([k, x]) => [k, jsonToPropertyValue(x)])) };
}

type FilterMetadata = { [ns: string]: { [key: string]: JsonValue } };

/**
 * Metadata as a message value: its binary encoding is made on first use (most streams never read
 * their metadata) and kept, since a stream's metadata does not change. A class, so a stream's
 * value costs one small object rather than an object literal with a getter and closures.
 */
class MetadataMessage {
  readonly kind = "message" as const;
  private encoded: Uint8Array | null = null;

  constructor(private readonly filterMetadata: FilterMetadata) {}

  get bytes(): Uint8Array {
    return (this.encoded ??= encodeMetadata(this.filterMetadata));
  }

  field(name: string): PropertyValue | undefined {
    if (name === "filter_metadata") {
      return { kind: "map", entries: new Map(Object.entries(this.filterMetadata).map(([ns, s]) => [ns, jsonToPropertyValue(s)])) };
    }
    if (name === "typed_filter_metadata") return { kind: "map", entries: new Map() };
    return undefined;
  }
}

/** metadataValue: envoy.config.core.v3.Metadata as a message whose filter_metadata is a map. */
export function metadataValue(filterMetadata: FilterMetadata): PropertyValue {
  return new MetadataMessage(filterMetadata);
}

function u64le(v: bigint, signed: boolean): Uint8Array {
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  if (signed) dv.setBigInt64(0, BigInt.asIntN(64, v), true);
  else dv.setBigUint64(0, BigInt.asUintN(64, v), true);
  return out;
}

/** serializePropertyValue: Envoy's value serialization; null for SerializationFailure. */
export function serializePropertyValue(v: PropertyValue): Uint8Array | null {
  switch (v.kind) {
    case "string":
      return UTF8_ENCODER.encode(v.value);
    case "bytes":
      return v.value;
    case "int64":
      return u64le(v.value, true);
    case "uint64":
      return u64le(v.value, false);
    case "double": {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, v.value, true);
      return out;
    }
    case "bool":
      return Uint8Array.of(v.value ? 1 : 0);
    case "duration":
    case "timestamp":
      return u64le(v.ns, true);
    case "null":
      // Envoy's serializeValue has no case for a null (e.g. a JSON null claim): default branch.
      return null;
    case "message":
      return v.bytes;
    case "wrapper":
      return null;
    case "map": {
      // Maps and lists go through cpp-host's pairs marshalling: an empty one is its 4-byte count.
      if (v.entries.size === 0) return new Uint8Array(4);
      const pairs: Array<[Uint8Array, Uint8Array]> = [];
      for (const [k, x] of v.entries) {
        const sv = serializePropertyValue(x);
        if (sv === null) return null;
        pairs.push([UTF8_ENCODER.encode(k), sv]);
      }
      return serializeHeaderPairs(pairs);
    }
    case "list": {
      if (v.items.length === 0) return new Uint8Array(4);
      const pairs: Array<[Uint8Array, Uint8Array]> = [];
      for (const x of v.items) {
        const sv = serializePropertyValue(x);
        if (sv === null) return null;
        pairs.push([sv, new Uint8Array(0)]);
      }
      return serializeHeaderPairs(pairs);
    }
  }
}

/** index follows one path segment into a value (maps by key, messages by field, lists by index). */
export function indexProperty(v: PropertyValue, segment: string): PropertyValue | undefined {
  switch (v.kind) {
    case "map":
      return v.entries.get(segment);
    case "list": {
      if (!/^\d+$/.test(segment)) return undefined;
      return v.items[Number(segment)];
    }
    case "message":
    case "wrapper":
      return v.field(segment);
    default:
      return undefined;
  }
}

/** What a stream exposes to property lookup; null on root contexts (no stream info). */
export interface StreamInfoSource {
  /**
   * The header maps property lookup sees, as Envoy's Context::findValue picks them: the map the
   * filter currently holds (null once the filter let that phase continue), or during on_log the
   * access log's maps (null outside the access log).
   */
  requestHeaders(): HeaderMap | null;
  responseHeaders(): HeaderMap | null;
  responseTrailers(): HeaderMap | null;
  /** the response status as stream info records it (once response headers exist; not gated) */
  responseCode(): number | undefined;
  requestBodySize(): number;
  responseBodySize(): number;
  startTimeNs(): bigint;
  /** null until the request is complete (StreamInfo::requestComplete) */
  durationNs(): bigint | null;
  connectionId: number;
  protocol: string;
  source: { address: string; port: number };
  destination: { address: string; port: number };
  responseCodeDetails(): string | undefined;
  metadata: PropertyValue;
  overrides: Map<string, PropertyValue>;
  filterState: Map<string, Uint8Array>;
}

export interface PropertyEnvironment {
  pluginName: string;
  rootId: string;
  vmId: string;
  overrides: Map<string, PropertyValue>;
  stream: StreamInfoSource | null;
}

function headersMap(h: HeaderMap | null): PropertyValue | undefined {
  if (!h) return undefined;
  const entries = new Map<string, PropertyValue>();
  for (const [k, v] of h.pairs()) {
    const prev = entries.get(k);
    // Envoy's header map view joins repeated values with a comma.
    entries.set(k, prev && prev.kind === "string" ? str(`${prev.value},${v}`) : str(v));
  }
  return { kind: "map", entries };
}

function fields(table: Record<string, () => PropertyValue | undefined>): PropertyValue {
  return { kind: "wrapper", field: (name) => (Object.prototype.hasOwnProperty.call(table, name) ? table[name]!() : undefined) };
}

function optStr(v: string | undefined): PropertyValue | undefined {
  return v === undefined ? undefined : str(v);
}

function requestAttributes(s: StreamInfoSource): PropertyValue {
  const h = () => s.requestHeaders();
  const path = () => h()?.get(":path");
  return fields({
    path: () => optStr(path()),
    url_path: () => optStr(path()?.split("?")[0]),
    host: () => optStr(h()?.get(":authority")),
    scheme: () => optStr(h()?.get(":scheme")),
    method: () => optStr(h()?.get(":method")),
    headers: () => headersMap(h()),
    referer: () => optStr(h()?.get("referer")),
    useragent: () => optStr(h()?.get("user-agent")),
    id: () => optStr(h()?.get("x-request-id")),
    query: () => {
      const p = path();
      if (p === undefined) return undefined;
      const i = p.indexOf("?");
      return str(i < 0 ? "" : p.slice(i + 1));
    },
    protocol: () => str(s.protocol),
    time: () => ({ kind: "timestamp", ns: s.startTimeNs() }),
    duration: () => {
      const ns = s.durationNs();
      return ns === null ? undefined : { kind: "duration", ns };
    },
    size: () => int64(s.requestBodySize()),
    total_size: () => int64(s.requestBodySize() + (h()?.byteSize ?? 0)),
    headers_bytes: () => int64(h()?.byteSize ?? 0),
  });
}

function responseAttributes(s: StreamInfoSource): PropertyValue {
  const h = () => s.responseHeaders();
  return fields({
    code: () => {
      const c = s.responseCode();
      return c === undefined ? undefined : int64(c);
    },
    code_details: () => optStr(s.responseCodeDetails()),
    flags: () => uint64(0),
    grpc_status: () => {
      const g = s.responseTrailers()?.get("grpc-status") ?? h()?.get("grpc-status");
      return g === undefined ? undefined : int64(Number(g));
    },
    headers: () => headersMap(h()),
    trailers: () => headersMap(s.responseTrailers()),
    size: () => int64(s.responseBodySize()),
    total_size: () => int64(s.responseBodySize() + (h()?.byteSize ?? 0)),
  });
}

function addressAttributes(a: { address: string; port: number }): PropertyValue {
  return fields({ address: () => str(`${a.address}:${a.port}`), port: () => int64(a.port) });
}

function topLevel(env: PropertyEnvironment, name: string): PropertyValue | undefined {
  const s = env.stream;
  // Wasm-specific tokens are answered on every context ( step 2).
  if (name === "plugin_name") return str(env.pluginName);
  if (name === "plugin_root_id") return str(env.rootId);
  if (name === "plugin_vm_id") return str(env.vmId);
  if (!s) return undefined; // root contexts have no stream info
  switch (name) {
    case "request":
      return requestAttributes(s);
    case "response":
      return responseAttributes(s);
    case "source":
      return addressAttributes(s.source);
    case "destination":
      return addressAttributes(s.destination);
    case "connection":
      return fields({
        id: () => uint64(s.connectionId),
        mtls: () => bool(false),
        requested_server_name: () => str(""),
      });
    case "connection_id":
      return uint64(s.connectionId);
    case "metadata":
      return s.metadata;
    case "filter_state":
      return { kind: "map", entries: new Map([...s.filterState].map(([k, v]) => [k, { kind: "bytes", value: v } as PropertyValue])) };
    default:
      return undefined;
  }
}

function lookupOverride(overrides: Map<string, PropertyValue>, segments: string[]): PropertyValue | undefined | null {
  if (overrides.size === 0) return undefined;
  for (let n = segments.length; n >= 1; n--) {
    const v = overrides.get(segments.slice(0, n).join("\0"));
    if (v === undefined) continue;
    let cur: PropertyValue | undefined = v;
    for (const seg of segments.slice(n)) {
      cur = cur && indexProperty(cur, seg);
    }
    return cur ?? null;
  }
  return undefined;
}

/** resolveProperty looks a path up and serializes the value (Ok, NotFound, SerializationFailure). */
export function resolveProperty(env: PropertyEnvironment, segments: string[]): { status: WasmResult; bytes: Uint8Array } {
  let value: PropertyValue | undefined | null = undefined;
  if (env.stream) value = lookupOverride(env.stream.overrides, segments);
  if (value === undefined) value = lookupOverride(env.overrides, segments);
  if (value === undefined) {
    let cur = topLevel(env, segments[0] ?? "");
    if (cur === undefined && env.stream) {
      // proxy_set_property's filter-state entry: Context::findValue looks up "wasm." + the first
      // segment only (a value is bytes: no deeper segment can be read from it).
      const found = env.stream.filterState.get(`wasm.${segments[0]}`);
      if (found !== undefined) return segments.length === 1 ? { status: WasmResult.Ok, bytes: found } : { status: WasmResult.NotFound, bytes: new Uint8Array(0) };
    }
    for (let i = 1; i < segments.length; i++) cur = cur && indexProperty(cur, segments[i]!);
    value = cur;
  }
  if (!value) return { status: WasmResult.NotFound, bytes: new Uint8Array(0) };
  const bytes = serializePropertyValue(value);
  if (bytes === null) return { status: WasmResult.SerializationFailure, bytes: new Uint8Array(0) };
  return { status: WasmResult.Ok, bytes };
}

/** overridesFrom converts `{ "a.b": input }` or `{ "a\0b": input }` into a segment-keyed table. */
export function overridesFrom(input: Record<string, PropertyInput> | undefined): Map<string, PropertyValue> {
  const m = new Map<string, PropertyValue>();
  if (!input) return m;
  for (const [k, v] of Object.entries(input)) {
    const segs = k.includes("\0") ? k.replace(/\0$/, "").split("\0") : k.split(".");
    m.set(segs.join("\0"), toPropertyValue(v));
  }
  return m;
}
