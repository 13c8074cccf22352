// A minimal protobuf encoder for the messages the host hands to modules as properties:
// envoy.config.core.v3.Metadata and google.protobuf.Struct/Value/ListValue (field numbers in
// docs/host-simulator.md). Written for the simulator; only what these messages need.
//
// The encoder writes back to front into one scratch buffer: a length-delimited field's content is
// written first, so its length is known when its prefix is written. One pass, no nested buffers;
// the result is copied out of the scratch buffer once. Every field number used is below 16, so
// each tag is one byte.

import { utf8Length, writeUtf8 } from "./utf8.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

const tag = (field: number, wire: number): number => (field << 3) | wire;

class ReverseWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  /** the first written byte; the output is buf[pos, buf.length) */
  private pos = this.buf.length;

  /** start: begin a new message (the scratch buffer is reused, never shared with a result). */
  start(): void {
    this.pos = this.buf.length;
  }

  /** written: bytes written so far (a position that survives growing the buffer). */
  written(): number {
    return this.buf.length - this.pos;
  }

  /** finish: a copy of the message. */
  finish(): Uint8Array {
    return this.buf.slice(this.pos);
  }

  byte(b: number): void {
    if (this.pos < 1) this.grow(1);
    this.buf[--this.pos] = b;
  }

  /** lenPrefix: the tag and length of a length-delimited field whose content starts at `mark`. */
  lenPrefix(field: number, mark: number): void {
    let len = this.written() - mark;
    let n = 1;
    for (let v = len; v >= 0x80; v = Math.floor(v / 128)) n++;
    if (this.pos < n + 1) this.grow(n + 1);
    this.pos -= n;
    let at = this.pos;
    while (len >= 0x80) {
      this.buf[at++] = (len & 0x7f) | 0x80;
      len = Math.floor(len / 128);
    }
    this.buf[at] = len;
    this.buf[--this.pos] = tag(field, WIRE_LEN);
  }

  /** string: a length-delimited UTF-8 string field. */
  string(field: number, s: string): void {
    const mark = this.written();
    const n = utf8Length(s);
    if (this.pos < n) this.grow(n);
    this.pos -= n;
    writeUtf8(s, this.buf, this.pos);
    this.lenPrefix(field, mark);
  }

  double(field: number, v: number): void {
    if (this.pos < 9) this.grow(9);
    this.pos -= 8;
    this.view.setFloat64(this.pos, v, true);
    this.buf[--this.pos] = tag(field, WIRE_FIXED64);
  }

  /** varint1: a varint field whose value is 0 or 1 (bool, NullValue). */
  varint1(field: number, v: 0 | 1): void {
    this.byte(v);
    this.byte(tag(field, WIRE_VARINT));
  }

  private grow(need: number): void {
    const used = this.written();
    let size = this.buf.length * 2;
    while (size - used < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.pos), size - used);
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.pos = size - used;
  }
}

const W = new ReverseWriter();

/** Value fields: null=1, number=2, string=3, bool=4, struct=5, list=6. */
function writeValue(v: unknown): void {
  if (v === null) W.varint1(1, 0);
  else if (typeof v === "number") W.double(2, v);
  else if (typeof v === "string") W.string(3, v);
  else if (typeof v === "boolean") W.varint1(4, v ? 1 : 0);
  else if (Array.isArray(v)) {
    const mark = W.written();
    writeList(v);
    W.lenPrefix(6, mark);
  } else {
    // Anything else is encoded as a Struct of its own enumerable entries (Object.keys).
    const mark = W.written();
    writeStruct(v as object);
    W.lenPrefix(5, mark);
  }
}

/** ListValue { repeated Value values = 1 }, last item first. */
function writeList(items: unknown[]): void {
  for (let i = items.length - 1; i >= 0; i--) {
    const mark = W.written();
    writeValue(items[i]);
    W.lenPrefix(1, mark);
  }
}

/** Struct { map<string, Value> fields = 1 } (entry key=1, value=2), last entry first. */
function writeStruct(fields: object): void {
  const keys = Object.keys(fields);
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    const entry = W.written();
    const value = W.written();
    writeValue((fields as Record<string, unknown>)[key]);
    W.lenPrefix(2, value);
    W.string(1, key);
    W.lenPrefix(1, entry);
  }
}

/** encodeProtoValue: google.protobuf.Value (null=1, number=2, string=3, bool=4, struct=5, list=6). */
export function encodeProtoValue(value: JsonValue): Uint8Array {
  W.start();
  writeValue(value);
  return W.finish();
}

/** encodeProtoListValue: google.protobuf.ListValue { repeated Value values = 1 }. */
export function encodeProtoListValue(values: JsonValue[]): Uint8Array {
  W.start();
  writeList(values);
  return W.finish();
}

/** encodeProtoStruct: google.protobuf.Struct { map<string, Value> fields = 1 } (entry key=1, value=2). */
export function encodeProtoStruct(fields: { [key: string]: JsonValue }): Uint8Array {
  W.start();
  writeStruct(fields);
  return W.finish();
}

/**
 * encodeMetadata: envoy.config.core.v3.Metadata { map<string, Struct> filter_metadata = 1 } built
 * from `{ <filter namespace>: { ...json object... } }`.
 */
export function encodeMetadata(filterMetadata: { [namespace: string]: { [key: string]: JsonValue } }): Uint8Array {
  W.start();
  const namespaces = Object.keys(filterMetadata);
  for (let i = namespaces.length - 1; i >= 0; i--) {
    const ns = namespaces[i]!;
    const entry = W.written();
    const value = W.written();
    writeStruct(filterMetadata[ns] as object);
    W.lenPrefix(2, value);
    W.string(1, ns);
    W.lenPrefix(1, entry);
  }
  return W.finish();
}
