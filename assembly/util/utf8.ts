// Strict UTF-8 → string decoding that never aborts. `String.UTF8.decode` repairs bad input
// silently; decoded base64 and protobuf strings must instead be rejected when they are not valid
// UTF-8 (docs/operations.md), so they go through decodeUtf8Strict. utf8Valid and utf8Equals apply
// the same rules in place, for readers that must not allocate (protobuf-lookup.ts).

/** Returned by seqScalar for a sequence that is not strict UTF-8. */
const NOT_SCALAR: u32 = 0xffffffff;

/** seqLength: continuation bytes after lead byte b0 (≥ 0x80), or 0 for an invalid lead byte. */
// @ts-ignore: decorator
@inline
function seqLength(b0: u32): usize {
  if ((b0 & 0xe0) == 0xc0) return 1;
  if ((b0 & 0xf0) == 0xe0) return 2;
  if ((b0 & 0xf8) == 0xf0) return 3;
  return 0;
}

/**
 * seqScalar: the code point of the sequence at `p` (lead byte b0, `need` continuation bytes, all
 * in bounds), or NOT_SCALAR for a bad continuation byte, an overlong form, a surrogate or a value
 * above U+10FFFF.
 */
function seqScalar(p: usize, b0: u32, need: usize): u32 {
  let cp: u32 = b0 & (0x3f >> <u32>need); // the lead byte's payload bits
  for (let k: usize = 1; k <= need; k++) {
    const b = <u32>load<u8>(p + k);
    if ((b & 0xc0) != 0x80) return NOT_SCALAR;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min: u32 = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
  return cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? cp : NOT_SCALAR;
}

/**
 * utf8Units validates `len` bytes at `ptr` as strict UTF-8 (the rules of decodeUtf8Strict) and
 * returns how many UTF-16 code units they decode to, or -1 when they are invalid.
 */
export function utf8Units(ptr: usize, len: usize): isize {
  let units: usize = 0;
  let i: usize = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) { units++; i++; continue; }
    const need = seqLength(b0);
    if (need == 0 || i + need >= len) return -1; // bad lead byte or truncated sequence
    const cp = seqScalar(ptr + i, b0, need);
    if (cp == NOT_SCALAR) return -1;
    units += cp >= 0x10000 ? 2 : 1;
    i += need + 1;
  }
  return <isize>units;
}

/** utf8Valid: the `len` bytes at `ptr` are strict UTF-8 (decodeUtf8Strict would accept them). */
export function utf8Valid(ptr: usize, len: usize): bool {
  return utf8Units(ptr, len) >= 0;
}

/**
 * utf8Equals: the `len` bytes at `ptr`, as strict UTF-8, equal `s` (UTF-16), without building a
 * string. Invalid UTF-8 never equals anything. UTF-8 takes 1–3 bytes per UTF-16 unit, so most
 * mismatches are decided by the lengths alone.
 */
export function utf8Equals(ptr: usize, len: usize, s: string): bool {
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
    const cp = seqScalar(ptr + i, b0, need);
    if (cp == NOT_SCALAR) return false;
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

/**
 * decodeUtf8Strict decodes `len` bytes at `ptr` as UTF-8. Returns null on any invalid sequence:
 * bad lead or continuation bytes, truncation, overlong forms, surrogates, values above U+10FFFF.
 */
export function decodeUtf8Strict(ptr: usize, len: usize): string | null {
  if (len == 0) return "";
  // Validate and count UTF-16 units first, so the string is allocated once.
  const counted = utf8Units(ptr, len);
  if (counted < 0) return null;
  const units = <usize>counted;
  const out = changetype<string>(__new(units << 1, idof<string>()));
  const dst = changetype<usize>(out);
  let o: usize = 0;
  let i: usize = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) { store<u16>(dst + (o << 1), <u16>b0); o++; i++; continue; }
    const need = seqLength(b0); // the bytes are valid: 1–3
    let cp: u32 = b0 & (0x3f >> <u32>need);
    for (let k: usize = 1; k <= need; k++) cp = (cp << 6) | (<u32>load<u8>(ptr + i + k) & 0x3f);
    if (cp >= 0x10000) {
      const v = cp - 0x10000;
      store<u16>(dst + (o << 1), <u16>(0xd800 | (v >> 10)));
      store<u16>(dst + ((o + 1) << 1), <u16>(0xdc00 | (v & 0x3ff)));
      o += 2;
    } else {
      store<u16>(dst + (o << 1), <u16>cp);
      o++;
    }
    i += need + 1;
  }
  return out;
}

/** decodeUtf8BufferStrict decodes a whole ArrayBuffer (see decodeUtf8Strict). */
export function decodeUtf8BufferStrict(buf: ArrayBuffer): string | null {
  return decodeUtf8Strict(changetype<usize>(buf), <usize>buf.byteLength);
}

/** scalarCount counts Unicode scalar values: a valid surrogate pair counts once, a lone surrogate once. */
export function scalarCount(s: string): i32 {
  const n = s.length;
  let count = n;
  for (let i = 0; i < n - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { count--; i++; }
    }
  }
  return count;
}

/** newString allocates an uninitialised string of `units` UTF-16 code units (fill it before use). */
// @ts-ignore: decorator
@inline
export function newString(units: i32): string {
  return changetype<string>(__new(<usize>units << 1, idof<string>()));
}
