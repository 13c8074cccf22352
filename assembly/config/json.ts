// JSON reader that never aborts: turns untrusted text into a generic tree with positions.
// json-as (and every other AssemblyScript JSON library) aborts the VM on malformed input, so the
// configuration, `json` op input (request headers) and porta answers all go through this reader.
// OWNER: config (issue 4). The shape of JsonValue/JsonParseResult is shared with ops/ and
// pipeline/: extend it, do not rename fields.

export const enum JsonKind { Null = 0, Bool = 1, Number = 2, String = 3, Array = 4, Object = 5 }

/** Nesting limit for every JSON document the module reads (configuration.md G1). */
export const JSON_MAX_DEPTH: i32 = 64;

/** JsonValue is one node of a parsed document. Only the fields of its kind are meaningful. */
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
  /** 1-based position of the value's first character in the source text. */
  line: i32 = 0;
  column: i32 = 0;

  /** get returns the first member named `key`, or null (also when this is not an object). */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.Object) return null;
    for (let i = 0, n = this.keys.length; i < n; i++) {
      if (this.keys[i] == key) return unchecked(this.values[i]);
    }
    return null;
  }
}

/** JsonParseResult: `value` on success; otherwise `error` with a 1-based line/column. */
export class JsonParseResult {
  value: JsonValue | null = null;
  error: string = "";
  line: i32 = 0;
  column: i32 = 0;
}

/**
 * parseJsonBytes parses UTF-8 bytes (invalid UTF-8 is an error, never a trap).
 * parseJsonString parses an already-decoded string (e.g. a header value after base64).
 * Both reject nesting deeper than maxDepth, trailing garbage and lone surrogate escapes.
 */
export function parseJsonBytes(bytes: ArrayBuffer, maxDepth: i32 = JSON_MAX_DEPTH): JsonParseResult {
  const r = new JsonParseResult();
  r.error = "not implemented";
  return r;
}

export function parseJsonString(text: string, maxDepth: i32 = JSON_MAX_DEPTH): JsonParseResult {
  const r = new JsonParseResult();
  r.error = "not implemented";
  return r;
}
