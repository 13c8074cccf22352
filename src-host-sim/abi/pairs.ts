// Header-pairs wire format (docs/host-simulator.md):
//   u32 N, N × (u32 key_len, u32 value_len), N × (key bytes, 0x00, value bytes, 0x00), all LE.
// Envoy parses an inconsistent buffer silently as an empty map (no error status); the
// deserializer below does the same and reports the inconsistency only through `valid`.

import { decodeUtf8, utf8Length, writeUtf8 } from "./utf8.js";

export type HeaderPair = [string, string];
export type BytePair = [Uint8Array, Uint8Array];

/** Envoy's limits for a pairs buffer coming from the module (cpp-host pairs_util). */
export const MAX_PAIRS = 1024;
export const MAX_PAIRS_BYTES = 1024 * 1024;

/** A key or value to serialize: a string (written as UTF-8) or raw bytes (written as they are). */
export type PairItem = string | Uint8Array;
export type PairList = ReadonlyArray<readonly [PairItem, PairItem]>;

function itemLength(v: PairItem): number {
  return typeof v === "string" ? utf8Length(v) : v.length;
}

function writeItem(v: PairItem, dst: Uint8Array, off: number): number {
  if (typeof v === "string") return writeUtf8(v, dst, off);
  dst.set(v, off);
  return off + v.length;
}

/** headerPairsByteLength: the size serializeHeaderPairs / writeHeaderPairs produce for `pairs`. */
export function headerPairsByteLength(pairs: PairList): number {
  if (pairs.length === 0) return 0;
  let size = 4;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    size += 10 + itemLength(p[0]) + itemLength(p[1]);
  }
  return size;
}

/**
 * writeHeaderPairs encodes non-empty `pairs` into `dst` at `off` (sized with
 * headerPairsByteLength); the NUL terminators are written, so `dst` need not be zeroed.
 */
export function writeHeaderPairs(pairs: PairList, dst: Uint8Array, off: number): void {
  const n = pairs.length;
  let sizes = off + 4;
  let data = sizes + n * 8;
  writeU32le(dst, off, n);
  for (let i = 0; i < n; i++) {
    const p = pairs[i]!;
    const k = data;
    data = writeItem(p[0], dst, data);
    writeU32le(dst, sizes, data - k);
    dst[data++] = 0;
    const v = data;
    data = writeItem(p[1], dst, data);
    writeU32le(dst, sizes + 4, data - v);
    dst[data++] = 0;
    sizes += 8;
  }
}

function writeU32le(dst: Uint8Array, off: number, v: number): void {
  dst[off] = v & 0xff;
  dst[off + 1] = (v >>> 8) & 0xff;
  dst[off + 2] = (v >>> 16) & 0xff;
  dst[off + 3] = v >>> 24;
}

function readU32le(src: Uint8Array, off: number): number {
  return (src[off]! | (src[off + 1]! << 8) | (src[off + 2]! << 16) | (src[off + 3]! << 24)) >>> 0;
}

/** serializeHeaderPairs encodes pairs; an empty list encodes as zero bytes (as Envoy returns it). */
export function serializeHeaderPairs(pairs: PairList): Uint8Array {
  const out = new Uint8Array(headerPairsByteLength(pairs));
  if (out.length > 0) writeHeaderPairs(pairs, out, 0);
  return out;
}

export interface DeserializedPairs {
  pairs: BytePair[];
  /** false when the buffer was inconsistent and therefore read as an empty map. */
  valid: boolean;
}

/** deserializeHeaderPairsBytes decodes a pairs buffer; malformed → empty (valid=false). */
export function deserializeHeaderPairsBytes(buf: Uint8Array): DeserializedPairs {
  const bad: DeserializedPairs = { pairs: [], valid: false };
  if (buf.length === 0) return { pairs: [], valid: true };
  if (buf.length === 1 && buf[0] === 0) return { pairs: [], valid: true };
  if (buf.length < 4 || buf.length > MAX_PAIRS_BYTES) return bad;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.getUint32(0, true);
  if (n > MAX_PAIRS) return bad;
  let sizesOff = 4;
  let dataOff = 4 + n * 8;
  if (dataOff > buf.length) return bad;
  const pairs: BytePair[] = [];
  for (let i = 0; i < n; i++) {
    const klen = view.getUint32(sizesOff, true);
    const vlen = view.getUint32(sizesOff + 4, true);
    sizesOff += 8;
    if (dataOff + klen + 1 + vlen + 1 > buf.length) return bad;
    const key = buf.subarray(dataOff, dataOff + klen);
    if (buf[dataOff + klen] !== 0) return bad;
    dataOff += klen + 1;
    const value = buf.subarray(dataOff, dataOff + vlen);
    if (buf[dataOff + vlen] !== 0) return bad;
    dataOff += vlen + 1;
    pairs.push([key.slice(), value.slice()]);
  }
  if (dataOff !== buf.length) return bad;
  return { pairs, valid: true };
}

/**
 * deserializeHeaderPairsAt decodes the pairs buffer at [off, off+len) of `src` straight to
 * strings (no intermediate copies), with the same rules as deserializeHeaderPairsBytes:
 * a malformed buffer reads as an empty map.
 */
export function deserializeHeaderPairsAt(src: Uint8Array, off: number, len: number): HeaderPair[] {
  if (len === 0) return [];
  if (len === 1 && src[off] === 0) return [];
  if (len < 4 || len > MAX_PAIRS_BYTES) return [];
  const end = off + len;
  const n = readU32le(src, off);
  if (n > MAX_PAIRS) return [];
  let sizesOff = off + 4;
  let dataOff = sizesOff + n * 8;
  if (dataOff > end) return [];
  const pairs: HeaderPair[] = [];
  for (let i = 0; i < n; i++) {
    const klen = readU32le(src, sizesOff);
    const vlen = readU32le(src, sizesOff + 4);
    sizesOff += 8;
    if (dataOff + klen + 1 + vlen + 1 > end) return [];
    const kEnd = dataOff + klen;
    if (src[kEnd] !== 0) return [];
    const vStart = kEnd + 1;
    const vEnd = vStart + vlen;
    if (src[vEnd] !== 0) return [];
    pairs.push([decodeUtf8(src, dataOff, kEnd), decodeUtf8(src, vStart, vEnd)]);
    dataOff = vEnd + 1;
  }
  if (dataOff !== end) return [];
  return pairs;
}

/** deserializeHeaderPairs decodes a pairs buffer to UTF-8 strings; malformed → []. */
export function deserializeHeaderPairs(buf: Uint8Array): HeaderPair[] {
  return deserializeHeaderPairsAt(buf, 0, buf.length);
}
