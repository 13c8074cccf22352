// JSON reader that never aborts: turns untrusted text into a generic tree with positions.
// AssemblyScript JSON libraries abort the VM on malformed input, so the configuration, `json` op
// input (request headers) and porta answers all go through this reader.
// The shape of JsonValue/JsonParseResult is shared with ops/ and
// pipeline/: extend it, do not rename fields.
//
// Design: one iterative pass over UTF-16 code units with an explicit container stack, so a deep
// document can never overflow the wasm call stack; the nesting limit is checked before a container
// is opened, so 10,000 levels stop at level maxDepth+1 after reading a few bytes. Every index is
// checked against the length before it is read (raw loads after the check, for speed).

export const enum JsonKind { Null = 0, Bool = 1, Number = 2, String = 3, Array = 4, Object = 5 }

/** Nesting limit for every JSON document the module reads (docs/configuration.md G1). */
export const JSON_MAX_DEPTH: i32 = 64;

/**
 * JsonValue is one node of a parsed document. Only the fields of its kind are meaningful.
 * Trees returned by parseJsonBytes/parseJsonString are READ-ONLY: to save allocations, their
 * nodes share empty lists for the fields of other kinds (a string's `items`, an array's `keys`).
 * Code that builds its own tree uses `new JsonValue()`, whose lists are its own.
 */
export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  /** Number value. */
  num: f64 = 0;
  /** True when the number was written with no fraction and no exponent (an "integer"). */
  isInteger: bool = false;
  str: string = "";
  /** Array elements. */
  items: Array<JsonValue> = [];
  /** Object members in document order (keys[i] ↔ values[i]); duplicates are kept. */
  keys: Array<string> = [];
  values: Array<JsonValue> = [];
  /** 1-based position of the value's first character in the source text (column in UTF-16 units). */
  line: i32 = 0;
  column: i32 = 0;

  /** get returns the first member named `key`, or null (also when this is not an object). */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.Object) return null;
    // Bounded by both lists, so a hand-built tree with unequal lists cannot index past the end.
    const n = this.keys.length < this.values.length ? this.keys.length : this.values.length;
    for (let i = 0; i < n; i++) {
      if (this.keys[i] == key) return unchecked(this.values[i]);
    }
    return null;
  }
}

/**
 * DeferredObject stands in for an object that was checked but not built (see parseJsonBytes'
 * `deferServices`): it has kind Object and no members until materialize() reads it.
 */
@final
export class DeferredObject extends JsonValue {
  /** The document: UTF-8 `bytes` from `byteStart` to `byteEnd` when set, else `text`. */
  text: string = "";
  bytes: ArrayBuffer | null = null;
  byteStart: i32 = 0;
  byteEnd: i32 = 0;
  skew: i32 = 0;
  lineSkew: i32 = 0;
  start: i32 = 0;
  end: i32 = 0;
  startLine: i32 = 1;
  startLineStart: i32 = 0;
  depth: i32 = 0;
  maxDepth: i32 = JSON_MAX_DEPTH;
}

/**
 * materialize returns the tree of a deferred object (read from its text again; that text was
 * checked when the document was read, so this cannot fail), or the value itself.
 */
export function materialize(v: JsonValue): JsonValue {
  if (!(v instanceof DeferredObject)) return v;
  const d = changetype<DeferredObject>(v);
  const reader = new JsonReader(d.text, d.bytes, d.byteStart, d.byteEnd, d.maxDepth - d.depth, false);
  reader.pos = d.start;
  reader.n = d.end;
  reader.line = d.startLine;
  reader.lineStart = d.startLineStart;
  reader.skew = d.skew;
  reader.lineSkew = d.lineSkew;
  const tree = reader.run();
  return tree !== null ? tree : v;
}

/** JsonParseResult: `value` on success; otherwise `error` with a 1-based line/column (column in characters). */
export class JsonParseResult {
  value: JsonValue | null = null;
  error: string = "";
  line: i32 = 0;
  column: i32 = 0;
  /** True when the error is the nesting limit (the document may be otherwise well-formed). */
  tooDeep: bool = false;
}

/** jsonTypeName names a value's type as configuration diagnostics do: integer vs number. */
export function jsonTypeName(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "boolean";
    case JsonKind.Number: return v.isInteger ? "integer" : "number";
    case JsonKind.String: return "string";
    case JsonKind.Array: return "array";
    default: return "object";
  }
}

/**
 * parseJsonBytes parses UTF-8 bytes (invalid UTF-8 is an error, never a trap). A leading UTF-8
 * byte order mark is ignored (RFC 8259 allows it).
 * parseJsonString parses an already-decoded string (e.g. a header value after base64).
 * Both reject nesting deeper than maxDepth, trailing garbage and lone surrogate escapes.
 */
export function parseJsonBytes(bytes: ArrayBuffer, maxDepth: i32 = JSON_MAX_DEPTH, deferServices: bool = false): JsonParseResult {
  const n = bytes.byteLength;
  const base = changetype<usize>(bytes);
  let start = 0;
  if (n >= 3 && load<u8>(base) == 0xef && load<u8>(base + 1) == 0xbb && load<u8>(base + 2) == 0xbf) start = 3;
  const bad = firstInvalidUtf8(base + <usize>start, n - start);
  if (bad >= 0) {
    const r = new JsonParseResult();
    const at = start + bad;
    r.error = "invalid UTF-8 at byte offset " + at.toString();
    // Position of the offending byte: lines counted on LF, columns in characters.
    let line = 1;
    let column = 1;
    for (let i = start; i < at; i++) {
      const b = load<u8>(base + <usize>i);
      if (b == 10) {
        line++;
        column = 1;
      } else if ((b & 0xc0) != 0x80) {
        column++;
      }
    }
    r.line = line;
    r.column = column;
    return r;
  }
  // Read in place: the document is never decoded as a whole (UTF-16 would double its size).
  return new JsonReader("", bytes, start, n, maxDepth, deferServices).parse();
}

/**
 * parseJsonString: see parseJsonBytes. With `deferServices`, the object items of a top-level
 * "services" array are checked exactly as always (same errors, same positions) but not built:
 * they come back as DeferredObject, and the compiler builds one service's tree at a time with
 * materialize(). A large configuration then never holds more than one service as a tree.
 */
export function parseJsonString(text: string, maxDepth: i32 = JSON_MAX_DEPTH, deferServices: bool = false): JsonParseResult {
  return new JsonReader(text, null, 0, 0, maxDepth, deferServices).parse();
}

/** firstInvalidUtf8 returns the byte offset of the first ill-formed UTF-8 sequence, or -1 (RFC 3629). */
export function firstInvalidUtf8(base: usize, n: i32): i32 {
  let i = 0;
  while (i < n) {
    const b0 = <u32>load<u8>(base + <usize>i);
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 == 0xe0) { need = 2; lo = 0xa0; }
    else if (b0 >= 0xe1 && b0 <= 0xec) need = 2;
    else if (b0 == 0xed) { need = 2; hi = 0x9f; } // no encoded surrogates
    else if (b0 >= 0xee && b0 <= 0xef) need = 2;
    else if (b0 == 0xf0) { need = 3; lo = 0x90; }
    else if (b0 >= 0xf1 && b0 <= 0xf3) need = 3;
    else if (b0 == 0xf4) { need = 3; hi = 0x8f; }
    else return i;
    if (i + need >= n) return i; // truncated sequence
    const b1 = <u32>load<u8>(base + <usize>(i + 1));
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const b = <u32>load<u8>(base + <usize>(i + k));
      if ((b & 0xc0) != 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

// Character codes used by the reader.
const C_TAB = 9;
const C_LF = 10;
const C_CR = 13;
const C_SPACE = 32;
const C_QUOTE = 34;
const C_PLUS = 43;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
const C_SLASH = 47;
const C_0 = 48;
const C_9 = 57;
const C_COLON = 58;
const C_LBRACKET = 91;
const C_BACKSLASH = 92;
const C_RBRACKET = 93;
const C_LBRACE = 123;
const C_RBRACE = 125;

// Shared, never-modified empty member lists of parsed nodes (see JsonReader#newValue).
const SHARED_NO_ITEMS = new Array<JsonValue>();
const SHARED_NO_KEYS = new Array<string>();
const SHARED_NO_VALUES = new Array<JsonValue>();

// Stand-ins while a deferred object is checked: an open container's kind, and a number's value.
const SKIP_OBJECT = new JsonValue();
const SKIP_ARRAY = new JsonValue();
const SKIP_NUMBER = new JsonValue();

// Short strings (member names, methods, metric names) are shared through a direct-mapped table:
// one string per slot, replaced on a miss. It holds at most INTERN_SLOTS short strings between
// documents, which is all it keeps alive.
const INTERN_MAX_LENGTH: i32 = 16;
const INTERN_SLOTS: i32 = 256; // a power of two
const INTERNED = new StaticArray<string | null>(INTERN_SLOTS);

/**
 * newList: an empty list with room for LIST_START_CAPACITY elements. `new Array()` allocates an
 * empty buffer that the first push must reallocate; most containers of a configuration are small.
 */
const LIST_START_CAPACITY: i32 = 4;
// @ts-ignore: decorator
@inline
function newList<T>(): Array<T> {
  const list = new Array<T>(LIST_START_CAPACITY);
  list.length = 0;
  return list;
}

/** scratchBuffer: a reused buffer of at least `n` code units for strings that are only checked. */
let scratch = new Uint16Array(64);
function scratchBuffer(n: i32): Uint16Array {
  if (scratch.length < n) scratch = new Uint16Array(n);
  return scratch;
}

// Parser states of the iterative loop.
const S_VALUE = 0; // a value is expected
const S_AFTER_VALUE = 1; // a value was completed: `,`, a closing bracket, or the end
const S_MEMBER = 2; // a member name is expected (after `{` or `,` in an object)

/**
 * JsonReader reads either a string (UTF-16 code units) or UTF-8 bytes in place (`wide` false);
 * offsets are in the units of the input. Column numbers are in characters either way.
 */
@final
class JsonReader {
  text: string;
  /** The UTF-8 input (kept alive while read), or null for a string. */
  bytes: ArrayBuffer | null;
  byteStart: i32;
  wide: bool;
  /** UTF-8 input: bytes minus UTF-16 units before `pos` (for node columns), and at `lineStart`. */
  skew: i32 = 0;
  lineSkew: i32 = 0;
  base: usize;
  n: i32;
  pos: i32 = 0;
  line: i32 = 1;
  lineStart: i32 = 0;
  maxDepth: i32;
  stack: Array<JsonValue> = [];
  errorText: string = "";
  errorPos: i32 = -1;
  tooDeep: bool = false;
  /** The services item being checked while `skipping`. */
  deferred: DeferredObject | null = null;
  /** Decoded string of the last readString call. */
  lastString: string = "";
  /** Defer the object items of the top-level "services" array (see parseJsonString). */
  deferServices: bool;
  /** While > 0: checking a deferred object; the number of its containers still open. */
  skipping: i32 = 0;

  constructor(text: string, bytes: ArrayBuffer | null, byteStart: i32, byteEnd: i32, maxDepth: i32, deferServices: bool) {
    this.text = text;
    this.bytes = bytes;
    this.byteStart = byteStart;
    if (bytes !== null) {
      this.wide = false;
      this.base = changetype<usize>(bytes) + <usize>byteStart;
      this.n = byteEnd - byteStart;
    } else {
      this.wide = true;
      this.base = changetype<usize>(text);
      this.n = text.length;
    }
    this.maxDepth = maxDepth;
    this.deferServices = deferServices;
    SKIP_OBJECT.kind = JsonKind.Object;
    SKIP_ARRAY.kind = JsonKind.Array;
  }

  /** isServicesItem: the value about to be read is an item of the top-level "services" array. */
  isServicesItem(): bool {
    if (this.stack.length != 2) return false;
    const root = unchecked(this.stack[0]);
    const list = unchecked(this.stack[1]);
    if (root.kind != JsonKind.Object || list.kind != JsonKind.Array) return false;
    const keys = root.keys;
    return keys.length > 0 && unchecked(keys[keys.length - 1]) == "services";
  }

  @inline at(i: i32): i32 {
    return this.wide ? <i32>load<u16>(this.base + (<usize>i << 1)) : <i32>load<u8>(this.base + <usize>i);
  }

  /** slice: the input from `start` to `end` as a string. */
  slice(start: i32, end: i32): string {
    if (this.wide) return this.text.substring(start, end);
    return String.UTF8.decodeUnsafe(this.base + <usize>start, <usize>(end - start));
  }

  /** codePointAt: the character at `i` of UTF-8 input (already validated), or -1 past the end. */
  codePointAt(i: i32): i32 {
    const c = this.at(i);
    if (c < 0x80) return c;
    if (c < 0xe0) return ((c & 0x1f) << 6) | (this.at(i + 1) & 0x3f);
    if (c < 0xf0) return ((c & 0x0f) << 12) | ((this.at(i + 1) & 0x3f) << 6) | (this.at(i + 2) & 0x3f);
    return ((c & 0x07) << 18) | ((this.at(i + 1) & 0x3f) << 12) | ((this.at(i + 2) & 0x3f) << 6) | (this.at(i + 3) & 0x3f);
  }

  /** columnOf: the 1-based column (in UTF-16 units, as JsonValue.column) of offset `start`. */
  @inline columnOf(start: i32): i32 {
    return start - this.lineStart - (this.skew - this.lineSkew) + 1;
  }

  parse(): JsonParseResult {
    const r = new JsonParseResult();
    const root = this.run();
    if (root == null) {
      r.error = this.errorText;
      r.tooDeep = this.tooDeep;
      this.positionOf(this.errorPos, r);
      return r;
    }
    r.value = root;
    return r;
  }

  /** positionOf fills line/column (1-based, columns in characters) for a UTF-16 offset. */
  positionOf(offset: i32, r: JsonParseResult): void {
    let line = 1;
    let lineStart = 0;
    const end = offset < this.n ? offset : this.n;
    for (let i = 0; i < end; i++) {
      if (this.at(i) == C_LF) {
        line++;
        lineStart = i + 1;
      }
    }
    let column = 1;
    for (let i = lineStart; i < end; i++) {
      const c = this.at(i);
      if (!this.wide) {
        if ((c & 0xc0) != 0x80) column++; // a UTF-8 continuation byte is not a character
        continue;
      }
      // The low half of a surrogate pair is not a character of its own.
      if (!(c >= 0xdc00 && c <= 0xdfff && i > lineStart && (this.at(i - 1) & 0xfc00) == 0xd800)) column++;
    }
    r.line = line;
    r.column = column;
  }

  fail(at: i32, what: string): JsonValue | null {
    if (this.errorPos < 0) {
      this.errorPos = at;
      this.errorText = what;
    }
    return null;
  }

  skipWhitespace(): void {
    let p = this.pos;
    const n = this.n;
    while (p < n) {
      const c = this.at(p);
      if (c == C_SPACE || c == C_TAB || c == C_CR) {
        p++;
      } else if (c == C_LF) {
        p++;
        this.line++;
        this.lineStart = p;
        this.lineSkew = this.skew;
      } else break;
    }
    this.pos = p;
  }

  /** unexpected describes the character at `pos` (or the end of input) for an error. */
  unexpected(what: string): JsonValue | null {
    if (this.pos >= this.n) return this.fail(this.pos, "unexpected end of input, " + what);
    let c = this.at(this.pos);
    if (!this.wide && c >= 0x80) {
      // Named by its UTF-16 unit, as for a string input (the high half of a pair above U+FFFF).
      const cp = this.codePointAt(this.pos);
      c = cp > 0xffff ? 0xd800 + ((cp - 0x10000) >> 10) : cp;
    }
    let shown: string;
    if (c >= 0x21 && c <= 0x7e) shown = "'" + String.fromCharCode(c) + "'";
    else {
      const hex = c.toString(16).toUpperCase();
      shown = "U+" + "0000".substring(hex.length < 4 ? hex.length : 4) + hex;
    }
    return this.fail(this.pos, "unexpected character " + shown + ", " + what);
  }

  /**
   * newValue allocates a node without running JsonValue's field initializers: a scalar would
   * otherwise allocate three empty arrays (six objects) it never uses, and allocation count is
   * what dominates reading large documents (GC work). Members of another kind share the frozen
   * empty arrays below, which is why parsed trees are read-only.
   */
  newValue(kind: JsonKind, start: i32): JsonValue {
    const v = changetype<JsonValue>(__new(offsetof<JsonValue>(), idof<JsonValue>()));
    v.kind = kind;
    v.str = "";
    v.items = kind == JsonKind.Array ? newList<JsonValue>() : SHARED_NO_ITEMS;
    if (kind == JsonKind.Object) {
      v.keys = newList<string>();
      v.values = newList<JsonValue>();
    } else {
      v.keys = SHARED_NO_KEYS;
      v.values = SHARED_NO_VALUES;
    }
    v.line = this.line;
    v.column = this.columnOf(start);
    return v;
  }

  /** attach adds a completed value to the open container; returns the root when there is none. */
  attach(v: JsonValue): bool {
    const depth = this.stack.length;
    if (depth == 0) return true;
    if (this.skipping > 0) return false;
    const top = unchecked(this.stack[depth - 1]);
    if (top.kind == JsonKind.Array) top.items.push(v);
    else top.values.push(v);
    return false;
  }

  run(): JsonValue | null {
    let state = S_VALUE;
    let root: JsonValue | null = null;
    while (true) {
      this.skipWhitespace();
      if (state == S_VALUE) {
        if (this.pos >= this.n) return this.unexpected("expected a value");
        const start = this.pos;
        const c = this.at(start);
        let v: JsonValue;
        if (c == C_LBRACE || c == C_LBRACKET) {
          if (this.stack.length >= this.maxDepth) {
            this.tooDeep = true;
            return this.fail(start, "nesting deeper than " + this.maxDepth.toString() + " levels");
          }
          let container: JsonValue;
          if (this.skipping > 0) {
            container = c == C_LBRACE ? SKIP_OBJECT : SKIP_ARRAY;
          } else if (c == C_LBRACE && this.deferServices && this.isServicesItem()) {
            container = this.newDeferred(start);
          } else {
            container = this.newValue(c == C_LBRACE ? JsonKind.Object : JsonKind.Array, start);
          }
          this.pos++;
          this.skipWhitespace();
          const closing = c == C_LBRACE ? C_RBRACE : C_RBRACKET;
          if (this.pos < this.n && this.at(this.pos) == closing) {
            this.pos++;
            v = container; // empty container, complete at once
            if (container instanceof DeferredObject) changetype<DeferredObject>(container).end = this.pos;
          } else {
            // A deferred object is pushed as a stand-in; its own node waits in `deferred`.
            if (container instanceof DeferredObject) {
              this.deferred = changetype<DeferredObject>(container);
              container = SKIP_OBJECT;
            }
            if (this.skipping > 0 || this.deferred !== null) this.skipping++;
            this.stack.push(container);
            state = c == C_LBRACE ? S_MEMBER : S_VALUE;
            continue;
          }
        } else if (this.skipping > 0) {
          // Inside a deferred object: the same checks, nothing built.
          if (c == C_QUOTE) {
            if (!this.readString(false)) return null;
          } else if (c == C_MINUS || (c >= C_0 && c <= C_9)) {
            if (!this.readNumber(SKIP_NUMBER)) return null;
          } else if (!(this.matchWord("true") || this.matchWord("false") || this.matchWord("null"))) {
            return this.unexpected("expected a value");
          }
          state = S_AFTER_VALUE;
          continue;
        } else if (c == C_QUOTE) {
          if (!this.readString(true)) return null;
          v = this.newValue(JsonKind.String, start);
          v.str = this.lastString;
        } else if (c == C_MINUS || (c >= C_0 && c <= C_9)) {
          v = this.newValue(JsonKind.Number, start);
          if (!this.readNumber(v)) return null;
        } else if (this.matchWord("true")) {
          v = this.newValue(JsonKind.Bool, start);
          v.bool = true;
        } else if (this.matchWord("false")) {
          v = this.newValue(JsonKind.Bool, start);
        } else if (this.matchWord("null")) {
          v = this.newValue(JsonKind.Null, start);
        } else {
          return this.unexpected("expected a value");
        }
        if (this.attach(v)) root = v;
        state = S_AFTER_VALUE;
      } else if (state == S_AFTER_VALUE) {
        const depth = this.stack.length;
        if (depth == 0) {
          if (this.pos < this.n) return this.unexpected("expected end of input after the value");
          return root;
        }
        if (this.pos >= this.n) return this.unexpected("expected ',' or a closing bracket");
        const top = unchecked(this.stack[depth - 1]);
        const c = this.at(this.pos);
        if (c == C_COMMA) {
          this.pos++;
          state = top.kind == JsonKind.Array ? S_VALUE : S_MEMBER;
        } else if ((c == C_RBRACKET && top.kind == JsonKind.Array) || (c == C_RBRACE && top.kind == JsonKind.Object)) {
          this.pos++;
          this.stack.pop();
          if (this.skipping > 0) {
            this.skipping--;
            if (this.skipping > 0) continue;
            // The deferred object is complete: it takes its place in the services array.
            const d = this.deferred!;
            this.deferred = null;
            d.end = this.pos;
            if (this.attach(d)) root = d;
            continue;
          }
          if (this.attach(top)) root = top;
        } else {
          return this.unexpected(top.kind == JsonKind.Array ? "expected ',' or ']'" : "expected ',' or '}'");
        }
      } else {
        // S_MEMBER: "name" ':'
        if (this.pos >= this.n || this.at(this.pos) != C_QUOTE) return this.unexpected("expected a member name (string)");
        if (!this.readString(this.skipping == 0)) return null;
        const depth = this.stack.length;
        if (this.skipping == 0) unchecked(this.stack[depth - 1]).keys.push(this.lastString);
        this.skipWhitespace();
        if (this.pos >= this.n || this.at(this.pos) != C_COLON) return this.unexpected("expected ':'");
        this.pos++;
        state = S_VALUE;
      }
    }
  }

  matchWord(word: string): bool {
    const len = word.length;
    if (this.pos + len > this.n) return false;
    for (let i = 0; i < len; i++) {
      if (this.at(this.pos + i) != word.charCodeAt(i)) return false;
    }
    this.pos += len;
    return true;
  }

  /** readNumber reads RFC 8259 `-? int frac? exp?` at pos into v. */
  readNumber(v: JsonValue): bool {
    const start = this.pos;
    const n = this.n;
    let p = start;
    let negative = false;
    if (this.at(p) == C_MINUS) {
      negative = true;
      p++;
    }
    if (p >= n || this.at(p) < C_0 || this.at(p) > C_9) {
      this.pos = p;
      this.unexpected("expected a digit");
      return false;
    }
    // Integer part, accumulated exactly up to 2^53 (larger values are out of every field's range).
    let acc: f64 = 0;
    if (this.at(p) == C_0) {
      p++;
      if (p < n && this.at(p) >= C_0 && this.at(p) <= C_9) {
        this.fail(p, "leading zero in a number");
        return false;
      }
    } else {
      while (p < n) {
        const d = this.at(p);
        if (d < C_0 || d > C_9) break;
        acc = acc * 10 + <f64>(d - C_0);
        p++;
      }
    }
    let isInteger = true;
    if (p < n && this.at(p) == C_DOT) {
      isInteger = false;
      p++;
      const digits = p;
      while (p < n && this.at(p) >= C_0 && this.at(p) <= C_9) p++;
      if (p == digits) {
        this.pos = p;
        this.unexpected("expected a digit after '.'");
        return false;
      }
    }
    if (p < n && (this.at(p) == 101 || this.at(p) == 69)) {
      isInteger = false;
      p++;
      if (p < n && (this.at(p) == C_PLUS || this.at(p) == C_MINUS)) p++;
      const digits = p;
      while (p < n && this.at(p) >= C_0 && this.at(p) <= C_9) p++;
      if (p == digits) {
        this.pos = p;
        this.unexpected("expected a digit in the exponent");
        return false;
      }
    }
    this.pos = p;
    v.isInteger = isInteger;
    if (isInteger) {
      v.num = negative ? -acc : acc;
    } else if (v !== SKIP_NUMBER) {
      // The grammar is already checked, so strtod sees a well-formed literal (it never traps;
      // huge exponents give ±Infinity or 0).
      v.num = parseFloat(this.slice(start, p));
    }
    return true;
  }

  /**
   * readString reads a string literal at pos (which is a quote) into lastString. The first pass
   * finds the end and validates; only strings with escapes are decoded in a second pass.
   */
  readString(build: bool): bool {
    const n = this.n;
    const contentStart = this.pos + 1;
    let p = contentStart;
    let escapes = false;
    while (true) {
      if (p >= n) {
        this.fail(p, "unterminated string");
        return false;
      }
      const c = this.at(p);
      if (c == C_QUOTE) break;
      if (c == C_BACKSLASH) {
        escapes = true;
        p += 2; // validated in the decoding pass
        continue;
      }
      if (c < 0x20) {
        this.fail(p, "control character in a string (must be escaped)");
        return false;
      }
      if (!this.wide) {
        // UTF-8 (validated before reading): track how many more bytes than UTF-16 units.
        if (c >= 0x80) {
          if ((c & 0xc0) == 0x80) this.skew++;
          else if (c >= 0xf0) this.skew--;
        }
        p++;
        continue;
      }
      if ((c & 0xf800) == 0xd800) {
        // Raw surrogates: only a well-formed pair is a character.
        if (c <= 0xdbff && p + 1 < n && (this.at(p + 1) & 0xfc00) == 0xdc00) {
          p += 2;
          continue;
        }
        this.fail(p, "unpaired surrogate in a string");
        return false;
      }
      p++;
    }
    const end = p; // the closing quote
    if (!build && !escapes) {
      this.pos = end + 1;
      return true;
    }
    if (!escapes) {
      this.lastString = end - contentStart <= INTERN_MAX_LENGTH ? this.intern(contentStart, end) : this.slice(contentStart, end);
      this.pos = end + 1;
      return true;
    }
    // Decode escapes into a UTF-16 buffer; the output is never longer than the input. A string
    // that is only checked is decoded into the scratch buffer (its text is not kept).
    const out = build ? new Uint16Array(end - contentStart) : scratchBuffer(end - contentStart);
    const outBase = out.dataStart;
    let o = 0;
    p = contentStart;
    while (p < end) {
      const c = this.at(p);
      if (c != C_BACKSLASH) {
        if (!this.wide && c >= 0x80) {
          // A UTF-8 sequence (validated): one or two UTF-16 units.
          const cp = this.codePointAt(p);
          p += c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
          if (cp > 0xffff) {
            store<u16>(outBase + (<usize>o << 1), <u16>(0xd800 + ((cp - 0x10000) >> 10)));
            store<u16>(outBase + (<usize>(o + 1) << 1), <u16>(0xdc00 + ((cp - 0x10000) & 0x3ff)));
            o += 2;
          } else {
            store<u16>(outBase + (<usize>o << 1), <u16>cp);
            o++;
          }
          continue;
        }
        store<u16>(outBase + (<usize>o << 1), <u16>c);
        o++;
        p++;
        continue;
      }
      if (p + 1 >= end) {
        // `\"` at the end was taken as the closing quote's escape; the string never closes.
        this.fail(end, "unterminated string");
        return false;
      }
      const e = this.at(p + 1);
      let decoded = -1;
      if (e == C_QUOTE) decoded = C_QUOTE;
      else if (e == C_BACKSLASH) decoded = C_BACKSLASH;
      else if (e == C_SLASH) decoded = C_SLASH;
      else if (e == 98) decoded = 8; // \b
      else if (e == 102) decoded = 12; // \f
      else if (e == 110) decoded = C_LF; // \n
      else if (e == 114) decoded = C_CR; // \r
      else if (e == 116) decoded = C_TAB; // \t
      else if (e == 117) {
        // \uXXXX, with surrogate pairs written as two escapes.
        const u = this.hex4(p + 2, end);
        if (u < 0) {
          this.fail(p, "invalid \\u escape (expected 4 hex digits)");
          return false;
        }
        if (u >= 0xd800 && u <= 0xdbff) {
          const lowAt = p + 6;
          let low = -1;
          if (lowAt + 1 < end && this.at(lowAt) == C_BACKSLASH && this.at(lowAt + 1) == 117) low = this.hex4(lowAt + 2, end);
          if (low < 0xdc00 || low > 0xdfff) {
            this.fail(p, "lone surrogate escape");
            return false;
          }
          store<u16>(outBase + (<usize>o << 1), <u16>u);
          store<u16>(outBase + (<usize>(o + 1) << 1), <u16>low);
          o += 2;
          p += 12;
          continue;
        }
        if (u >= 0xdc00 && u <= 0xdfff) {
          this.fail(p, "lone surrogate escape");
          return false;
        }
        store<u16>(outBase + (<usize>o << 1), <u16>u);
        o++;
        p += 6;
        continue;
      }
      if (decoded < 0) {
        this.fail(p, "invalid escape");
        return false;
      }
      store<u16>(outBase + (<usize>o << 1), <u16>decoded);
      o++;
      p += 2;
    }
    if (build) this.lastString = String.UTF16.decodeUnsafe(outBase, <usize>o << 1);
    this.pos = end + 1;
    return true;
  }

  /** newDeferred: the node of a services item whose tree is built later (materialize). */
  newDeferred(start: i32): DeferredObject {
    const d = new DeferredObject();
    d.kind = JsonKind.Object;
    d.line = this.line;
    d.column = this.columnOf(start);
    d.text = this.text;
    d.bytes = this.bytes;
    d.byteStart = this.byteStart;
    d.byteEnd = this.byteStart + this.n;
    d.skew = this.skew;
    d.lineSkew = this.lineSkew;
    d.start = start;
    d.startLine = this.line;
    d.startLineStart = this.lineStart;
    d.depth = this.stack.length;
    d.maxDepth = this.maxDepth;
    return d;
  }

  /**
   * intern returns text[start, end) (at most INTERN_MAX_LENGTH units), reusing an equal string
   * read before when the table has one. Member names and short values ("method", "GET", "hits")
   * repeat thousands of times in a large configuration; strings are immutable, so sharing them
   * is invisible except in what the GC has to track.
   */
  intern(start: i32, end: i32): string {
    const len = end - start;
    let h: u32 = 0x811c9dc5 ^ <u32>len;
    for (let i = 0; i < len; i++) {
      const c = <u32>this.at(start + i);
      if (c >= 0x80 && !this.wide) return this.slice(start, end); // only ASCII bytes are shared
      h = (h ^ c) * 0x01000193;
    }
    const slot = <i32>((h ^ (h >> 15)) & (INTERN_SLOTS - 1));
    const known = unchecked(INTERNED[slot]);
    if (known !== null && known.length == len && this.equals(known, start)) return known;
    const fresh = this.slice(start, end);
    unchecked((INTERNED[slot] = fresh));
    return fresh;
  }

  /** equals: `s` has the units of the input from `start` (s.length of them). */
  equals(s: string, start: i32): bool {
    const src = changetype<usize>(s);
    if (this.wide) return memory.compare(src, this.base + (<usize>start << 1), <usize>s.length << 1) == 0;
    for (let i = 0, n = s.length; i < n; i++) {
      if (<i32>load<u16>(src + (<usize>i << 1)) != <i32>load<u8>(this.base + <usize>(start + i))) return false;
    }
    return true;
  }

  /** hex4 reads 4 hex digits at p (all before `end`), or returns -1. */
  hex4(p: i32, end: i32): i32 {
    if (p + 4 > end) return -1;
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.at(p + i);
      let d: i32;
      if (c >= C_0 && c <= C_9) d = c - C_0;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return -1;
      v = (v << 4) | d;
    }
    return v;
  }
}
