// What 3scale says when it refuses a report synchronously: an XML body such as
// `<error code="provider_key_invalid">…</error>`. Only the code is taken (it names no credential),
// and only when it is a plain identifier: the body is untrusted and may be anything.

const CODE_ATTR = "code=\"";
const MAX_CODE_LENGTH: i32 = 64;

/** errorCodeOf returns the first `code="…"` value of `body` ([a-z0-9_], at most 64), or null. */
export function errorCodeOf(body: ArrayBuffer): string | null {
  const base = changetype<usize>(body);
  const len = body.byteLength;
  const attr = CODE_ATTR.length;
  for (let i = 0; i + attr <= len; i++) {
    let match = true;
    for (let j = 0; j < attr; j++) {
      if (<i32>load<u8>(base + <usize>(i + j)) != CODE_ATTR.charCodeAt(j)) { match = false; break; }
    }
    if (!match) continue;
    const start = i + attr;
    let end = start;
    while (end < len && end - start <= MAX_CODE_LENGTH) {
      const c = <i32>load<u8>(base + <usize>end);
      if (c == 34 /* " */) break;
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95)) return null;
      end++;
    }
    if (end >= len || end == start || end - start > MAX_CODE_LENGTH) return null;
    return String.UTF8.decodeUnsafe(base + <usize>start, <usize>(end - start));
  }
  return null;
}
