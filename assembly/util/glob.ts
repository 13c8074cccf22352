// Glob patterns (operations.md §4): `*` 0+ chars, `+` 1+ chars, `?` 0 or 1 char, backslash
// escapes; wildcards never consume "\n". Compiled once at configure time.
// OWNER: ops (issue 4). Keep the public API below.

/** Glob is one compiled pattern. */
@final
export class Glob {
  source: string = "";
  matches(input: string): bool {
    return false; // not implemented
  }
}

/** GlobSet matches when any of its patterns matches; an empty set matches nothing. */
@final
export class GlobSet {
  globs: Array<Glob> = [];
  matches(input: string): bool {
    for (let i = 0, n = this.globs.length; i < n; i++) {
      if (unchecked(this.globs[i]).matches(input)) return true;
    }
    return false;
  }
}

/** compileGlob never fails: every pattern string is a valid glob. */
export function compileGlob(pattern: string): Glob {
  const g = new Glob();
  g.source = pattern;
  return g;
}

export function compileGlobSet(patterns: Array<string>): GlobSet {
  const set = new GlobSet();
  for (let i = 0, n = patterns.length; i < n; i++) set.globs.push(compileGlob(unchecked(patterns[i])));
  return set;
}
