// Lossy UTF-8 decoding: invalid sequences become U+FFFD (one per maximal invalid subpart, as
// WHATWG's decoder does). AssemblyScript's String.UTF8.decode silently mangles invalid input;
// request header values and percent-decoded query values are untrusted bytes (docs/behaviour.md).

/** decodeUtf8Lossy decodes `len` bytes at `ptr`; never traps. */
export function decodeUtf8Lossy(ptr: usize, len: i32): string {
  if (len <= 0) return "";
  let ascii = true;
  for (let i = 0; i < len; i++) {
    if (load<u8>(ptr + <usize>i) >= 0x80) { ascii = false; break; }
  }
  if (ascii) return String.UTF8.decodeUnsafe(ptr, <usize>len);
  // At most one UTF-16 unit per input byte.
  const tmp = new ArrayBuffer(len << 1);
  const outBase = changetype<usize>(tmp);
  let w: usize = 0;
  let i = 0;
  while (i < len) {
    const b0 = <u32>load<u8>(ptr + <usize>i);
    if (b0 < 0x80) { store<u16>(outBase + (w++ << 1), <u16>b0); i++; continue; }
    let need = 0;
    let cp: u32 = 0;
    let lo: u32 = 0x80, hi: u32 = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) { need = 1; cp = b0 & 0x1f; }
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2; cp = b0 & 0x0f;
      if (b0 == 0xe0) lo = 0xa0;
      if (b0 == 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3; cp = b0 & 0x07;
      if (b0 == 0xf0) lo = 0x90;
      if (b0 == 0xf4) hi = 0x8f;
    } else { store<u16>(outBase + (w++ << 1), 0xfffd); i++; continue; }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++) {
      if (j >= len) { ok = false; break; }
      const b = <u32>load<u8>(ptr + <usize>j);
      if (b < lo || b > hi) { ok = false; break; }
      lo = 0x80; hi = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      j++;
    }
    if (!ok) { store<u16>(outBase + (w++ << 1), 0xfffd); i = j; continue; }
    if (cp >= 0x10000) {
      const v = cp - 0x10000;
      store<u16>(outBase + (w++ << 1), <u16>(0xd800 | (v >> 10)));
      store<u16>(outBase + (w++ << 1), <u16>(0xdc00 | (v & 0x3ff)));
    } else store<u16>(outBase + (w++ << 1), <u16>cp);
    i = j;
  }
  return String.UTF16.decodeUnsafe(outBase, w << 1);
}

/** decodeUtf8LossyBuffer decodes a whole ArrayBuffer. */
export function decodeUtf8LossyBuffer(buf: ArrayBuffer): string {
  return decodeUtf8Lossy(changetype<usize>(buf), buf.byteLength);
}
