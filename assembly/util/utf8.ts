// Strict UTF-8 → string decoding that never aborts. `String.UTF8.decode` repairs bad input
// silently; decoded base64 and protobuf strings must instead be rejected when they are not valid
// UTF-8 (operations.md §3.1), so they go through decodeUtf8Strict.

/**
 * decodeUtf8Strict decodes `len` bytes at `ptr` as UTF-8. Returns null on any invalid sequence:
 * bad lead or continuation bytes, truncation, overlong forms, surrogates, values above U+10FFFF.
 */
export function decodeUtf8Strict(ptr: usize, len: usize): string | null {
  if (len == 0) return "";
  // First pass validates and counts UTF-16 units, so the string is allocated once.
  let units: usize = 0;
  let i: usize = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) { units++; i++; continue; }
    let need: usize;
    let cp: u32;
    let min: u32;
    if ((b0 & 0xe0) == 0xc0) { need = 1; cp = b0 & 0x1f; min = 0x80; }
    else if ((b0 & 0xf0) == 0xe0) { need = 2; cp = b0 & 0x0f; min = 0x800; }
    else if ((b0 & 0xf8) == 0xf0) { need = 3; cp = b0 & 0x07; min = 0x10000; }
    else return null;
    if (i + need >= len) return null; // truncated sequence
    for (let k: usize = 1; k <= need; k++) {
      const b = <u32>load<u8>(ptr + i + k);
      if ((b & 0xc0) != 0x80) return null;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    units += cp >= 0x10000 ? 2 : 1;
    i += need + 1;
  }
  const out = changetype<string>(__new(units << 1, idof<string>()));
  const dst = changetype<usize>(out);
  let o: usize = 0;
  i = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) { store<u16>(dst + (o << 1), <u16>b0); o++; i++; continue; }
    let need: usize;
    let cp: u32;
    if ((b0 & 0xe0) == 0xc0) { need = 1; cp = b0 & 0x1f; }
    else if ((b0 & 0xf0) == 0xe0) { need = 2; cp = b0 & 0x0f; }
    else { need = 3; cp = b0 & 0x07; }
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
