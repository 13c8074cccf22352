// ASCII-only case mapping for protocol tokens (hosts, header names, methods). Unicode case rules
// (e.g. "ß" → "SS") must not apply to them.

/** asciiLower lower-cases ASCII letters only; returns `s` itself when nothing changes. */
export function asciiLower(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n && !isUpper(s.charCodeAt(i))) i++;
  if (i == n) return s;
  const out = new Uint16Array(n);
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    out[k] = <u16>(isUpper(c) ? c + 32 : c);
  }
  return String.UTF16.decodeUnsafe(out.dataStart, <usize>n << 1);
}

/** asciiUpper upper-cases ASCII letters only; returns `s` itself when nothing changes. */
export function asciiUpper(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n && !isLower(s.charCodeAt(i))) i++;
  if (i == n) return s;
  const out = new Uint16Array(n);
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    out[k] = <u16>(isLower(c) ? c - 32 : c);
  }
  return String.UTF16.decodeUnsafe(out.dataStart, <usize>n << 1);
}

/** hasAsciiUpper: true when `s` contains A-Z. */
export function hasAsciiUpper(s: string): bool {
  for (let i = 0, n = s.length; i < n; i++) {
    if (isUpper(s.charCodeAt(i))) return true;
  }
  return false;
}

@inline function isUpper(c: i32): bool {
  return c >= 65 && c <= 90;
}

@inline function isLower(c: i32): bool {
  return c >= 97 && c <= 122;
}
