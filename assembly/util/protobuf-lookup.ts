// The `filter` credential source's lookup (docs/operations.md) run directly on the bytes of a
// serialised envoy.config.core.v3.Metadata, so a request does not decode the whole namespace
// Struct (a whole JWT payload) into a JsonValue tree. It walks path[1..] through the Struct,
// ListValue and Value messages in place, skips every other field and map entry by its length, and
// decodes only the strings it returns.
//
// The result is exactly decodeMetadataNamespace + structuredLookup (the reference, and what the
// differential tests compare against): that decoder fails on any malformed byte, invalid UTF-8
// string or over-deep nesting anywhere in the namespace, so a successful walk is confirmed by a
// validation pass over the namespace that allocates nothing. A failed walk needs no validation:
// the reference fails too, whichever way. Nothing here allocates except the returned strings, and
// nothing can trap: every read is bounds-checked and recursion is bounded by PROTOBUF_MAX_DEPTH.
import { digitsIndex } from "../ops/lookup";
import { findNamespace, nsEnd, nsStart, PROTOBUF_MAX_DEPTH } from "./protobuf";
import { BAD, fField, fLen, fStart, fWire, nextField, WIRE_I64, WIRE_LEN, WIRE_VARINT } from "./protowire";
import { decodeUtf8Strict, utf8Equals, utf8Valid } from "./utf8";

// ---- Lazy values: a kind and the byte range of its payload (set by the node functions) ----

const K_NULL: i32 = 0;
const K_NUMBER: i32 = 1;
const K_STRING: i32 = 2;
const K_BOOL: i32 = 3;
const K_STRUCT: i32 = 4;
const K_LIST: i32 = 5;

let nKind: i32 = K_NULL;
let nStart: usize = 0;
let nEnd: usize = 0;

/** valueNode reads a google.protobuf.Value in [start, end) into the node (the last kind field wins). */
function valueNode(start: usize, end: usize): bool {
  let kind = K_NULL;
  let s: usize = 0;
  let e: usize = 0;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return false;
    const f = fField;
    const w = fWire;
    if (f == 1 && w == WIRE_VARINT) kind = K_NULL;
    else if (f == 2 && w == WIRE_I64) kind = K_NUMBER;
    else if (f == 4 && w == WIRE_VARINT) kind = K_BOOL;
    else if (w == WIRE_LEN && f >= 3 && f <= 6 && f != 4) {
      kind = f == 3 ? K_STRING : f == 5 ? K_STRUCT : K_LIST;
      s = fStart;
      e = fStart + fLen;
    }
  }
  nKind = kind;
  nStart = s;
  nEnd = e;
  return true;
}

/** entryValueNode: a map entry's value (its last field 2), or null when the entry has none. */
function entryValueNode(has: bool, start: usize, end: usize): bool {
  if (!has) { nKind = K_NULL; nStart = 0; nEnd = 0; return true; }
  return valueNode(start, end);
}

const MEMBER_BAD: i32 = -1;
const MEMBER_MISSING: i32 = 0;
const MEMBER_FOUND: i32 = 1;

/**
 * structMember finds member `name` of the Struct in [start, end) and leaves its value in the node.
 * Map semantics as in decoding: the last entry with a key wins. With `zeroFallback` (name is "0"
 * and absent), a Struct whose entries all carry the same key — one member once decoded — yields
 * that member. With name null, only the single-member test applies (resolvable form (c)).
 */
function structMember(start: usize, end: usize, name: string | null, zeroFallback: bool): i32 {
  let found = false;
  let foundHas = false;
  let foundS: usize = 0;
  let foundE: usize = 0;
  let entries = 0;
  let firstKey: usize = 0;
  let firstKeyLen: usize = 0;
  let oneKey = true;
  let lastHas = false;
  let lastS: usize = 0;
  let lastE: usize = 0;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return MEMBER_BAD;
    if (fField != 1 || fWire != WIRE_LEN) continue;
    const entryEnd = fStart + fLen;
    let p = fStart;
    let key: usize = 0;
    let keyLen: usize = 0;
    let has = false;
    let vs: usize = 0;
    let ve: usize = 0;
    while (p < entryEnd) {
      p = nextField(p, entryEnd);
      if (p == BAD) return MEMBER_BAD;
      if (fWire != WIRE_LEN) continue;
      if (fField == 1) { key = fStart; keyLen = fLen; }
      else if (fField == 2) { has = true; vs = fStart; ve = fStart + fLen; }
    }
    if (entries == 0) { firstKey = key; firstKeyLen = keyLen; }
    else if (oneKey && !bytesEqual(firstKey, firstKeyLen, key, keyLen)) oneKey = false;
    entries++;
    lastHas = has; lastS = vs; lastE = ve;
    if (name !== null && utf8Equals(key, keyLen, name)) { found = true; foundHas = has; foundS = vs; foundE = ve; }
  }
  if (found) return entryValueNode(foundHas, foundS, foundE) ? MEMBER_FOUND : MEMBER_BAD;
  if (zeroFallback && entries > 0 && oneKey) return entryValueNode(lastHas, lastS, lastE) ? MEMBER_FOUND : MEMBER_BAD;
  return MEMBER_MISSING;
}

/** listItem leaves element `index` of the ListValue in [start, end) in the node; false when absent or malformed. */
function listItem(start: usize, end: usize, index: i32): bool {
  let i = 0;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return false;
    if (fField != 1 || fWire != WIRE_LEN) continue;
    if (i == index) return valueNode(fStart, fStart + fLen);
    i++;
  }
  return false;
}

// ---- The lookup ----

/**
 * metadataLookup runs the `filter` source's lookup on serialised Metadata: path[0] names the
 * filter_metadata entry, path[1..] and `keys` follow docs/operations.md Returns the strings
 * (≥ 1), or null, exactly as decodeMetadataNamespace + structuredLookup would.
 */
export function metadataLookup(bytes: ArrayBuffer, path: Array<string>, keys: Array<string>): Array<string> | null {
  if (path.length == 0) return null;
  const base = changetype<usize>(bytes);
  if (!namespaceNode(base, base + <usize>bytes.byteLength, unchecked(path[0]))) return null;
  const rootStart = nStart;
  const rootEnd = nEnd;
  for (let i = 1, n = path.length; i < n; i++) {
    const seg = unchecked(path[i]);
    if (seg.length == 0) continue; // "" stays here
    const kind = nKind;
    if (kind == K_STRUCT) {
      if (structMember(nStart, nEnd, seg, seg == "0") != MEMBER_FOUND) return null;
    } else if (kind == K_LIST) {
      const idx = digitsIndex(seg);
      if (idx < 0 || !listItem(nStart, nEnd, idx)) return null;
    } else if (kind != K_STRING || !utf8Equals(nStart, nEnd - nStart, seg)) {
      return null;
    }
  }
  const out = resolveKeysAt(keys);
  if (out === null) return null;
  // The reference decodes the whole namespace first and fails on any fault in it.
  return validStruct(rootStart, rootEnd, 0) ? out : null;
}

/** namespaceNode leaves filter_metadata[ns] in the node as a Struct (see findNamespace). */
function namespaceNode(start: usize, end: usize, ns: string): bool {
  if (!findNamespace(start, end, ns)) return false;
  nKind = K_STRUCT;
  nStart = nsStart; // an entry without a value is an empty Struct (an empty range)
  nEnd = nsEnd;
  return true;
}

/** resolveKeysAt is phase 2 on the node: the first key whose value resolves wins. */
function resolveKeysAt(keys: Array<string>): Array<string> | null {
  const nk = keys.length;
  if (nk == 0) {
    const r = stringOrList();
    return r !== null && r.length > 0 ? r : null;
  }
  const kind = nKind;
  const s = nStart;
  const e = nEnd;
  for (let k = 0; k < nk; k++) {
    const key = unchecked(keys[k]);
    let r: Array<string> | null = null;
    if (kind == K_STRUCT) {
      if (structMember(s, e, key, key == "0") == MEMBER_FOUND) r = resolvable();
    } else if (kind == K_LIST) {
      const idx = digitsIndex(key);
      if (idx >= 0 && listItem(s, e, idx)) r = resolvable();
    } else if (kind == K_STRING) {
      if (utf8Equals(s, e - s, key)) r = [key];
    }
    if (r !== null && r.length > 0) return r;
  }
  return null;
}

/** resolvable: (a) a string, (b) a list of only strings, (c) a single-member Struct holding (a) or (b). */
function resolvable(): Array<string> | null {
  if (nKind == K_STRUCT) {
    return structMember(nStart, nEnd, null, true) == MEMBER_FOUND ? stringOrList() : null;
  }
  return stringOrList();
}

/** stringOrList decodes the node when it is a string or a list of only strings; null otherwise. */
function stringOrList(): Array<string> | null {
  if (nKind == K_STRING) {
    const str = decodeUtf8Strict(nStart, nEnd - nStart);
    return str === null ? null : [str];
  }
  if (nKind != K_LIST) return null;
  const end = nEnd;
  const out = new Array<string>();
  let pos = nStart;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return null;
    if (fField != 1 || fWire != WIRE_LEN) continue;
    const next = pos;
    if (!valueNode(fStart, fStart + fLen) || nKind != K_STRING) return null;
    const str = decodeUtf8Strict(nStart, nEnd - nStart);
    if (str === null) return null;
    out.push(str);
    pos = next;
  }
  return out;
}

// ---- Validation: succeeds exactly when structAt/valueAt/listAt in protobuf.ts would ----

function validStruct(start: usize, end: usize, depth: i32): bool {
  if (depth >= PROTOBUF_MAX_DEPTH) return false;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return false;
    if (fField != 1 || fWire != WIRE_LEN) continue;
    const entryEnd = fStart + fLen;
    let p = fStart;
    while (p < entryEnd) {
      p = nextField(p, entryEnd);
      if (p == BAD) return false;
      if (fWire != WIRE_LEN) continue;
      if (fField == 1) {
        if (!utf8Valid(fStart, fLen)) return false;
      } else if (fField == 2) {
        if (!validValue(fStart, fStart + fLen, depth + 1)) return false;
      }
    }
  }
  return true;
}

function validValue(start: usize, end: usize, depth: i32): bool {
  if (depth >= PROTOBUF_MAX_DEPTH) return false;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return false;
    if (fWire != WIRE_LEN) continue;
    const f = fField;
    const s = fStart;
    const e = fStart + fLen;
    if (f == 3) { if (!utf8Valid(s, e - s)) return false; }
    else if (f == 5) { if (!validStruct(s, e, depth + 1)) return false; }
    else if (f == 6) { if (!validList(s, e, depth + 1)) return false; }
  }
  return true;
}

function validList(start: usize, end: usize, depth: i32): bool {
  if (depth >= PROTOBUF_MAX_DEPTH) return false;
  let pos = start;
  while (pos < end) {
    pos = nextField(pos, end);
    if (pos == BAD) return false;
    if (fField != 1 || fWire != WIRE_LEN) continue;
    if (!validValue(fStart, fStart + fLen, depth + 1)) return false;
  }
  return true;
}

// ---- Byte helpers ----

function bytesEqual(a: usize, aLen: usize, b: usize, bLen: usize): bool {
  if (aLen != bLen) return false;
  return memory.compare(a, b, aLen) == 0;
}
