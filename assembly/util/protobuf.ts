// Non-aborting decoders for the protobuf messages the module reads: google.protobuf.Struct (the
// `protobuf` op) and envoy.config.core.v3.Metadata (the `metadata` property, for `filter`
// sources). Decoded Structs become JsonValue trees so structuredLookup works on both.
// Field numbers: docs/host-simulator.md Unknown fields are skipped; malformed input, invalid
// UTF-8 strings and nesting deeper than PROTOBUF_MAX_DEPTH give null, never a trap.
import { JsonKind, JsonValue } from "../config/json";
import { BAD, fField, fLen, fStart, fVal, fWire, nextField, WIRE_I64, WIRE_LEN, WIRE_VARINT } from "./protowire";
import { decodeUtf8Strict, utf8Equals, utf8Valid } from "./utf8";

/** Nesting limit for Struct/ListValue trees (the same 64 levels as JSON, G1). */
export const PROTOBUF_MAX_DEPTH: i32 = 64;

/** decodeStruct decodes a serialised google.protobuf.Struct; null when malformed. */
export function decodeStruct(bytes: ArrayBuffer): JsonValue | null {
  const start = changetype<usize>(bytes);
  return structAt(start, start + <usize>bytes.byteLength, 0);
}

/** decodeMetadataNamespace returns filter_metadata[namespace] of a serialised Metadata as a tree, or null. */
export function decodeMetadataNamespace(bytes: ArrayBuffer, namespace: string): JsonValue | null {
  const base = changetype<usize>(bytes);
  if (!findNamespace(base, base + <usize>bytes.byteLength, namespace)) return null;
  return structAt(nsStart, nsEnd, 0);
}

/** The Struct findNamespace found: [nsStart, nsEnd), empty for an entry without a value. */
export let nsStart: usize = 0;
export let nsEnd: usize = 0;

/**
 * findNamespace finds filter_metadata[ns] in the serialised Metadata in [start, end) and leaves
 * its value in nsStart/nsEnd. Map semantics: the last entry with the key wins. Fails when the
 * Metadata is malformed, any entry's key is not valid UTF-8, or no entry has the key; other
 * namespaces' values are not looked at. Allocates nothing.
 */
export function findNamespace(start: usize, end: usize, ns: string): bool {
  let found = false;
  let foundS: usize = 0;
  let foundE: usize = 0;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return false;
    if (fField != 1 || fWire != WIRE_LEN) continue; // typed_filter_metadata (2) and unknown fields
    const entryEnd = fStart + fLen;
    let p = fStart;
    let key: usize = 0;
    let keyLen: usize = 0; // no key field: the key is ""
    let vs: usize = 0;
    let ve: usize = 0;
    while (p < entryEnd) {
      p = nextField(p, entryEnd);
      if (p == BAD) return false;
      if (fWire != WIRE_LEN) continue;
      if (fField == 1) { key = fStart; keyLen = fLen; } // a repeated field: the last one counts
      else if (fField == 2) { vs = fStart; ve = fStart + fLen; }
    }
    if (!utf8Valid(key, keyLen)) return false;
    if (utf8Equals(key, keyLen, ns)) { found = true; foundS = vs; foundE = ve; }
  }
  if (!found) return false;
  nsStart = foundS;
  nsEnd = foundE;
  return true;
}

/** structAt decodes a Struct in [start, end). */
function structAt(start: usize, end: usize, depth: i32): JsonValue | null {
  if (depth >= PROTOBUF_MAX_DEPTH) return null;
  const obj = new JsonValue();
  obj.kind = JsonKind.Object;
  let index: Map<string, i32> | null = null;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return null;
    if (fField != 1 || fWire != WIRE_LEN) continue;
    const entryEnd = fStart + fLen;
    let p = fStart;
    let key: string | null = "";
    let value: JsonValue | null = null;
    while (p < entryEnd) {
      p = nextField(p, entryEnd);
      if (p == BAD) return null;
      if (fWire != WIRE_LEN) continue;
      if (fField == 1) {
        key = decodeUtf8Strict(fStart, fLen);
        if (key === null) return null;
      } else if (fField == 2) {
        value = valueAt(fStart, fStart + fLen, depth + 1);
        if (value === null) return null;
      }
    }
    if (key === null) return null;
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
  return obj;
}

/** valueAt decodes a google.protobuf.Value in [start, end); the last kind field wins (oneof). */
function valueAt(start: usize, end: usize, depth: i32): JsonValue | null {
  if (depth >= PROTOBUF_MAX_DEPTH) return null;
  let out = nullValue();
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return null;
    const field = fField;
    const wire = fWire;
    if (field == 1 && wire == WIRE_VARINT) {
      out = nullValue();
    } else if (field == 2 && wire == WIRE_I64) {
      const v = new JsonValue();
      v.kind = JsonKind.Number;
      v.num = load<f64>(pos - 8); // the payload just read
      out = v;
    } else if (field == 3 && wire == WIRE_LEN) {
      const s = decodeUtf8Strict(fStart, fLen);
      if (s === null) return null;
      const v = new JsonValue();
      v.kind = JsonKind.String;
      v.str = s;
      out = v;
    } else if (field == 4 && wire == WIRE_VARINT) {
      const v = new JsonValue();
      v.kind = JsonKind.Bool;
      v.bool = fVal != 0;
      out = v;
    } else if (field == 5 && wire == WIRE_LEN) {
      const s = structAt(fStart, fStart + fLen, depth + 1);
      if (s === null) return null;
      out = s;
    } else if (field == 6 && wire == WIRE_LEN) {
      const l = listAt(fStart, fStart + fLen, depth + 1);
      if (l === null) return null;
      out = l;
    }
  }
  return out;
}

/** listAt decodes a google.protobuf.ListValue in [start, end). */
function listAt(start: usize, end: usize, depth: i32): JsonValue | null {
  if (depth >= PROTOBUF_MAX_DEPTH) return null;
  const list = new JsonValue();
  list.kind = JsonKind.Array;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return null;
    if (fField != 1 || fWire != WIRE_LEN) continue;
    const v = valueAt(fStart, fStart + fLen, depth + 1);
    if (v === null) return null;
    list.items.push(v);
  }
  return list;
}

function nullValue(): JsonValue {
  return new JsonValue(); // kind defaults to Null
}
