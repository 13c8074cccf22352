// Mapping-rule pieces shared by the static configuration (compile.ts) and porta answers
// (porta.ts): the method (upper-cased, ANY, HTTP-token check) and the pattern (compiled by
// pipeline/rules.ts, whose result is only read here).
import { asciiUpper } from "../util/ascii";
import { compilePattern, PathPattern } from "../pipeline/rules";

/** CompiledMethod: the upper-cased method, whether it is ANY, and whether it is an HTTP token. */
export class CompiledMethod {
  method: string = "";
  any: bool = false;
  isToken: bool = true;
}

export function compileMethod(method: string): CompiledMethod {
  const m = new CompiledMethod();
  m.method = asciiUpper(method);
  m.any = m.method == "ANY";
  m.isToken = isHttpToken(method);
  return m;
}

/** isHttpToken: RFC 9110 token (letters, digits, !#$%&'*+-.^_`|~), non-empty. */
export function isHttpToken(s: string): bool {
  const n = s.length;
  if (n == 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
    // ! # $ % & ' * + - . ^ _ ` | ~
    if (c == 33 || (c >= 35 && c <= 39) || c == 42 || c == 43 || c == 45 || c == 46 || c == 94 || c == 95 || c == 96 || c == 124 || c == 126) continue;
    return false;
  }
  return true;
}

/** RulePattern: the compiled pattern, or null with `error` (the `<why>` of `invalid pattern: <why>`). */
export class RulePattern {
  pattern: PathPattern | null = null;
  error: string = "";
  neverMatches: bool = false;
}

export function compileRulePattern(source: string): RulePattern {
  const r = new RulePattern();
  const compiled = compilePattern(source);
  if (compiled.error.length > 0 || compiled.pattern == null) {
    r.error = compiled.error.length > 0 ? compiled.error : "cannot be compiled";
    return r;
  }
  r.pattern = compiled.pattern;
  r.neverMatches = compiled.neverMatches;
  return r;
}
