// ASCII-only case mapping for protocol tokens (hosts, schemes, header names, methods, enumerated
// option names). They are compared ASCII-case-insensitively (docs/behaviour.md): Unicode case rules
// ("ß" → "SS", "K" (Kelvin) → "k") must not apply. Nothing here allocates unless a change is needed.
import { newString } from "./utf8";

/** asciiLower lower-cases A-Z only; returns `s` itself when it has none. */
export function asciiLower(s: string): string {
  return shiftRange(s, 65, 90, 32);
}

/** asciiUpper upper-cases a-z only; returns `s` itself when it has none. */
export function asciiUpper(s: string): string {
  return shiftRange(s, 97, 122, -32);
}

/** hasAsciiUpper: true when `s` contains A-Z. */
export function hasAsciiUpper(s: string): bool {
  for (let i = 0, n = s.length; i < n; i++) {
    if (isUpper(s.charCodeAt(i))) return true;
  }
  return false;
}

/** equalsIgnoreCaseAscii compares two strings, folding only ASCII letters. */
export function equalsIgnoreCaseAscii(a: string, b: string): bool {
  const n = a.length;
  if (n != b.length) return false;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x == y) continue;
    if (isUpper(x)) x += 32;
    if (isUpper(y)) y += 32;
    if (x != y) return false;
  }
  return true;
}

/** shiftRange adds `delta` to every code unit in lo..hi, copying `s` once at most. */
function shiftRange(s: string, lo: i32, hi: i32, delta: i32): string {
  const n = s.length;
  let first = 0;
  while (first < n) {
    const c = s.charCodeAt(first);
    if (c >= lo && c <= hi) break;
    first++;
  }
  if (first == n) return s;
  const out = newString(n);
  const src = changetype<usize>(s);
  const dst = changetype<usize>(out);
  memory.copy(dst, src, <usize>first << 1);
  for (let i = first; i < n; i++) {
    const at = <usize>i << 1;
    const c = <i32>load<u16>(src + at);
    store<u16>(dst + at, <u16>(c >= lo && c <= hi ? c + delta : c));
  }
  return out;
}

// @ts-ignore: decorator
@inline
function isUpper(c: i32): bool {
  return c >= 65 && c <= 90;
}
