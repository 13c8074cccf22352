// Non-aborting base64 decoding (docs/operations.md): standard or URL-safe alphabet, padding
// optional, canonical encodings only. Any malformed input yields null, never a trap.

/** sextet maps one code unit to its 6-bit value in the chosen alphabet, or -1. */
// @ts-ignore: decorator
@inline
function sextet(c: i32, urlsafe: bool): i32 {
  if (c >= 65 && c <= 90) return c - 65; // A-Z
  if (c >= 97 && c <= 122) return c - 71; // a-z
  if (c >= 48 && c <= 57) return c + 4; // 0-9
  if (urlsafe) {
    if (c == 45) return 62; // -
    if (c == 95) return 63; // _
  } else {
    if (c == 43) return 62; // +
    if (c == 47) return 63; // /
  }
  return -1;
}

/**
 * decodeBase64 decodes `s` into bytes. Rules: `=` only at the end, at most 2, and only when the
 * padded length is a multiple of 4; unpadded lengths mod 4 of 0, 2 or 3; no character outside
 * the alphabet (whitespace included); the unused trailing bits must be zero. "" → empty buffer.
 */
export function decodeBase64(s: string, urlsafe: bool): ArrayBuffer | null {
  const n = s.length;
  let pad = 0;
  while (pad < n && s.charCodeAt(n - 1 - pad) == 61) pad++;
  if (pad > 2) return null;
  const data = n - pad;
  const rem = data & 3;
  if (rem == 1) return null;
  if (pad > 0 && (n & 3) != 0) return null;
  const outLen = (data >> 2) * 3 + (rem == 0 ? 0 : rem - 1);
  const out = new ArrayBuffer(outLen);
  const dst = changetype<usize>(out);
  let o = 0;
  let i = 0;
  const full = data - rem;
  while (i < full) {
    const a = sextet(s.charCodeAt(i), urlsafe);
    const b = sextet(s.charCodeAt(i + 1), urlsafe);
    const c = sextet(s.charCodeAt(i + 2), urlsafe);
    const d = sextet(s.charCodeAt(i + 3), urlsafe);
    if ((a | b | c | d) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    store<u8>(dst + o, <u8>(v >> 16));
    store<u8>(dst + o + 1, <u8>(v >> 8));
    store<u8>(dst + o + 2, <u8>v);
    o += 3;
    i += 4;
  }
  if (rem == 2) {
    const a = sextet(s.charCodeAt(i), urlsafe);
    const b = sextet(s.charCodeAt(i + 1), urlsafe);
    if ((a | b) < 0 || (b & 0x0f) != 0) return null;
    store<u8>(dst + o, <u8>((a << 2) | (b >> 4)));
  } else if (rem == 3) {
    const a = sextet(s.charCodeAt(i), urlsafe);
    const b = sextet(s.charCodeAt(i + 1), urlsafe);
    const c = sextet(s.charCodeAt(i + 2), urlsafe);
    if ((a | b | c) < 0 || (c & 0x03) != 0) return null;
    store<u8>(dst + o, <u8>((a << 2) | (b >> 4)));
    store<u8>(dst + o + 1, <u8>(((b & 0x0f) << 4) | (c >> 2)));
  }
  return out;
}
