// String ops (docs/operations.md): they work on the top value t. Checks push t back unchanged,
// so they return the stack as it is.
import { GlobSet } from "../util/glob";
import { newString, scalarCount } from "../util/utf8";
import { chargeChars, MAX_STACK, MAX_VALUE_LENGTH, Op, Run, topOf, UNITS_PER_ALLOCATION } from "./core";

/** strlen: min ≤ len(t) ≤ max, in characters (utf8) or UTF-8 bytes. Bounds are -1 when absent. */
@final
export class StrlenOp extends Op {
  constructor(public min: i64, public max: i64, public bytes: bool) {
    super("strlen");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = topOf(stack);
    if (this.min < 0 && this.max < 0) return stack;
    if (!chargeChars(run, t.length)) return null;
    const len: i64 = this.bytes ? <i64>String.UTF8.byteLength(t) : <i64>scalarCount(t);
    if (this.min >= 0 && len < this.min) return null;
    if (this.max >= 0 && len > this.max) return null;
    return stack;
  }
}

/** strrev: t with its characters reversed (a surrogate pair stays one character). */
@final
export class StrrevOp extends Op {
  constructor() {
    super("strrev");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = topOf(stack);
    const n = t.length;
    if (n < 2) return stack;
    if (!chargeChars(run, n)) return null;
    const out = newString(n);
    const src = changetype<usize>(t);
    const dst = changetype<usize>(out);
    let i = 0;
    while (i < n) {
      const c = load<u16>(src + (<usize>i << 1));
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = load<u16>(src + (<usize>(i + 1) << 1));
        if (d >= 0xdc00 && d <= 0xdfff) {
          // The pair lands at n-i-2, n-i-1 in its original order.
          store<u16>(dst + (<usize>(n - i - 2) << 1), c);
          store<u16>(dst + (<usize>(n - i - 1) << 1), d);
          i += 2;
          continue;
        }
      }
      store<u16>(dst + (<usize>(n - i - 1) << 1), c);
      i++;
    }
    unchecked((stack[stack.length - 1] = out));
    return stack;
  }
}

/** nextBoundary: the index after the character starting at i (a surrogate pair is one character). */
// @ts-ignore: decorator
@inline
function nextBoundary(s: string, i: i32, n: i32): i32 {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return i + 2;
  }
  return i + 1;
}

/** prevBoundary: the index where the character ending at i starts. */
// @ts-ignore: decorator
@inline
function prevBoundary(s: string, i: i32): i32 {
  const d = s.charCodeAt(i - 1);
  if (d >= 0xdc00 && d <= 0xdfff && i >= 2) {
    const c = s.charCodeAt(i - 2);
    if (c >= 0xd800 && c <= 0xdbff) return i - 2;
  }
  return i - 1;
}

/**
 * split / rsplit: pop t, push its pieces. `max` is the maximum number of pieces (0 = no limit);
 * the last piece keeps the unsplit remainder. An empty separator matches at every character
 * boundary, both ends included. rsplit works from the right and pushes the right-most piece first.
 */
@final
export class SplitOp extends Op {
  constructor(name: string, public separator: string, public max: u32, public fromRight: bool) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = stack.pop();
    if (!chargeChars(run, t.length)) return null;
    const before = stack.length;
    const ok = this.fromRight ? this.splitRight(t, stack) : this.splitLeft(t, stack);
    if (!ok) {
      run.abort();
      return null;
    }
    // Each piece is an allocation, far dearer than scanning a character: splitting a 64 KiB value
    // into characters must not be nearly free for the budget.
    if (!run.charge(<i64>(stack.length - before) * UNITS_PER_ALLOCATION)) return null;
    return stack;
  }

  /** splitLeft pushes the pieces onto `out`; false when the stack would exceed MAX_STACK. */
  private splitLeft(t: string, out: Array<string>): bool {
    const sep = this.separator;
    const sl = sep.length;
    const n = t.length;
    const limit: u32 = this.max;
    let emitted: u32 = 0;
    let start = 0;
    if (sl == 0) {
      // Matches at 0, after each character, and at n: "", each character, "".
      let m = 0;
      while (limit == 0 || emitted + 1 < limit) {
        if (out.length >= MAX_STACK) return false;
        out.push(t.substring(start, m));
        emitted++;
        start = m;
        if (m >= n) break;
        m = nextBoundary(t, m, n);
      }
    } else {
      while (limit == 0 || emitted + 1 < limit) {
        const at = t.indexOf(sep, start);
        if (at < 0) break;
        if (out.length >= MAX_STACK) return false;
        out.push(t.substring(start, at));
        emitted++;
        start = at + sl;
      }
    }
    out.push(start == 0 ? t : t.substring(start));
    return out.length <= MAX_STACK;
  }

  /** splitRight: the same from the right; the right-most piece is pushed first. */
  private splitRight(t: string, out: Array<string>): bool {
    const sep = this.separator;
    const sl = sep.length;
    const n = t.length;
    const limit: u32 = this.max;
    let emitted: u32 = 0;
    let end = n;
    if (sl == 0) {
      let m = n;
      while (limit == 0 || emitted + 1 < limit) {
        if (out.length >= MAX_STACK) return false;
        out.push(t.substring(m, end));
        emitted++;
        end = m;
        if (m <= 0) break;
        m = prevBoundary(t, m);
      }
    } else {
      while (limit == 0 || emitted + 1 < limit) {
        if (end < sl) break;
        const at = t.lastIndexOf(sep, end - sl);
        if (at < 0) break;
        if (out.length >= MAX_STACK) return false;
        out.push(t.substring(at + sl, end));
        emitted++;
        end = at;
      }
    }
    out.push(end == n ? t : t.substring(0, end));
    return out.length <= MAX_STACK;
  }
}

/** replace: the first `max` (0 = all) non-overlapping occurrences of `pattern`, left to right. */
@final
export class ReplaceOp extends Op {
  constructor(public pattern: string, public with_: string, public max: u32) {
    super("replace");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = topOf(stack);
    const n = t.length;
    if (!chargeChars(run, n)) return null;
    const pat = this.pattern;
    const pl = pat.length;
    const w = this.with_;
    const limit = this.max;
    // First count the replacements so the result size is known (and bounded) before building it.
    let count: u32 = 0;
    if (pl == 0) {
      // Insertion points: every character boundary, both ends included.
      count = <u32>scalarCount(t) + 1;
      if (limit != 0 && count > limit) count = limit;
    } else {
      let pos = 0;
      while (limit == 0 || count < limit) {
        const at = t.indexOf(pat, pos);
        if (at < 0) break;
        count++;
        pos = at + pl;
      }
    }
    if (count == 0) return stack;
    const outLen = <i64>n + <i64>count * (<i64>w.length - <i64>pl);
    if (outLen > <i64>MAX_VALUE_LENGTH) {
      run.abort();
      return null;
    }
    if (!chargeChars(run, <i32>outLen)) return null;
    // Build the result in place: its length is known, so one allocation and plain copies.
    const out = newString(<i32>outLen);
    const dst = changetype<usize>(out);
    const src = changetype<usize>(t);
    const wp = changetype<usize>(w);
    const wBytes = <usize>w.length << 1;
    let o: usize = 0; // output offset in bytes
    let pos = 0; // input position in code units
    let done: u32 = 0;
    while (done < count) {
      let at: i32;
      if (pl == 0) at = pos;
      else {
        at = t.indexOf(pat, pos);
        if (at < 0) break;
      }
      const seg = <usize>(at - pos) << 1;
      memory.copy(dst + o, src + (<usize>pos << 1), seg);
      o += seg;
      memory.copy(dst + o, wp, wBytes);
      o += wBytes;
      done++;
      if (pl == 0) {
        if (at >= n) { pos = n; break; }
        // Copy the character after the insertion point (a surrogate pair stays whole).
        const next = nextBoundary(t, at, n);
        const cb = <usize>(next - at) << 1;
        memory.copy(dst + o, src + (<usize>at << 1), cb);
        o += cb;
        pos = next;
      } else {
        pos = at + pl;
      }
    }
    memory.copy(dst + o, src + (<usize>pos << 1), <usize>(n - pos) << 1);
    unchecked((stack[stack.length - 1] = out));
    return stack;
  }
}

/** The three substring checks: prefix, suffix, substr. */
export const AFFIX_PREFIX: i32 = 0;
export const AFFIX_SUFFIX: i32 = 1;
export const AFFIX_CONTAINS: i32 = 2;

@final
export class AffixOp extends Op {
  constructor(name: string, public which: i32, public text: string) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = topOf(stack);
    if (!chargeChars(run, t.length)) return null;
    const w = this.which;
    const ok = w == AFFIX_PREFIX ? t.startsWith(this.text) : w == AFFIX_SUFFIX ? t.endsWith(this.text) : t.includes(this.text);
    return ok ? stack : null;
  }
}

/** glob: t matches any of the patterns; an empty list never matches. */
@final
export class GlobOp extends Op {
  /**
   * Cost weight of the patterns: matching costs about |t| × tokens steps. Patterns over 63
   * tokens leave the bit-parallel matcher (util/glob.ts) and cost several times more per step.
   */
  private tokens: i64 = 0;

  constructor(public set: GlobSet) {
    super("glob");
    const globs = set.globs;
    for (let i = 0, n = globs.length; i < n; i++) {
      const tk = <i64>unchecked(globs[i]).tokens.length;
      this.tokens += tk > 63 ? tk * 4 : tk + 1;
    }
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = topOf(stack);
    if (!run.charge((<i64>t.length * this.tokens) >> 3)) return null;
    return this.set.matches(t) ? stack : null;
  }
}
