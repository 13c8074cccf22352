// ASCII helpers for header names, methods and authorities. HTTP names are compared
// ASCII-case-insensitively; nothing here allocates unless a change is needed.

/** toLowerAscii returns `s` itself when it has no upper-case ASCII letter (no allocation). */
export function toLowerAscii(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) break;
    i++;
  }
  if (i == n) return s;
  return s.toLowerCase();
}

/** toUpperAscii returns `s` itself when it has no lower-case ASCII letter. */
export function toUpperAscii(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) break;
    i++;
  }
  if (i == n) return s;
  return s.toUpperCase();
}

/** equalsIgnoreCaseAscii compares two strings, folding only ASCII letters. */
export function equalsIgnoreCaseAscii(a: string, b: string): bool {
  const n = a.length;
  if (n != b.length) return false;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x == y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x != y) return false;
  }
  return true;
}
