// UTF-8 for the host's hot paths. Node's TextEncoder/TextDecoder cross into C++ on every call,
// which dominates the cost of the short header names and values the ABI moves; these helpers
// encode short strings in JavaScript, straight into the destination buffer. The output is
// identical to TextEncoder's: a lone surrogate encodes as U+FFFD (EF BF BD).

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Strings at least this long go to TextEncoder/TextDecoder, whose per-call cost is then amortised. */
const NATIVE_THRESHOLD = 256;

/** utf8Length: the number of bytes TextEncoder would produce for `s`. */
export function utf8Length(s: string): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      len += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // a surrogate pair: 2 UTF-16 units → 4 bytes
        len += 2;
        i++;
      } else {
        len += 2; // lone high surrogate → U+FFFD (3 bytes)
      }
    } else {
      len += 2; // BMP character or lone surrogate → 3 bytes
    }
  }
  return len;
}

/** writeUtf8 encodes `s` into `dst` at `off` (the caller sized it with utf8Length); returns the end. */
export function writeUtf8(s: string, dst: Uint8Array, off: number): number {
  const n = s.length;
  if (n >= NATIVE_THRESHOLD) return off + ENCODER.encodeInto(s, dst.subarray(off)).written;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      dst[off++] = c;
    } else if (c < 0x800) {
      dst[off++] = 0xc0 | (c >> 6);
      dst[off++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          dst[off++] = 0xf0 | (cp >> 18);
          dst[off++] = 0x80 | ((cp >> 12) & 0x3f);
          dst[off++] = 0x80 | ((cp >> 6) & 0x3f);
          dst[off++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      dst[off++] = 0xe0 | (c >> 12);
      dst[off++] = 0x80 | ((c >> 6) & 0x3f);
      dst[off++] = 0x80 | (c & 0x3f);
    }
  }
  return off;
}

/** encodeUtf8: a fresh Uint8Array holding `s` in UTF-8 (TextEncoder.encode, cheaper for short strings). */
export function encodeUtf8(s: string): Uint8Array {
  if (s.length >= NATIVE_THRESHOLD) return ENCODER.encode(s);
  const out = new Uint8Array(utf8Length(s));
  writeUtf8(s, out, 0);
  return out;
}

/** Buffer's own latin1 decoder when Node has it (toString("latin1") adds argument handling). */
const LATIN1_SLICE = (Buffer.prototype as unknown as { latin1Slice?: (start: number, end: number) => string }).latin1Slice ?? null;

/** Up to this length, an ASCII string is decoded from a Buffer without TextDecoder. */
const ASCII_FAST_MAX = 512;

/**
 * decodeUtf8 decodes bytes [start, end) of `src` exactly as TextDecoder (non-fatal) does. When
 * `src` is a Buffer (the guest memory view is one) and the bytes are ASCII, which is what header
 * names and values nearly always are, Buffer's latin1 decoding gives the same string without
 * TextDecoder's per-call cost or a subarray.
 */
export function decodeUtf8(src: Uint8Array, start = 0, end = src.length): string {
  if (end <= start) return "";
  if (end - start <= ASCII_FAST_MAX && src instanceof Buffer) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (src[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return LATIN1_SLICE ? LATIN1_SLICE.call(src, start, end) : src.toString("latin1", start, end);
  }
  return DECODER.decode(start === 0 && end === src.length ? src : src.subarray(start, end));
}
