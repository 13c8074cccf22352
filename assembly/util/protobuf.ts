// Non-aborting decoders for the protobuf messages the module reads: google.protobuf.Struct (the
// `protobuf` op) and envoy.config.core.v3.Metadata (the `metadata` property, for `filter`
// sources). Decoded Structs become JsonValue trees so structuredLookup works on both.
// Field numbers: proxy-wasm-host.md §4.7. Unknown fields are skipped; malformed input, invalid
// UTF-8 strings and nesting deeper than PROTOBUF_MAX_DEPTH give null, never a trap.
import { JsonKind, JsonValue } from "../config/json";
import { decodeUtf8Strict } from "./utf8";

/** Nesting limit for Struct/ListValue trees (the same 64 levels as JSON, G1). */
export const PROTOBUF_MAX_DEPTH: i32 = 64;

const WIRE_VARINT: u32 = 0;
const WIRE_I64: u32 = 1;
const WIRE_LEN: u32 = 2;
const WIRE_I32: u32 = 5;

/** Reader is a cursor over [pos, end) with a sticky error flag. */
class Reader {
  constructor(public pos: usize, public end: usize) {}
  bad: bool = false;

  get done(): bool {
    return this.bad || this.pos >= this.end;
  }

  varint(): u64 {
    let result: u64 = 0;
    let shift: u64 = 0;
    while (true) {
      if (this.pos >= this.end || shift > 63) { this.bad = true; return 0; }
      const b = <u64>load<u8>(this.pos);
      this.pos++;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
      shift += 7;
    }
    return 0;
  }

  /** lengthDelimited returns the start of a LEN payload and moves past it; `this.lastLen` is its size. */
  lastLen: usize = 0;
  lengthDelimited(): usize {
    const len = this.varint();
    if (this.bad) return 0;
    if (len > <u64>(this.end - this.pos)) { this.bad = true; return 0; }
    const start = this.pos;
    this.lastLen = <usize>len;
    this.pos += <usize>len;
    return start;
  }

  f64(): f64 {
    if (this.end - this.pos < 8) { this.bad = true; return 0; }
    const v = load<f64>(this.pos);
    this.pos += 8;
    return v;
  }

  /** skip moves past a field of the given wire type (groups are rejected). */
  skip(wire: u32): void {
    if (wire == WIRE_VARINT) this.varint();
    else if (wire == WIRE_I64) { if (this.end - this.pos < 8) this.bad = true; else this.pos += 8; }
    else if (wire == WIRE_LEN) this.lengthDelimited();
    else if (wire == WIRE_I32) { if (this.end - this.pos < 4) this.bad = true; else this.pos += 4; }
    else this.bad = true;
  }
}

/** decodeStruct decodes a serialised google.protobuf.Struct; null when malformed. */
export function decodeStruct(bytes: ArrayBuffer): JsonValue | null {
  const start = changetype<usize>(bytes);
  return structAt(start, start + <usize>bytes.byteLength, 0);
}

/** decodeMetadataNamespace returns filter_metadata[namespace] of a serialised Metadata as a tree, or null. */
export function decodeMetadataNamespace(bytes: ArrayBuffer, namespace: string): JsonValue | null {
  const base = changetype<usize>(bytes);
  const r = new Reader(base, base + <usize>bytes.byteLength);
  // Map semantics: the last entry with the key wins. Remember where it is; decode it at the end.
  let found = false;
  let foundStart: usize = 0;
  let foundLen: usize = 0;
  while (!r.done) {
    const tag = r.varint();
    if (r.bad) break;
    const field = tag >> 3;
    const wire = <u32>(tag & 7);
    if (field == 1 && wire == WIRE_LEN) {
      const entry = r.lengthDelimited();
      if (r.bad) break;
      const e = new Reader(entry, entry + r.lastLen);
      let key: string | null = "";
      let valueStart: usize = 0;
      let valueLen: usize = 0;
      while (!e.done) {
        const t = e.varint();
        if (e.bad) break;
        const f = t >> 3;
        const w = <u32>(t & 7);
        if (f == 1 && w == WIRE_LEN) {
          const p = e.lengthDelimited();
          if (e.bad) break;
          key = decodeUtf8Strict(p, e.lastLen);
        } else if (f == 2 && w == WIRE_LEN) {
          valueStart = e.lengthDelimited();
          valueLen = e.lastLen;
        } else {
          e.skip(w);
        }
      }
      if (e.bad || key === null) return null;
      if (key == namespace) {
        found = true;
        foundStart = valueStart;
        foundLen = valueLen;
      }
    } else {
      r.skip(wire); // typed_filter_metadata (2) and unknown fields
    }
  }
  if (r.bad || !found) return null;
  // An entry without a value is an empty Struct.
  if (foundLen == 0) return structAt(0, 0, 0);
  return structAt(foundStart, foundStart + foundLen, 0);
}

/** structAt decodes a Struct in [start, end). */
function structAt(start: usize, end: usize, depth: i32): JsonValue | null {
  if (depth >= PROTOBUF_MAX_DEPTH) return null;
  const obj = new JsonValue();
  obj.kind = JsonKind.Object;
  const r = new Reader(start, end);
  let index: Map<string, i32> | null = null;
  while (!r.done) {
    const tag = r.varint();
    if (r.bad) return null;
    const field = tag >> 3;
    const wire = <u32>(tag & 7);
    if (field != 1 || wire != WIRE_LEN) {
      r.skip(wire);
      continue;
    }
    const entry = r.lengthDelimited();
    if (r.bad) return null;
    const e = new Reader(entry, entry + r.lastLen);
    let key: string | null = "";
    let value: JsonValue | null = null;
    while (!e.done) {
      const t = e.varint();
      if (e.bad) return null;
      const f = t >> 3;
      const w = <u32>(t & 7);
      if (f == 1 && w == WIRE_LEN) {
        const p = e.lengthDelimited();
        if (e.bad) return null;
        key = decodeUtf8Strict(p, e.lastLen);
        if (key === null) return null;
      } else if (f == 2 && w == WIRE_LEN) {
        const p = e.lengthDelimited();
        if (e.bad) return null;
        value = valueAt(p, p + e.lastLen, depth + 1);
        if (value === null) return null;
      } else {
        e.skip(w);
      }
    }
    if (e.bad || key === null) return null;
    const v = value !== null ? value : nullValue();
    // Map semantics: a repeated key replaces the earlier value. Small maps are scanned; larger
    // ones get an index so hostile input with many keys stays linear.
    let existing = -1;
    const keys = obj.keys;
    if (index !== null) {
      if (index.has(key)) existing = index.get(key);
    } else {
      for (let i = 0, n = keys.length; i < n; i++) if (unchecked(keys[i]) == key) { existing = i; break; }
      if (keys.length >= 16) {
        const m = new Map<string, i32>();
        for (let i = 0, n = keys.length; i < n; i++) m.set(unchecked(keys[i]), i);
        index = m;
      }
    }
    if (existing >= 0) {
      obj.values[existing] = v;
    } else {
      if (index !== null) index.set(key, keys.length);
      keys.push(key);
      obj.values.push(v);
    }
  }
  return r.bad ? null : obj;
}

/** valueAt decodes a google.protobuf.Value in [start, end); the last kind field wins (oneof). */
function valueAt(start: usize, end: usize, depth: i32): JsonValue | null {
  if (depth >= PROTOBUF_MAX_DEPTH) return null;
  const r = new Reader(start, end);
  let out = nullValue();
  while (!r.done) {
    const tag = r.varint();
    if (r.bad) return null;
    const field = tag >> 3;
    const wire = <u32>(tag & 7);
    if (field == 1 && wire == WIRE_VARINT) {
      r.varint();
      out = nullValue();
    } else if (field == 2 && wire == WIRE_I64) {
      const v = new JsonValue();
      v.kind = JsonKind.Number;
      v.num = r.f64();
      out = v;
    } else if (field == 3 && wire == WIRE_LEN) {
      const p = r.lengthDelimited();
      if (r.bad) return null;
      const s = decodeUtf8Strict(p, r.lastLen);
      if (s === null) return null;
      const v = new JsonValue();
      v.kind = JsonKind.String;
      v.str = s;
      out = v;
    } else if (field == 4 && wire == WIRE_VARINT) {
      const b = r.varint();
      const v = new JsonValue();
      v.kind = JsonKind.Bool;
      v.bool = b != 0;
      out = v;
    } else if (field == 5 && wire == WIRE_LEN) {
      const p = r.lengthDelimited();
      if (r.bad) return null;
      const s = structAt(p, p + r.lastLen, depth + 1);
      if (s === null) return null;
      out = s;
    } else if (field == 6 && wire == WIRE_LEN) {
      const p = r.lengthDelimited();
      if (r.bad) return null;
      const l = listAt(p, p + r.lastLen, depth + 1);
      if (l === null) return null;
      out = l;
    } else {
      r.skip(wire);
    }
  }
  return r.bad ? null : out;
}

/** listAt decodes a google.protobuf.ListValue in [start, end). */
function listAt(start: usize, end: usize, depth: i32): JsonValue | null {
  if (depth >= PROTOBUF_MAX_DEPTH) return null;
  const list = new JsonValue();
  list.kind = JsonKind.Array;
  const r = new Reader(start, end);
  while (!r.done) {
    const tag = r.varint();
    if (r.bad) return null;
    const field = tag >> 3;
    const wire = <u32>(tag & 7);
    if (field == 1 && wire == WIRE_LEN) {
      const p = r.lengthDelimited();
      if (r.bad) return null;
      const v = valueAt(p, p + r.lastLen, depth + 1);
      if (v === null) return null;
      list.items.push(v);
    } else {
      r.skip(wire);
    }
  }
  return r.bad ? null : list;
}

function nullValue(): JsonValue {
  return new JsonValue(); // kind defaults to Null
}
