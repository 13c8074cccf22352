// Structured lookup (docs/operations.md): path phase + keys phase with the "0" single-entry rule.
// Shared by the `json`/`protobuf` ops and the `filter` credential source.
import { JsonKind, JsonValue } from "../config/json";

/** structuredLookup returns the resolved strings (≥ 1), or null when the lookup fails or yields an empty list. */
export function structuredLookup(root: JsonValue, path: Array<string>, keys: Array<string>): Array<string> | null {
  const v = walkPath(root, path, 0);
  if (v === null) return null;
  return resolveKeys(v, keys);
}

/**
 * walkPath runs phase 1 from `root` over path[from..]. The `filter` source handles
 * path[0] itself (the namespace, no "0" fallback) and passes from = 1. Null when a segment fails.
 */
export function walkPath(root: JsonValue, path: Array<string>, from: i32): JsonValue | null {
  let cur = root;
  for (let i = from, n = path.length; i < n; i++) {
    const seg = unchecked(path[i]);
    if (seg.length == 0) continue; // "" stays here
    const kind = cur.kind;
    if (kind == JsonKind.Object) {
      const idx = memberIndex(cur, seg);
      if (idx >= 0) { cur = unchecked(cur.values[idx]); continue; }
      if (seg == "0" && cur.keys.length == 1 && cur.values.length == 1) { cur = unchecked(cur.values[0]); continue; }
      return null;
    }
    if (kind == JsonKind.Array) {
      const idx = digitsIndex(seg);
      if (idx < 0 || idx >= cur.items.length) return null;
      cur = unchecked(cur.items[idx]);
      continue;
    }
    if (kind == JsonKind.String && cur.str == seg) continue;
    return null;
  }
  return cur;
}

/** resolveKeys runs phase 2 on the phase-1 value. Null when nothing resolves or the result is empty (G6). */
export function resolveKeys(v: JsonValue, keys: Array<string>): Array<string> | null {
  const nk = keys.length;
  if (nk == 0) return nonEmpty(stringOrList(v));
  const kind = v.kind;
  for (let k = 0; k < nk; k++) {
    const key = unchecked(keys[k]);
    let r: Array<string> | null = null;
    if (kind == JsonKind.Object) {
      const idx = memberIndex(v, key);
      if (idx >= 0) r = resolvable(unchecked(v.values[idx]));
      else if (key == "0" && v.keys.length == 1 && v.values.length == 1) r = resolvable(unchecked(v.values[0]));
    } else if (kind == JsonKind.Array) {
      const idx = digitsIndex(key);
      if (idx >= 0 && idx < v.items.length) r = resolvable(unchecked(v.items[idx]));
    } else if (kind == JsonKind.String) {
      if (v.str == key) r = [v.str];
    }
    // The first key whose value resolves wins. An empty list resolves to nothing (G6), so it
    // moves on to the next key like any other unusable value.
    if (r !== null && r.length > 0) return r;
  }
  return null;
}

/** resolvable: (a) a string, (b) a list of only strings, (c) a single-entry object holding (a) or (b). */
function resolvable(v: JsonValue): Array<string> | null {
  const direct = stringOrList(v);
  if (direct !== null) return direct;
  if (v.kind == JsonKind.Object && v.keys.length == 1 && v.values.length == 1) return stringOrList(unchecked(v.values[0]));
  return null;
}

function stringOrList(v: JsonValue): Array<string> | null {
  if (v.kind == JsonKind.String) return [v.str];
  if (v.kind != JsonKind.Array) return null;
  const items = v.items;
  const n = items.length;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const it = unchecked(items[i]);
    if (it.kind != JsonKind.String) return null;
    unchecked((out[i] = it.str));
  }
  return out;
}

// @ts-ignore: decorator
@inline
function nonEmpty(r: Array<string> | null): Array<string> | null {
  return r !== null && r.length > 0 ? r : null;
}

/** memberIndex: the first member named exactly `name`, or -1. */
function memberIndex(obj: JsonValue, name: string): i32 {
  const keys = obj.keys;
  const n = min(keys.length, obj.values.length);
  for (let i = 0; i < n; i++) if (unchecked(keys[i]) == name) return i;
  return -1;
}

/** digitsIndex parses one or more ASCII digits (leading zeros allowed); -1 otherwise or when huge. */
export function digitsIndex(s: string): i32 {
  const n = s.length;
  if (n == 0) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
    if (v > 0x3fffffff) v = 0x3fffffff; // saturate: no list is that long
  }
  return <i32>v;
}
