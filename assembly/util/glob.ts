// Glob patterns (operations.md §4): `*` 0+ chars, `+` 1+ chars, `?` 0 or 1 char, backslash
// escapes (`\x` is always the literal x; a trailing lone `\` is a literal backslash, G7);
// wildcards never consume "\n". Characters are Unicode scalar values. Matching is whole-string.
//
// A pattern compiles once, at configure time, to a token list. Matching simulates the token
// list as an NFA over the input, one input character at a time, so the cost is
// O(|input| × |tokens|) whatever the pattern: no backtracking, no exponential blow-up.

const TOK_STAR: i32 = -1; // 0 or more characters other than "\n"
const TOK_ANY: i32 = -2; // exactly one character other than "\n"
const TOK_OPT: i32 = -3; // 0 or 1 character other than "\n"
const NEWLINE: i32 = 10;

/** Glob is one compiled pattern. */
@final
export class Glob {
  source: string = "";
  /** Tokens: a code point (≥ 0) or one of the TOK_* wildcards. */
  tokens: StaticArray<i32> = new StaticArray<i32>(0);
  /** literal: the pattern has no wildcard, so matching is string equality with `literalText`. */
  literal: bool = true;
  literalText: string = "";
  /** matchAll: the pattern is a lone `*` (any input without "\n"). */
  matchAll: bool = false;
  // NFA state sets, allocated once per pattern (matching never re-enters).
  private cur: StaticArray<u8> = new StaticArray<u8>(0);
  private next: StaticArray<u8> = new StaticArray<u8>(0);

  matches(input: string): bool {
    if (this.literal) return input == this.literalText;
    if (this.matchAll) return input.indexOf("\n") < 0;
    return this.simulate(input);
  }

  /** init prepares the state sets once the tokens are known. */
  init(): void {
    const m = this.tokens.length;
    this.cur = new StaticArray<u8>(m + 1);
    this.next = new StaticArray<u8>(m + 1);
  }

  private simulate(input: string): bool {
    const tokens = this.tokens;
    const m = tokens.length;
    let cur = this.cur;
    let next = this.next;
    for (let j = 0; j <= m; j++) unchecked((cur[j] = 0));
    unchecked((cur[0] = 1));
    closure(tokens, cur, m);
    const n = input.length;
    let i = 0;
    while (i < n) {
      let c = <i32>input.charCodeAt(i);
      i++;
      if (c >= 0xd800 && c <= 0xdbff && i < n) {
        const d = <i32>input.charCodeAt(i);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      for (let j = 0; j <= m; j++) unchecked((next[j] = 0));
      let alive = false;
      for (let j = 0; j < m; j++) {
        if (unchecked(cur[j]) == 0) continue;
        const t = unchecked(tokens[j]);
        if (t == TOK_STAR) {
          if (c != NEWLINE) { unchecked((next[j] = 1)); alive = true; }
        } else if (t == TOK_ANY || t == TOK_OPT) {
          if (c != NEWLINE) { unchecked((next[j + 1] = 1)); alive = true; }
        } else if (t == c) {
          unchecked((next[j + 1] = 1));
          alive = true;
        }
      }
      if (!alive) return false;
      closure(tokens, next, m);
      const tmp = cur;
      cur = next;
      next = tmp;
    }
    return unchecked(cur[m]) != 0;
  }
}

/** closure adds the states reachable without input: past a `*` or a `?`. */
// @ts-ignore: decorator
@inline
function closure(tokens: StaticArray<i32>, set: StaticArray<u8>, m: i32): void {
  for (let j = 0; j < m; j++) {
    if (unchecked(set[j]) != 0) {
      const t = unchecked(tokens[j]);
      if (t == TOK_STAR || t == TOK_OPT) unchecked((set[j + 1] = 1));
    }
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
  const toks = new Array<i32>();
  let literal = true;
  const n = pattern.length;
  let i = 0;
  while (i < n) {
    let c = readScalar(pattern, i);
    i += c >= 0x10000 ? 2 : 1;
    if (c == 92 /* \ */) {
      if (i < n) {
        c = readScalar(pattern, i);
        i += c >= 0x10000 ? 2 : 1;
      }
      toks.push(c); // the escaped character, or the trailing lone backslash itself
      continue;
    }
    if (c == 42 /* * */) {
      literal = false;
      // `**`, `?*` and `*?` all mean `*`: collapse them so that runs of wildcards cost one state.
      const last = toks.length > 0 ? unchecked(toks[toks.length - 1]) : 0;
      if (last == TOK_STAR) continue;
      if (last == TOK_OPT) { unchecked((toks[toks.length - 1] = TOK_STAR)); continue; }
      toks.push(TOK_STAR);
    } else if (c == 43 /* + */) {
      literal = false;
      toks.push(TOK_ANY);
      toks.push(TOK_STAR);
    } else if (c == 63 /* ? */) {
      literal = false;
      const last = toks.length > 0 ? unchecked(toks[toks.length - 1]) : 0;
      if (last == TOK_STAR) continue;
      toks.push(TOK_OPT);
    } else {
      toks.push(c);
    }
  }
  const m = toks.length;
  const arr = new StaticArray<i32>(m);
  for (let j = 0; j < m; j++) unchecked((arr[j] = toks[j]));
  g.tokens = arr;
  g.literal = literal;
  if (literal) {
    let text = "";
    for (let j = 0; j < m; j++) text += String.fromCodePoint(unchecked(arr[j]));
    g.literalText = text;
  } else {
    g.matchAll = m == 1 && unchecked(arr[0]) == TOK_STAR;
    g.init();
  }
  return g;
}

export function compileGlobSet(patterns: Array<string>): GlobSet {
  const set = new GlobSet();
  for (let i = 0, n = patterns.length; i < n; i++) set.globs.push(compileGlob(unchecked(patterns[i])));
  return set;
}

/** readScalar returns the code point at `i` (a surrogate pair combined; a lone surrogate as is). */
function readScalar(s: string, i: i32): i32 {
  const c = <i32>s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = <i32>s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return c;
}
