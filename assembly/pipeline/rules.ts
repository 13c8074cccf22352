// Mapping-rule patterns (behaviour.md §5): compiled once, matched per request without regexes.
// OWNER: pipeline (issue 5). Keep the public API below.

/** PathPattern is a compiled 3scale pattern (path part + optional query part). */
@final
export class PathPattern {
  source: string = "";
}

/** PatternCompileResult: `pattern` on success, else `error` (e.g. "unterminated placeholder"). */
export class PatternCompileResult {
  pattern: PathPattern | null = null;
  error: string = "";
  /** True when the pattern does not start with "/" (a warning: it never matches). */
  neverMatches: bool = false;
}

export function compilePattern(source: string): PatternCompileResult {
  const r = new PatternCompileResult();
  const p = new PathPattern();
  p.source = source;
  r.pattern = p;
  return r;
}
