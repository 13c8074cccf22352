// Diagnostics collects every problem found while compiling a configuration, each with its JSON
// path (configuration.md §2), so one rejected configuration reports all its problems at once.

/** Diagnostics: errors make the configuration invalid; warnings are logged and accepted. */
export class Diagnostics {
  errors: Array<string> = [];
  warnings: Array<string> = [];

  error(path: string, reason: string): void {
    this.errors.push(displayPath(path) + ": " + reason);
  }

  warn(path: string, reason: string): void {
    this.warnings.push(displayPath(path) + ": " + reason);
  }

  get ok(): bool {
    return this.errors.length == 0;
  }
}

function displayPath(path: string): string {
  return path.length == 0 ? "(root)" : path;
}

/** memberPath appends an object member: `a` + `b` → `a.b`; a name that is not an identifier is written `["name"]`. */
export function memberPath(base: string, name: string): string {
  if (isIdentifier(name)) return base.length == 0 ? name : base + "." + name;
  return base + "[" + jsonQuote(name) + "]";
}

/** indexPath appends an array index: `a` + 2 → `a[2]`. */
export function indexPath(base: string, index: i32): string {
  return base + "[" + index.toString() + "]";
}

function isIdentifier(name: string): bool {
  const n = name.length;
  if (n == 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
    const digit = c >= 48 && c <= 57;
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

/** jsonQuote writes `s` as a JSON string literal (used in paths and diagnostics). */
export function jsonQuote(s: string): string {
  let out = "\"";
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c == 34) out += "\\\"";
    else if (c == 92) out += "\\\\";
    else if (c == 10) out += "\\n";
    else if (c == 13) out += "\\r";
    else if (c == 9) out += "\\t";
    else if (c < 32) {
      const hex = c.toString(16);
      out += "\\u" + "0000".substring(hex.length) + hex;
    } else out += String.fromCharCode(c);
  }
  return out + "\"";
}
