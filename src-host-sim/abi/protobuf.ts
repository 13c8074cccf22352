// A minimal protobuf encoder for the messages the host hands to modules as properties:
// envoy.config.core.v3.Metadata and google.protobuf.Struct/Value/ListValue (field numbers in
// reference/proxy-wasm-host.md §4.7). Written for the simulator; only what these messages need.

const UTF8_ENCODER = new TextEncoder();

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

class ProtoWriter {
  private chunks: number[] = [];

  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.chunks.push(byte);
    } while (v !== 0n);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(data.length);
    for (const b of data) this.chunks.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, UTF8_ENCODER.encode(s));
  }

  double(field: number, v: number): void {
    this.tag(field, WIRE_FIXED64);
    const tmp = new DataView(new ArrayBuffer(8));
    tmp.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.chunks.push(tmp.getUint8(i));
  }

  bool(field: number, v: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v ? 1 : 0);
  }

  enumValue(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

/** encodeProtoValue: google.protobuf.Value (null=1, number=2, string=3, bool=4, struct=5, list=6). */
export function encodeProtoValue(value: JsonValue): Uint8Array {
  const w = new ProtoWriter();
  if (value === null) w.enumValue(1, 0);
  else if (typeof value === "number") w.double(2, value);
  else if (typeof value === "string") w.string(3, value);
  else if (typeof value === "boolean") w.bool(4, value);
  else if (Array.isArray(value)) w.bytes(6, encodeProtoListValue(value));
  else w.bytes(5, encodeProtoStruct(value));
  return w.finish();
}

/** encodeProtoListValue: google.protobuf.ListValue { repeated Value values = 1 }. */
export function encodeProtoListValue(values: JsonValue[]): Uint8Array {
  const w = new ProtoWriter();
  for (const v of values) w.bytes(1, encodeProtoValue(v));
  return w.finish();
}

/** encodeProtoStruct: google.protobuf.Struct { map<string, Value> fields = 1 } (entry key=1, value=2). */
export function encodeProtoStruct(fields: { [key: string]: JsonValue }): Uint8Array {
  const w = new ProtoWriter();
  for (const [key, value] of Object.entries(fields)) {
    const entry = new ProtoWriter();
    entry.string(1, key);
    entry.bytes(2, encodeProtoValue(value));
    w.bytes(1, entry.finish());
  }
  return w.finish();
}

/**
 * encodeMetadata: envoy.config.core.v3.Metadata { map<string, Struct> filter_metadata = 1 } built
 * from `{ <filter namespace>: { ...json object... } }`.
 */
export function encodeMetadata(filterMetadata: { [namespace: string]: { [key: string]: JsonValue } }): Uint8Array {
  const w = new ProtoWriter();
  for (const [ns, struct] of Object.entries(filterMetadata)) {
    const entry = new ProtoWriter();
    entry.string(1, ns);
    entry.bytes(2, encodeProtoStruct(struct));
    w.bytes(1, entry.finish());
  }
  return w.finish();
}
