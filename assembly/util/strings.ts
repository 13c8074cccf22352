// Linear-time string building. With `--shrinkLevel >= 1` AssemblyScript's `Array<string>#join`
// falls back to concatenating pair by pair, which is quadratic (64 KiB of pieces took seconds),
// and growing a result one character at a time is quadratic too. Both helpers here measure
// first, allocate once and copy, whatever the compiler flags. Use them instead of the std join.
import { newString } from "./utf8";

/** joinStrings joins `parts` with `sep` in linear time (same result as the std join). */
export function joinStrings(parts: Array<string>, sep: string): string {
  const n = parts.length;
  if (n == 0) return "";
  if (n == 1) return unchecked(parts[0]);
  const sepUnits = sep.length;
  let total: i64 = <i64>sepUnits * <i64>(n - 1);
  for (let i = 0; i < n; i++) total += unchecked(parts[i]).length;
  if (total == 0) return "";
  const out = newString(<i32>total);
  let dst = changetype<usize>(out);
  const sepPtr = changetype<usize>(sep);
  const sepBytes = <usize>sepUnits << 1;
  for (let i = 0; i < n; i++) {
    const p = unchecked(parts[i]);
    const bytes = <usize>p.length << 1;
    memory.copy(dst, changetype<usize>(p), bytes);
    dst += bytes;
    if (sepBytes != 0 && i + 1 < n) {
      memory.copy(dst, sepPtr, sepBytes);
      dst += sepBytes;
    }
  }
  return out;
}

/**
 * jsonQuote writes `s` as a JSON string literal in linear time: `"` and `\` are escaped, \n \r \t
 * get their short escapes, other controls below U+0020 become `\u00xx` (lower-case hex), and
 * everything else (including lone surrogates) is copied as is.
 */
export function jsonQuote(s: string): string {
  const n = s.length;
  let extra = 2;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c == 34 || c == 92 || c == 10 || c == 13 || c == 9) extra += 1;
    else if (c < 32) extra += 5;
  }
  const out = newString(n + extra);
  const dst = changetype<usize>(out);
  let o: usize = 0;
  store<u16>(dst, 34);
  o += 2;
  for (let i = 0; i < n; i++) {
    const c = <u16>s.charCodeAt(i);
    if (c == 34 || c == 92) {
      store<u16>(dst + o, 92);
      store<u16>(dst + o + 2, c);
      o += 4;
    } else if (c == 10 || c == 13 || c == 9) {
      store<u16>(dst + o, 92);
      store<u16>(dst + o + 2, c == 10 ? 110 : c == 13 ? 114 : 116);
      o += 4;
    } else if (c < 32) {
      store<u16>(dst + o, 92);
      store<u16>(dst + o + 2, 117); // u
      store<u16>(dst + o + 4, 48);
      store<u16>(dst + o + 6, 48);
      store<u16>(dst + o + 8, hexDigit(c >> 4));
      store<u16>(dst + o + 10, hexDigit(c & 15));
      o += 12;
    } else {
      store<u16>(dst + o, c);
      o += 2;
    }
  }
  store<u16>(dst + o, 34);
  return out;
}

// @ts-ignore: decorator
@inline
function hexDigit(v: u16): u16 {
  return v < 10 ? 48 + v : 87 + v;
}
