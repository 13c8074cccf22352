// Query-string parsing with the semantics of Rack 3.1's `parse_nested_query`, which is what
// apisonator sees: `usage[hits]=1` and `usage%5Bhits%5D=1` both become {usage: {hits: "1"}},
// `+` is a space, a key without `=` has a nil (null) value, and the last duplicate wins.
// Values stay as bytes until the UTF-8 check, so the caller can answer 422 for invalid UTF-8
// after a successful parse, as apisonator does.

/** A parsed parameter value: a string, null (key without `=`), a nested hash or an array. */
export type ParamValue = string | null | ParamHash | ParamValue[];
export interface ParamHash {
  [key: string]: ParamValue;
}

export type QueryParseResult =
  | { ok: true; params: ParamHash; validUtf8: boolean }
  | { ok: false; kind: "invalid-encoding" | "syntax" | "too-deep" | "too-many" | "too-large"; message: string };

/** Rack 3.1 defaults. */
export const RACK_PARAMS_LIMIT = 4096;
export const RACK_BYTESIZE_LIMIT = 4 * 1024 * 1024;
export const RACK_DEPTH_LIMIT = 32;

class ParseFailure extends Error {
  constructor(readonly kind: "invalid-encoding" | "syntax" | "too-deep", message: string) {
    super(message);
  }
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Decodes one `application/x-www-form-urlencoded` component to bytes, then to a JS string.
 * Invalid UTF-8 is replaced (U+FFFD) in the returned string and reported through `bad`, so parsing
 * can finish and the caller decides on 422.
 */
function unescape(raw: Uint8Array, bad: { utf8: boolean }): string {
  const out = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x2b) {
      out[n++] = 0x20;
    } else if (c === 0x25) {
      const hex = i + 2 < raw.length ? String.fromCharCode(raw[i + 1]!, raw[i + 2]!) : "";
      if (!HEX.test(hex)) throw new ParseFailure("invalid-encoding", "invalid %-encoding");
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  const bytes = out.subarray(0, n);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    bad.utf8 = false;
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function isHash(v: ParamValue | undefined): v is ParamHash {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: ParamValue | undefined): string {
  if (v === null || v === undefined) return "NilClass";
  if (typeof v === "string") return "String";
  return Array.isArray(v) ? "Array" : "Hash";
}

function makeParams(): ParamHash {
  return Object.create(null) as ParamHash;
}

/** Rack's `_normalize_params`, kept structurally close so its corner cases carry over. */
function normalize(params: ParamHash, name: string | null, v: ParamValue, depth: number): ParamValue {
  if (depth >= RACK_DEPTH_LIMIT) throw new ParseFailure("too-deep", "exceeded available parameter key space");
  let k: string;
  let after: string;
  if (name === null) {
    k = after = "";
  } else if (depth === 0) {
    const start = name.indexOf("[", 1);
    if (start > 0) {
      k = name.slice(0, start);
      after = name.slice(start);
    } else {
      k = name;
      after = "";
    }
  } else if (name.startsWith("[]")) {
    k = "[]";
    after = name.slice(2);
  } else if (name.startsWith("[") && name.indexOf("]", 1) > 0) {
    const start = name.indexOf("]", 1);
    k = name.slice(1, start);
    after = name.slice(start + 1);
  } else {
    k = name;
    after = "";
  }
  if (k === "") return params;

  if (after === "") {
    if (k === "[]" && depth !== 0) return [v];
    params[k] = v;
  } else if (after === "[") {
    params[name!] = v;
  } else if (after === "[]") {
    if (params[k] === undefined) params[k] = [];
    const arr = params[k];
    if (!Array.isArray(arr)) throw new ParseFailure("syntax", `expected Array (got ${typeName(arr)}) for param \`${k}'`);
    arr.push(v);
  } else if (after.startsWith("[]")) {
    let childKey = "";
    const inner = after.length >= 4 ? after.slice(3, after.length - 1) : "";
    if (after[2] === "[" && after.endsWith("]") && inner !== "" && !inner.includes("[") && !inner.includes("]")) {
      childKey = inner;
    } else {
      childKey = after.slice(2);
    }
    if (params[k] === undefined) params[k] = [];
    const arr = params[k];
    if (!Array.isArray(arr)) throw new ParseFailure("syntax", `expected Array (got ${typeName(arr)}) for param \`${k}'`);
    const last = arr.length > 0 ? arr[arr.length - 1] : undefined;
    if (isHash(last) && !(childKey in last)) {
      normalize(last, childKey, v, depth + 1);
    } else {
      arr.push(normalize(makeParams(), childKey, v, depth + 1));
    }
  } else {
    if (params[k] === undefined) params[k] = makeParams();
    const child = params[k];
    if (!isHash(child)) throw new ParseFailure("syntax", `expected Hash (got ${typeName(child)}) for param \`${k}'`);
    params[k] = normalize(child, after, v, depth + 1);
  }
  return params;
}

// Splits raw bytes on "&" followed by optional spaces (Rack's DEFAULT_SEP, the regexp "& *").
function splitPairs(raw: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i === raw.length || raw[i] === 0x26) {
      parts.push(raw.subarray(start, i));
      let j = i + 1;
      while (j < raw.length && raw[j] === 0x20) j++;
      start = j;
      i = j - 1;
    }
  }
  return parts;
}

/**
 * Parses a query string given as raw bytes (or a latin1/ASCII string, one char per byte).
 * Failures mirror Rack: limit errors, invalid %-encoding and structural type clashes.
 */
export function parseNestedQuery(input: Uint8Array | string): QueryParseResult {
  const raw = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const params = makeParams();
  if (raw.length === 0) return { ok: true, params, validUtf8: true };
  if (raw.length > RACK_BYTESIZE_LIMIT) {
    return { ok: false, kind: "too-large", message: `total query size (${raw.length}) exceeds limit (${RACK_BYTESIZE_LIMIT})` };
  }
  let ampersands = 0;
  for (const b of raw) if (b === 0x26) ampersands++;
  if (ampersands >= RACK_PARAMS_LIMIT) {
    return {
      ok: false,
      kind: "too-many",
      message: `total number of query parameters (${ampersands}) exceeds limit (${RACK_PARAMS_LIMIT})`,
    };
  }
  const bad = { utf8: true };
  try {
    for (const pair of splitPairs(raw)) {
      if (pair.length === 0) continue;
      const eq = pair.indexOf(0x3d);
      const name = unescape(eq < 0 ? pair : pair.subarray(0, eq), bad);
      const value = eq < 0 ? null : unescape(pair.subarray(eq + 1), bad);
      normalize(params, name, value, 0);
    }
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, kind: e.kind, message: e.message };
    throw e;
  }
  return { ok: true, params, validUtf8: bad.utf8 };
}

/** Ruby's `inspect` of a parsed value, used where apisonator interpolates a non-string value. */
export function rubyInspect(v: ParamValue): string {
  if (v === null) return "nil";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(rubyInspect).join(", ")}]`;
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}=>${rubyInspect(v[k]!)}`)
    .join(", ")}}`;
}

/** Ruby's `to_s` (string interpolation) of a parsed value. */
export function rubyToS(v: ParamValue): string {
  if (v === null) return "";
  if (typeof v === "string") return v;
  return rubyInspect(v);
}
