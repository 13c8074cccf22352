// The `filter` credential source's lookup (operations.md §5.1–§5.3) run directly on the bytes of a
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
import { PROTOBUF_MAX_DEPTH } from "./protobuf";
import { decodeUtf8Strict } from "./utf8";

const WIRE_VARINT: u32 = 0;
const WIRE_I64: u32 = 1;
const WIRE_LEN: u32 = 2;
const WIRE_I32: u32 = 5;

/** A position no reader can reach: the "malformed" result of the cursor functions. */
const BAD: usize = <usize>-1;

// The field nextField() read last (the module is single-threaded; callers copy what they need
// into locals before reading further).
let fField: u64 = 0;
let fWire: u32 = 0;
let fVal: u64 = 0;
let fStart: usize = 0;
let fLen: usize = 0;

/** readVarint reads a varint at `pos` into fVal; returns the position after it, or BAD (as Reader.varint). */
function readVarint(pos: usize, end: usize): usize {
  let result: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (pos >= end || shift > 63) return BAD;
    const b = <u64>load<u8>(pos);
    pos++;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) { fVal = result; return pos; }
    shift += 7;
  }
  return BAD;
}

/**
 * nextField reads one field (tag and payload) at `pos`; returns the position after it, or BAD.
 * Every decoder in protobuf.ts consumes a known field exactly as it skips an unknown one, so one
 * reader serves both. LEN payloads are left in fStart/fLen.
 */
function nextField(pos: usize, end: usize): usize {
  pos = readVarint(pos, end);
  if (pos == BAD) return BAD;
  const tag = fVal;
  fField = tag >> 3;
  const wire = <u32>(tag & 7);
  fWire = wire;
  if (wire == WIRE_VARINT) return readVarint(pos, end);
  if (wire == WIRE_I64) return end - pos < 8 ? BAD : pos + 8;
  if (wire == WIRE_LEN) {
    pos = readVarint(pos, end);
    if (pos == BAD) return BAD;
    if (fVal > <u64>(end - pos)) return BAD;
    fStart = pos;
    fLen = <usize>fVal;
    return pos + fLen;
  }
  if (wire == WIRE_I32) return end - pos < 4 ? BAD : pos + 4;
  return BAD; // groups and reserved wire types
}

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
 * filter_metadata entry, path[1..] and `keys` follow operations.md §5.1/§5.2. Returns the strings
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

/**
 * namespaceNode finds filter_metadata[ns] (the last entry with that key) and leaves it in the node
 * as a Struct. Mirrors decodeMetadataNamespace: every entry's key must be valid UTF-8, and the
 * whole Metadata must be well-formed; other namespaces' values are not looked at.
 */
function namespaceNode(start: usize, end: usize, ns: string): bool {
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
    let keyOk = true;
    let key: usize = 0;
    let keyLen: usize = 0;
    let vs: usize = 0;
    let ve: usize = 0;
    while (p < entryEnd) {
      p = nextField(p, entryEnd);
      if (p == BAD) return false;
      if (fWire != WIRE_LEN) continue;
      if (fField == 1) { key = fStart; keyLen = fLen; keyOk = utf8Valid(key, keyLen); }
      else if (fField == 2) { vs = fStart; ve = fStart + fLen; }
    }
    if (!keyOk) return false;
    if (utf8Equals(key, keyLen, ns)) { found = true; foundS = vs; foundE = ve; }
  }
  if (!found) return false;
  nKind = K_STRUCT;
  nStart = foundS; // an entry without a value is an empty Struct (an empty range)
  nEnd = foundE;
  return true;
}

/** resolveKeysAt is phase 2 (§5.2) on the node: the first key whose value resolves wins. */
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

// ---- Byte and UTF-8 helpers ----

function bytesEqual(a: usize, aLen: usize, b: usize, bLen: usize): bool {
  if (aLen != bLen) return false;
  return memory.compare(a, b, aLen) == 0;
}

/** utf8Valid applies decodeUtf8Strict's rules without building the string. */
function utf8Valid(ptr: usize, len: usize): bool {
  let i: usize = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) { i++; continue; }
    const need = seqLength(b0);
    if (need == 0 || i + need >= len) return false;
    const cp = seqValue(ptr + i, b0, need);
    if (!scalarOk(cp, need)) return false;
    i += need + 1;
  }
  return true;
}

/**
 * utf8Equals: the `len` bytes at `ptr`, as strict UTF-8, equal `s` (UTF-16). Invalid UTF-8 never
 * equals anything (the reference would have rejected it). UTF-8 takes 1–3 bytes per UTF-16 unit,
 * so most mismatches are decided by the lengths alone.
 */
function utf8Equals(ptr: usize, len: usize, s: string): bool {
  const units = <usize>s.length;
  if (len < units || len > units * 3) return false;
  const sp = changetype<usize>(s);
  let i: usize = 0;
  let o: usize = 0;
  while (i < len) {
    if (o >= units) return false;
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) {
      if (<u32>load<u16>(sp + (o << 1)) != b0) return false;
      i++; o++;
      continue;
    }
    const need = seqLength(b0);
    if (need == 0 || i + need >= len) return false;
    const cp = seqValue(ptr + i, b0, need);
    if (!scalarOk(cp, need)) return false;
    if (cp >= 0x10000) {
      if (o + 1 >= units) return false;
      const v = cp - 0x10000;
      if (<u32>load<u16>(sp + (o << 1)) != (0xd800 | (v >> 10))) return false;
      if (<u32>load<u16>(sp + ((o + 1) << 1)) != (0xdc00 | (v & 0x3ff))) return false;
      o += 2;
    } else {
      if (<u32>load<u16>(sp + (o << 1)) != cp) return false;
      o++;
    }
    i += need + 1;
  }
  return o == units;
}

/** seqLength: continuation bytes after lead byte b0 (≥ 0x80), or 0 for an invalid lead byte. */
// @ts-ignore: decorator
@inline
function seqLength(b0: u32): usize {
  if ((b0 & 0xe0) == 0xc0) return 1;
  if ((b0 & 0xf0) == 0xe0) return 2;
  if ((b0 & 0xf8) == 0xf0) return 3;
  return 0;
}

/** seqValue: the code point of a sequence whose bytes are in bounds; 0xFFFFFFFF on a bad continuation byte. */
function seqValue(p: usize, b0: u32, need: usize): u32 {
  let cp: u32 = need == 1 ? b0 & 0x1f : need == 2 ? b0 & 0x0f : b0 & 0x07;
  for (let k: usize = 1; k <= need; k++) {
    const b = <u32>load<u8>(p + k);
    if ((b & 0xc0) != 0x80) return 0xffffffff;
    cp = (cp << 6) | (b & 0x3f);
  }
  return cp;
}

/** scalarOk: not overlong for its length, not a surrogate, at most U+10FFFF. */
// @ts-ignore: decorator
@inline
function scalarOk(cp: u32, need: usize): bool {
  const min: u32 = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
  return cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}
