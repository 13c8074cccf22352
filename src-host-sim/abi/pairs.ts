// Header-pairs wire format (reference/proxy-wasm-host.md §3.3):
//   u32 N, N × (u32 key_len, u32 value_len), N × (key bytes, 0x00, value bytes, 0x00), all LE.
// Envoy parses an inconsistent buffer silently as an empty map (no error status); the
// deserializer below does the same and reports the inconsistency only through `valid`.

export type HeaderPair = [string, string];
export type BytePair = [Uint8Array, Uint8Array];

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/** Envoy's limits for a pairs buffer coming from the module (cpp-host pairs_util). */
export const MAX_PAIRS = 1024;
export const MAX_PAIRS_BYTES = 1024 * 1024;

function toBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? UTF8_ENCODER.encode(v) : v;
}

/** serializeHeaderPairs encodes pairs; an empty list encodes as zero bytes (as Envoy returns it). */
export function serializeHeaderPairs(pairs: ReadonlyArray<readonly [string | Uint8Array, string | Uint8Array]>): Uint8Array {
  if (pairs.length === 0) return new Uint8Array(0);
  const encoded = pairs.map(([k, v]) => [toBytes(k), toBytes(v)] as const);
  let size = 4;
  for (const [k, v] of encoded) size += 8 + k.length + 1 + v.length + 1;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, encoded.length, true);
  let off = 4;
  for (const [k, v] of encoded) {
    view.setUint32(off, k.length, true);
    view.setUint32(off + 4, v.length, true);
    off += 8;
  }
  for (const [k, v] of encoded) {
    out.set(k, off);
    off += k.length + 1;
    out.set(v, off);
    off += v.length + 1;
  }
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

/** deserializeHeaderPairs decodes a pairs buffer to UTF-8 strings; malformed → []. */
export function deserializeHeaderPairs(buf: Uint8Array): HeaderPair[] {
  return deserializeHeaderPairsBytes(buf).pairs.map(([k, v]) => [UTF8_DECODER.decode(k), UTF8_DECODER.decode(v)]);
}
