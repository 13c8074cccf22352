// Mapping-rule patterns (docs/behaviour.md): compiled once at configure time into element
// lists, matched per request without a regex engine. Matching backtracks like a regex, but within
// a step budget; past it, a dynamic-programming pass decides in O(elements × length), so no
// pattern/path pair can blow up.

export const enum ElementKind { Literal = 0, Placeholder = 1, Wildcard = 2 }

/** PatternElement is literal text, a `{name}` placeholder (1+ class chars) or a `*` wildcard (0+). */
@final
export class PatternElement {
  constructor(public kind: ElementKind, public text: string) {}
}

// The element list of a pattern not compiled yet: shared and never modified (compilePattern
// assigns every pattern its own list), so a placeholder pattern allocates no list.
const NO_ELEMENTS = new Array<PatternElement>(0);

/** PathPattern is a compiled 3scale pattern (path part + optional query part). */
@final
export class PathPattern {
  source: string = "";
  /** Elements of the path part (PP), after collapsing runs of "/". */
  path: Array<PatternElement> = NO_ELEMENTS;
  /** True when PP ended with an unescaped `$`: P must end where PP ends. */
  anchored: bool = false;
  /** Query part items (PQ), empty items dropped; null when the pattern has no `?`. */
  query: Array<Array<PatternElement>> | null = null;
}

/** PatternCompileResult: `pattern` on success, else `error` (e.g. "unterminated placeholder"). */
export class PatternCompileResult {
  pattern: PathPattern | null = null;
  error: string = "";
  /** True when the pattern does not start with "/" (a warning: it never matches). */
  neverMatches: bool = false;
}

let COMPILE_ERROR: string = "";

function collapseSlashes(s: string): string {
  if (s.indexOf("//") < 0) return s;
  const n = s.length;
  const parts = new Array<string>();
  let runStart = 0;
  let i = 0;
  while (i < n) {
    if (s.charCodeAt(i) == 47 && i + 1 < n && s.charCodeAt(i + 1) == 47) {
      parts.push(s.substring(runStart, i + 1));
      while (i < n && s.charCodeAt(i) == 47) i++;
      runStart = i;
      continue;
    }
    i++;
  }
  if (runStart < n) parts.push(s.substring(runStart, n));
  return joinStrings(parts, "");
}

/**
 * parseElements turns pattern text into elements. `allowAnchor`: a last unescaped `$` is the end
 * anchor (path part only); the result's anchor flag is returned through ANCHORED.
 */
let ANCHORED: bool = false;
function parseElements(s: string, allowAnchor: bool): Array<PatternElement> | null {
  // Most patterns have a few elements: start with room for them rather than an empty buffer.
  const els = new Array<PatternElement>(4);
  els.length = 0;
  const n = s.length;
  // The literal being built is s[litStart, i), preceded by `pending` when escapes were cut out
  // of it; most literals have no escape and become one substring.
  let litStart = 0;
  let pending: string | null = null;
  ANCHORED = false;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c == 92 /* \ */ && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d == 36 || d == 42 || d == 92) {
        pending = literalUpTo(pending, s, litStart, i).concat(String.fromCharCode(d));
        i += 2;
        litStart = i;
        continue;
      }
      i++;
      continue;
    }
    if (c == 36 /* $ */ && allowAnchor && i == n - 1) {
      if (litStart < i) pending = literalUpTo(pending, s, litStart, i);
      litStart = n;
      ANCHORED = true;
      i++;
      continue;
    }
    if (c == 123 /* { */ || c == 42 /* * */) {
      if (pending !== null || litStart < i) els.push(new PatternElement(ElementKind.Literal, literalUpTo(pending, s, litStart, i)));
      pending = null;
      if (c == 42) {
        els.push(new PatternElement(ElementKind.Wildcard, "*"));
        i++;
      } else {
        const close = s.indexOf("}", i + 1);
        if (close < 0) { COMPILE_ERROR = "unterminated placeholder"; return null; }
        if (close == i + 1) { COMPILE_ERROR = "empty placeholder"; return null; }
        els.push(new PatternElement(ElementKind.Placeholder, s.substring(i + 1, close)));
        i = close + 1;
      }
      litStart = i;
      continue;
    }
    i++;
  }
  if (pending !== null || litStart < n) els.push(new PatternElement(ElementKind.Literal, literalUpTo(pending, s, litStart, n)));
  return els;
}

/** literalUpTo: `pending` (text cut before an escape, or null) followed by s[from, to). */
function literalUpTo(pending: string | null, s: string, from: i32, to: i32): string {
  const tail = from < to ? s.substring(from, to) : "";
  return pending === null ? tail : pending.concat(tail);
}

export function compilePattern(source: string): PatternCompileResult {
  const r = new PatternCompileResult();
  r.neverMatches = !source.startsWith("/");
  const q = source.indexOf("?");
  const pathPart = collapseSlashes(q < 0 ? source : source.substring(0, q));
  const p = new PathPattern();
  p.source = source;
  const els = parseElements(pathPart, true);
  if (els === null) { r.error = COMPILE_ERROR; return r; }
  p.path = els;
  p.anchored = ANCHORED;
  if (q >= 0) {
    const items = source.substring(q + 1).split("&");
    const query = new Array<Array<PatternElement>>();
    for (let k = 0, m = items.length; k < m; k++) {
      const item = unchecked(items[k]);
      if (item.length == 0) continue;
      const itemEls = parseElements(item, false);
      if (itemEls === null) { r.error = COMPILE_ERROR; return r; }
      query.push(itemEls);
    }
    p.query = query;
  }
  r.pattern = p;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Matching

// @ts-ignore: decorator
@inline function inClass(c: i32, allowAmp: bool): bool {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return true;
  switch (c) {
    case 45: case 46: case 95: case 126: case 37: case 33: case 36: case 39: case 40: case 41:
    case 42: case 43: case 44: case 59: case 61: case 58: case 64:
      return true;
    case 38: return allowAmp;
  }
  return false;
}

function literalAt(s: string, pos: i32, lit: string): bool {
  const m = lit.length;
  if (pos + m > s.length) return false;
  return memory.compare(changetype<usize>(s) + (<usize>pos << 1), changetype<usize>(lit), <usize>m << 1) == 0;
}

// Backtracking state (the module is single-threaded; a match never re-enters).
let M_ELS: Array<PatternElement> = [];
let M_S: string = "";
let M_N: i32 = 0;
let M_ANCHORED: bool = false;
let M_AMP: bool = true;
let M_BUDGET: i32 = 0;

/** 1 = match, 0 = no match, -1 = budget exhausted. */
function backtrack(ei: i32, pos: i32): i32 {
  if (--M_BUDGET < 0) return -1;
  if (ei == M_ELS.length) return !M_ANCHORED || pos == M_N ? 1 : 0;
  const el = unchecked(M_ELS[ei]);
  if (el.kind == ElementKind.Literal) {
    if (!literalAt(M_S, pos, el.text)) return 0;
    return backtrack(ei + 1, pos + el.text.length);
  }
  let end = pos;
  while (end < M_N && inClass(M_S.charCodeAt(end), M_AMP)) end++;
  const min = el.kind == ElementKind.Placeholder ? 1 : 0;
  for (let q = end; q >= pos + min; q--) {
    const r = backtrack(ei + 1, q);
    if (r != 0) return r;
  }
  return 0;
}

/** dpMatch decides the same question as backtrack in O(elements × length). */
function dpMatch(els: Array<PatternElement>, s: string, anchored: bool, allowAmp: bool): bool {
  const n = s.length;
  let succ = new Uint8Array(n + 1);
  if (anchored) succ[n] = 1;
  else succ.fill(1);
  const runEnd = new Int32Array(n + 1);
  runEnd[n] = n;
  for (let p = n - 1; p >= 0; p--) runEnd[p] = inClass(s.charCodeAt(p), allowAmp) ? runEnd[p + 1] : p;
  const next = new Int32Array(n + 2);
  for (let ei = els.length - 1; ei >= 0; ei--) {
    const el = unchecked(els[ei]);
    const cur = new Uint8Array(n + 1);
    if (el.kind == ElementKind.Literal) {
      const m = el.text.length;
      for (let p = 0; p + m <= n; p++) {
        if (succ[p + m] && literalAt(s, p, el.text)) cur[p] = 1;
      }
    } else {
      const min = el.kind == ElementKind.Placeholder ? 1 : 0;
      next[n + 1] = i32.MAX_VALUE;
      for (let q = n; q >= 0; q--) next[q] = succ[q] ? q : next[q + 1];
      for (let p = 0; p <= n; p++) {
        const from = p + min;
        if (from <= n && next[from] <= runEnd[p]) cur[p] = 1;
      }
    }
    succ = cur;
  }
  return succ[0] != 0;
}

/** matchElements: do `els` match `s` from position 0 (to the end when `anchored`)? */
export function matchElements(els: Array<PatternElement>, s: string, anchored: bool, allowAmp: bool): bool {
  // Fast reject on a leading literal.
  if (els.length > 0) {
    const first = unchecked(els[0]);
    if (first.kind == ElementKind.Literal && !literalAt(s, 0, first.text)) return false;
  }
  M_ELS = els;
  M_S = s;
  M_N = s.length;
  M_ANCHORED = anchored;
  M_AMP = allowAmp;
  M_BUDGET = 4096 + 4 * s.length;
  const r = backtrack(0, 0);
  M_S = "";
  if (r >= 0) return r == 1;
  return dpMatch(els, s, anchored, allowAmp);
}

/** matchPath: does the path part of `pattern` match the normalised request path? */
export function matchPath(pattern: PathPattern, path: string): bool {
  return matchElements(pattern.path, path, pattern.anchored, true);
}

// Reused "used" flags for query items.
let USED: StaticArray<bool> = new StaticArray<bool>(0);

/**
 * matchQuery: every PQ item takes the first unused request item it matches as an anchored
 * prefix. `items` is the request query split on "&", or null when the request had no "?".
 */
export function matchQuery(pattern: PathPattern, items: Array<string> | null): bool {
  const pq = pattern.query;
  if (pq === null) return true;
  if (pq.length == 0) return true;
  if (items === null) return false;
  const m = items.length;
  if (USED.length < m) USED = new StaticArray<bool>(m);
  for (let k = 0; k < m; k++) unchecked(USED[k] = false);
  for (let j = 0, pn = pq.length; j < pn; j++) {
    const itemEls = unchecked(pq[j]);
    let found = false;
    for (let k = 0; k < m; k++) {
      if (unchecked(USED[k])) continue;
      if (matchElements(itemEls, unchecked(items[k]), false, false)) {
        unchecked(USED[k] = true);
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Request side

function isDotSegmentAt(s: string, i: i32, n: i32): bool {
  // s[i] == '.' and it starts a segment.
  if (i > 0 && s.charCodeAt(i - 1) != 47) return false;
  let j = i + 1;
  if (j < n && s.charCodeAt(j) == 46) j++;
  return j == n || s.charCodeAt(j) == 47;
}

function hasDotSegment(s: string): bool {
  const n = s.length;
  let i = s.indexOf(".");
  while (i >= 0) {
    if (isDotSegmentAt(s, i, n)) return true;
    i = s.indexOf(".", i + 1);
  }
  return false;
}

/** removeDotSegments resolves `.` and `..` segments (RFC 3986). */
export function removeDotSegments(path: string): string {
  if (!hasDotSegment(path)) return path;
  const leading = path.startsWith("/");
  const segs = (leading ? path.substring(1) : path).split("/");
  const out = new Array<string>();
  let trailing = false;
  for (let k = 0, m = segs.length; k < m; k++) {
    const seg = unchecked(segs[k]);
    if (seg == "." || seg == "..") {
      if (seg == ".." && out.length > 0) out.pop();
      trailing = k == m - 1;
      continue;
    }
    out.push(seg);
    trailing = false;
  }
  let r = (leading ? "/" : "") + joinStrings(out, "/");
  if (trailing && out.length > 0) r += "/";
  return r;
}

/** normalizeRequestPath: dot segments, then %-encoding outside `!`..`~`, then `/` runs collapsed. */
export function normalizeRequestPath(path: string): string {
  return collapseSlashes(percentEncodeNonVisibleLocal(removeDotSegments(path)));
}

import { percentEncodeNonVisible } from "../util/percent";
import { joinStrings } from "../util/strings";
function percentEncodeNonVisibleLocal(s: string): string {
  return percentEncodeNonVisible(s);
}
