// Secret masking (docs/behaviour.md): "***" followed by the last 4 characters, or "***" alone for
// values of at most 4 characters. Masked values may appear only in debug lines.

export function mask(secret: string): string {
  const n = secret.length;
  if (n <= 4) return "***";
  // Do not split a surrogate pair: count the last 4 characters as code points.
  let start = n;
  let count = 0;
  while (start > 0 && count < 4) {
    start--;
    const c = secret.charCodeAt(start);
    if (c >= 0xdc00 && c <= 0xdfff && start > 0) {
      const h = secret.charCodeAt(start - 1);
      if (h >= 0xd800 && h <= 0xdbff) start--;
    }
    count++;
  }
  return start == 0 ? "***" : "***" + secret.substring(start);
}
