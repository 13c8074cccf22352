// Diagnostics collects every problem found while compiling a configuration, each with its JSON
// path (docs/configuration.md), so one rejected configuration reports all its problems at once.
import { jsonQuote } from "../util/strings";

// jsonQuote lives in util/strings (one linear quoter for the whole module); it stays exported
// here because diagnostics' published contract includes it.
export { jsonQuote };

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
