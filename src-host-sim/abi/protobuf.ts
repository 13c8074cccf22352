// A minimal protobuf encoder for the messages the host hands to modules as properties:
// envoy.config.core.v3.Metadata and google.protobuf.Struct/Value/ListValue (field numbers in
// reference/proxy-wasm-host.md §4.7). Written for the simulator; only what these messages need.
//
// Two passes over the JSON value, one allocation: the first computes the size of every
// length-delimited field (recorded in visiting order), the second writes the bytes. Every field
// number used is below 16, so each tag is one byte.

import { utf8Length, writeUtf8 } from "./utf8.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

const tag = (field: number, wire: number): number => (field << 3) | wire;

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** A length-delimited field of `len` content bytes: tag + varint length + content. */
const lenField = (len: number): number => 1 + varintLength(len) + len;

/** Which fields of google.protobuf.Value a JSON value is written as. */
const enum Kind {
  Null,
  Number,
  String,
  Bool,
  List,
  Struct,
}

function kindOf(v: unknown): Kind {
  if (v === null) return Kind.Null;
  if (typeof v === "number") return Kind.Number;
  if (typeof v === "string") return Kind.String;
  if (typeof v === "boolean") return Kind.Bool;
  if (Array.isArray(v)) return Kind.List;
  // Anything else is encoded as a Struct of its own enumerable entries (Object.entries).
  return Kind.Struct;
}

/** Pass 1: sizes of the length-delimited contents, in the order pass 2 writes them. */
class Sizer {
  readonly sizes: number[] = [];

  /** value: the size of a google.protobuf.Value message. */
  value(v: unknown): number {
    switch (kindOf(v)) {
      case Kind.Null:
      case Kind.Bool:
        return 2;
      case Kind.Number:
        return 9;
      case Kind.String:
        return lenField(this.str(v as string));
      case Kind.List:
        return lenField(this.list(v as unknown[]));
      default:
        return lenField(this.struct(v as object));
    }
  }

  /** list: the size of a ListValue { repeated Value values = 1 }. */
  list(items: unknown[]): number {
    const slot = this.reserve();
    let size = 0;
    for (let i = 0; i < items.length; i++) size += lenField(this.value(items[i]));
    return (this.sizes[slot] = size);
  }

  /** struct: the size of a Struct { map<string, Value> fields = 1 }. */
  struct(fields: object): number {
    const slot = this.reserve();
    let size = 0;
    for (const key of Object.keys(fields)) size += lenField(this.entry(key, (fields as Record<string, unknown>)[key], false));
    return (this.sizes[slot] = size);
  }

  /** entry: a map entry { key = 1, value = 2 }; the value a Value (Struct) or a Struct (Metadata). */
  entry(key: string, value: unknown, structValue: boolean): number {
    const slot = this.reserve();
    const size = lenField(this.str(key)) + lenField(structValue ? this.struct(value as object) : this.value(value));
    return (this.sizes[slot] = size);
  }

  str(s: string): number {
    const n = utf8Length(s);
    this.sizes.push(n);
    return n;
  }

  private reserve(): number {
    this.sizes.push(0);
    return this.sizes.length - 1;
  }
}

/** Pass 2: writes into a buffer of the exact size, consuming the sizes of pass 1 in order. */
class Writer {
  private off = 0;
  private next = 0;
  private readonly view: DataView;

  constructor(
    readonly out: Uint8Array,
    private readonly sizes: number[],
  ) {
    this.view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  }

  value(v: unknown): void {
    switch (kindOf(v)) {
      case Kind.Null:
        this.byte(tag(1, WIRE_VARINT));
        this.byte(0);
        return;
      case Kind.Number:
        this.byte(tag(2, WIRE_FIXED64));
        this.view.setFloat64(this.off, v as number, true);
        this.off += 8;
        return;
      case Kind.String:
        this.str(3, v as string);
        return;
      case Kind.Bool:
        this.byte(tag(4, WIRE_VARINT));
        this.byte(v ? 1 : 0);
        return;
      case Kind.List:
        this.header(6, this.peek());
        this.list(v as unknown[]);
        return;
      default:
        this.header(5, this.peek());
        this.struct(v as object);
    }
  }

  list(items: unknown[]): void {
    this.next++;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      this.header(1, this.valueSize(item));
      this.value(item);
    }
  }

  struct(fields: object): void {
    this.next++;
    for (const key of Object.keys(fields)) this.entry(1, key, (fields as Record<string, unknown>)[key], false);
  }

  entry(field: number, key: string, value: unknown, structValue: boolean): void {
    this.header(field, this.sizes[this.next++]!);
    this.str(1, key);
    if (structValue) {
      this.header(2, this.peek());
      this.struct(value as object);
    } else {
      this.header(2, this.valueSize(value));
      this.value(value);
    }
  }

  /** valueSize: the size of the Value message about to be written (derived from the next slot). */
  private valueSize(v: unknown): number {
    switch (kindOf(v)) {
      case Kind.Null:
      case Kind.Bool:
        return 2;
      case Kind.Number:
        return 9;
      default:
        return lenField(this.peek());
    }
  }

  private peek(): number {
    return this.sizes[this.next]!;
  }

  private str(field: number, s: string): void {
    this.header(field, this.sizes[this.next++]!);
    this.off = writeUtf8(s, this.out, this.off);
  }

  private header(field: number, len: number): void {
    this.byte(tag(field, WIRE_LEN));
    while (len >= 0x80) {
      this.byte((len & 0x7f) | 0x80);
      len = Math.floor(len / 128);
    }
    this.byte(len);
  }

  private byte(b: number): void {
    this.out[this.off++] = b;
  }
}

/** encodeProtoValue: google.protobuf.Value (null=1, number=2, string=3, bool=4, struct=5, list=6). */
export function encodeProtoValue(value: JsonValue): Uint8Array {
  const s = new Sizer();
  const w = new Writer(new Uint8Array(s.value(value)), s.sizes);
  w.value(value);
  return w.out;
}

/** encodeProtoListValue: google.protobuf.ListValue { repeated Value values = 1 }. */
export function encodeProtoListValue(values: JsonValue[]): Uint8Array {
  const s = new Sizer();
  const w = new Writer(new Uint8Array(s.list(values)), s.sizes);
  w.list(values);
  return w.out;
}

/** encodeProtoStruct: google.protobuf.Struct { map<string, Value> fields = 1 } (entry key=1, value=2). */
export function encodeProtoStruct(fields: { [key: string]: JsonValue }): Uint8Array {
  const s = new Sizer();
  const w = new Writer(new Uint8Array(s.struct(fields)), s.sizes);
  w.struct(fields);
  return w.out;
}

/**
 * encodeMetadata: envoy.config.core.v3.Metadata { map<string, Struct> filter_metadata = 1 } built
 * from `{ <filter namespace>: { ...json object... } }`.
 */
export function encodeMetadata(filterMetadata: { [namespace: string]: { [key: string]: JsonValue } }): Uint8Array {
  const s = new Sizer();
  const namespaces = Object.keys(filterMetadata);
  let size = 0;
  for (const ns of namespaces) size += lenField(s.entry(ns, filterMetadata[ns], true));
  const w = new Writer(new Uint8Array(size), s.sizes);
  for (const ns of namespaces) w.entry(1, ns, filterMetadata[ns], true);
  return w.out;
}
