// Glob patterns (docs/operations.md): `*` 0+ chars, `+` 1+ chars, `?` 0 or 1 char, backslash
// escapes (`\x` is always the literal x; a trailing lone `\` is a literal backslash, G7);
// wildcards never consume "\n". Characters are Unicode scalar values. Matching is whole-string.
//
// A pattern compiles once, at configure time, to a token list. Matching simulates the token
// list as an NFA over the input, one input character at a time, so the cost is
// O(|input| × |tokens|) whatever the pattern: no backtracking, no exponential blow-up. Up to 63
// tokens the state set is one u64 (bit-parallel), so a step costs a few word operations.

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
  // Up to 63 tokens, the states fit one u64 and a step is a few word operations (bit-parallel
  // NFA). Bit j set = the first j tokens are matched.
  private wide: bool = false;
  private starMask: u64 = 0; // `*` tokens: stay on any character but "\n"
  private anyMask: u64 = 0; // one-character wildcards (`+`'s first half, `?`): advance on any character but "\n"
  private epsMask: u64 = 0; // `*` and `?`: may be skipped without input
  private litChars: StaticArray<i32> = new StaticArray<i32>(0); // distinct literal code points…
  private litMasks: StaticArray<u64> = new StaticArray<u64>(0); // …and the tokens equal to each
  // Longer patterns: byte-per-state sets, allocated once per pattern (matching never re-enters).
  private cur: StaticArray<u8> = new StaticArray<u8>(0);
  private next: StaticArray<u8> = new StaticArray<u8>(0);

  matches(input: string): bool {
    if (this.literal) return input == this.literalText;
    if (this.matchAll) return input.indexOf("\n") < 0;
    return this.wide ? this.simulate(input) : this.simulateBits(input);
  }

  /** init prepares the matcher once the tokens are known. */
  init(): void {
    const tokens = this.tokens;
    const m = tokens.length;
    if (m > 63) {
      this.wide = true;
      this.cur = new StaticArray<u8>(m + 1);
      this.next = new StaticArray<u8>(m + 1);
      return;
    }
    const chars = new Array<i32>();
    const masks = new Array<u64>();
    for (let j = 0; j < m; j++) {
      const t = unchecked(tokens[j]);
      const bit = (<u64>1) << <u64>j;
      if (t == TOK_STAR) {
        this.starMask |= bit;
        this.epsMask |= bit;
      } else if (t == TOK_OPT) {
        this.anyMask |= bit;
        this.epsMask |= bit;
      } else if (t == TOK_ANY) {
        this.anyMask |= bit;
      } else {
        const k = chars.indexOf(t);
        if (k >= 0) unchecked((masks[k] = masks[k] | bit));
        else {
          chars.push(t);
          masks.push(bit);
        }
      }
    }
    const n = chars.length;
    const lc = new StaticArray<i32>(n);
    const lm = new StaticArray<u64>(n);
    for (let k = 0; k < n; k++) {
      unchecked((lc[k] = chars[k]));
      unchecked((lm[k] = masks[k]));
    }
    this.litChars = lc;
    this.litMasks = lm;
  }

  /** closureBits adds the states reachable by skipping `*`/`?` tokens. */
  // @ts-ignore: decorator
  @inline
  private closureBits(set: u64): u64 {
    const eps = this.epsMask;
    let s = set;
    while (true) {
      const n = s | ((s & eps) << 1);
      if (n == s) return s;
      s = n;
    }
    return s;
  }

  private simulateBits(input: string): bool {
    const accept = (<u64>1) << <u64>this.tokens.length;
    const star = this.starMask;
    const any = this.anyMask;
    const chars = this.litChars;
    const masks = this.litMasks;
    const nl = chars.length;
    let s = this.closureBits(1);
    const n = input.length;
    let i = 0;
    while (i < n) {
      const c = readScalar(input, i);
      i += c > 0xffff ? 2 : 1;
      let lit: u64 = 0;
      for (let k = 0; k < nl; k++) {
        if (unchecked(chars[k]) == c) {
          lit = unchecked(masks[k]);
          break;
        }
      }
      let next = (s & lit) << 1;
      if (c != NEWLINE) next |= (s & star) | ((s & any) << 1);
      if (next == 0) return false;
      s = this.closureBits(next);
    }
    return (s & accept) != 0;
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
      const c = readScalar(input, i);
      i += c > 0xffff ? 2 : 1;
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
// @ts-ignore: decorator
@inline
function readScalar(s: string, i: i32): i32 {
  const c = <i32>s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = <i32>s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return c;
}

