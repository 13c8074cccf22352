// Percent-encoding and application/x-www-form-urlencoded decoding (docs/behaviour.md).
// Every function returns its input unchanged (no allocation) when nothing needs encoding.
import { decodeUtf8Lossy } from "./utf8lossy";
import { joinStrings } from "./strings";

// @ts-ignore: decorator
@lazy const HEX_UPPER = "0123456789ABCDEF";

// @ts-ignore: decorator
@inline function isUnreserved(c: u32): bool {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 46 || c == 95 || c == 126;
}

// @ts-ignore: decorator
@inline function isVisibleAscii(c: u32): bool {
  return c >= 0x21 && c <= 0x7e;
}

/** appendPercentUtf8 appends the UTF-8 bytes of code point `cp` as %XX escapes. */
function appendEscapes(out: Array<string>, cp: u32): void {
  if (cp < 0x80) { out.push(escapeByte(cp)); return; }
  if (cp < 0x800) {
    out.push(escapeByte(0xc0 | (cp >> 6)));
    out.push(escapeByte(0x80 | (cp & 0x3f)));
    return;
  }
  if (cp < 0x10000) {
    out.push(escapeByte(0xe0 | (cp >> 12)));
    out.push(escapeByte(0x80 | ((cp >> 6) & 0x3f)));
    out.push(escapeByte(0x80 | (cp & 0x3f)));
    return;
  }
  out.push(escapeByte(0xf0 | (cp >> 18)));
  out.push(escapeByte(0x80 | ((cp >> 12) & 0x3f)));
  out.push(escapeByte(0x80 | ((cp >> 6) & 0x3f)));
  out.push(escapeByte(0x80 | (cp & 0x3f)));
}

function escapeByte(b: u32): string {
  return "%" + HEX_UPPER.charAt(<i32>((b >> 4) & 0xf)) + HEX_UPPER.charAt(<i32>(b & 0xf));
}

/** codePointAt reads the code point at i (a lone surrogate is encoded as U+FFFD); sets CP_WIDTH. */
let CP_WIDTH: i32 = 1;
function codePointAt(s: string, i: i32, n: i32): u32 {
  const c = <u32>s.charCodeAt(i);
  CP_WIDTH = 1;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
    const d = <u32>s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      CP_WIDTH = 2;
      return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
    }
  }
  if (c >= 0xd800 && c <= 0xdfff) return 0xfffd;
  return c;
}

function encodeWith(s: string, strict: bool): string {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = <u32>s.charCodeAt(i);
    if (strict ? !isUnreserved(c) : !isVisibleAscii(c)) break;
    i++;
  }
  if (i == n) return s;
  const parts = new Array<string>();
  parts.push(s.substring(0, i));
  let runStart = i;
  while (i < n) {
    const c = <u32>s.charCodeAt(i);
    if (strict ? isUnreserved(c) : isVisibleAscii(c)) { i++; continue; }
    if (runStart < i) parts.push(s.substring(runStart, i));
    const cp = codePointAt(s, i, n);
    appendEscapes(parts, cp);
    i += CP_WIDTH;
    runStart = i;
  }
  if (runStart < n) parts.push(s.substring(runStart, n));
  return joinStrings(parts, "");
}

/**
 * percentEncodeValue encodes every UTF-8 byte outside `A–Z a–z 0–9 - . _ ~` as %XX (upper-case
 * hex); a space is %20. Used for every authrep/system value and metric name.
 */
export function percentEncodeValue(s: string): string {
  return encodeWith(s, true);
}

/** percentEncodeNonVisible encodes every character outside `!`..`~` as UTF-8 %XX. */
export function percentEncodeNonVisible(s: string): string {
  return encodeWith(s, false);
}

// @ts-ignore: decorator
@inline function hexValue(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>(c - 48);
  if (c >= 65 && c <= 70) return <i32>(c - 55);
  if (c >= 97 && c <= 102) return <i32>(c - 87);
  return -1;
}

/**
 * formDecode decodes one application/x-www-form-urlencoded component of `s[start, end)`: `+` is a
 * space, `%XX` a byte (an invalid `%` sequence stays literal), and decoded bytes that are not
 * UTF-8 become U+FFFD.
 */
export function formDecode(s: string, start: i32, end: i32): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c == 43 || c == 37) { plain = false; break; }
  }
  if (plain) return s.substring(start, end);
  // A UTF-16 unit becomes at most 3 bytes (a surrogate pair 4 bytes for 2 units).
  const cap = (end - start) * 3;
  const buf = new ArrayBuffer(cap);
  const base = changetype<usize>(buf);
  let w: i32 = 0;
  let i = start;
  while (i < end) {
    const c = <u32>s.charCodeAt(i);
    if (c == 43) { store<u8>(base + <usize>(w++), 0x20); i++; continue; }
    if (c == 37 && i + 2 < end) {
      const h = hexValue(<u32>s.charCodeAt(i + 1));
      const l = hexValue(<u32>s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        store<u8>(base + <usize>(w++), <u8>((h << 4) | l));
        i += 3;
        continue;
      }
    }
    if (c < 0x80) { store<u8>(base + <usize>(w++), <u8>c); i++; continue; }
    let cp = c;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = <u32>s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); width = 2; }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x800) {
      store<u8>(base + <usize>(w++), <u8>(0xc0 | (cp >> 6)));
      store<u8>(base + <usize>(w++), <u8>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      store<u8>(base + <usize>(w++), <u8>(0xe0 | (cp >> 12)));
      store<u8>(base + <usize>(w++), <u8>(0x80 | ((cp >> 6) & 0x3f)));
      store<u8>(base + <usize>(w++), <u8>(0x80 | (cp & 0x3f)));
    } else {
      store<u8>(base + <usize>(w++), <u8>(0xf0 | (cp >> 18)));
      store<u8>(base + <usize>(w++), <u8>(0x80 | ((cp >> 12) & 0x3f)));
      store<u8>(base + <usize>(w++), <u8>(0x80 | ((cp >> 6) & 0x3f)));
      store<u8>(base + <usize>(w++), <u8>(0x80 | (cp & 0x3f)));
    }
    i += width;
  }
  return decodeUtf8Lossy(base, w);
}
