// Typed member readers for configuration objects. Each reader reports its own problem (missing
// required field, wrong type, range) at the member's JSON path and returns null / NaN, so the
// compiler can keep going and report every problem of the document (docs/configuration.md).
// `null` on a member always means "absent".
import { JsonKind, JsonValue, jsonTypeName } from "./json";
import { Diagnostics, memberPath } from "./diagnostics";

export const REQUIRED: bool = true;
export const OPTIONAL: bool = false;

export const E_MISSING = "missing required field";
export const E_EMPTY = "must not be empty";
export const W_UNKNOWN = "unknown field";

/** ±(2^53 − 1): the usage delta range (docs/configuration.md), also applied to fetched rules. */
export const DELTA_MAX: i64 = 9007199254740991;

/** expectedGot is the type-mismatch reason: `expected string, got integer`. */
export function expectedGot(expected: string, v: JsonValue): string {
  return "expected " + expected + ", got " + jsonTypeName(v);
}

/** present returns member `name`, or null when it is absent or JSON null. */
export function present(obj: JsonValue, name: string): JsonValue | null {
  const v = obj.get(name);
  if (v == null || v.kind == JsonKind.Null) return null;
  return v;
}

/** inNameList: whether `name` is one of the `|`-separated names of `list` (e.g. "a|b|c"). */
export function inNameList(name: string, list: string): bool {
  const n = name.length;
  const m = list.length;
  let start = 0;
  while (start <= m) {
    let end = list.indexOf("|", start);
    if (end < 0) end = m;
    if (end - start == n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (list.charCodeAt(start + i) != name.charCodeAt(i)) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    start = end + 1;
  }
  return false;
}

/** warnUnknownMembers warns `unknown field` for every member whose name is not in `known` ("a|b|c"). */
export function warnUnknownMembers(obj: JsonValue, path: string, known: string, diag: Diagnostics): void {
  const keys = obj.keys;
  for (let i = 0, n = keys.length; i < n; i++) {
    const k = unchecked(keys[i]);
    if (!inNameList(k, known)) diag.warn(memberPath(path, k), W_UNKNOWN);
  }
}

/** member returns a present member of the given kind; reports missing (when required) or a wrong type. */
export function member(obj: JsonValue, name: string, kind: JsonKind, typeName: string, path: string, required: bool, diag: Diagnostics): JsonValue | null {
  const v = present(obj, name);
  if (v == null) {
    if (required) diag.error(memberPath(path, name), E_MISSING);
    return null;
  }
  if (v.kind != kind) {
    diag.error(memberPath(path, name), expectedGot(typeName, v));
    return null;
  }
  return v;
}

export function objectMember(obj: JsonValue, name: string, path: string, required: bool, diag: Diagnostics): JsonValue | null {
  return member(obj, name, JsonKind.Object, "object", path, required, diag);
}

export function arrayMember(obj: JsonValue, name: string, path: string, required: bool, diag: Diagnostics): JsonValue | null {
  return member(obj, name, JsonKind.Array, "array", path, required, diag);
}

/** stringMember returns the string, or null (absent, or a reported problem). `nonEmpty` rejects "". */
export function stringMember(obj: JsonValue, name: string, path: string, required: bool, nonEmpty: bool, diag: Diagnostics): string | null {
  const v = member(obj, name, JsonKind.String, "string", path, required, diag);
  if (v == null) return null;
  if (nonEmpty && v.str.length == 0) {
    diag.error(memberPath(path, name), E_EMPTY);
    return null;
  }
  return v.str;
}

/** BoolRead: whether the member was present and well-typed, and its value. */
export class BoolRead {
  ok: bool = false;
  value: bool = false;
}

export function boolMember(obj: JsonValue, name: string, path: string, diag: Diagnostics): BoolRead {
  const r = new BoolRead();
  const v = member(obj, name, JsonKind.Bool, "boolean", path, false, diag);
  if (v != null) {
    r.ok = true;
    r.value = v.bool;
  }
  return r;
}

/**
 * integerMember returns the integer as f64 (exact for the ranges used), or NaN when absent or a
 * problem was reported. Integers are numbers written with no fraction and no exponent.
 */
export function integerMember(obj: JsonValue, name: string, path: string, required: bool, min: i64, max: i64, diag: Diagnostics): f64 {
  const v = present(obj, name);
  const p = memberPath(path, name);
  if (v == null) {
    if (required) diag.error(p, E_MISSING);
    return NaN;
  }
  return checkInteger(v, p, min, max, diag);
}

/** checkInteger validates one value as an integer in min..max; NaN after reporting a problem. */
export function checkInteger(v: JsonValue, path: string, min: i64, max: i64, diag: Diagnostics): f64 {
  if (v.kind != JsonKind.Number || !v.isInteger) {
    diag.error(path, expectedGot("integer", v));
    return NaN;
  }
  if (!(v.num >= <f64>min && v.num <= <f64>max)) {
    diag.error(path, "integer out of range (" + min.toString() + ".." + max.toString() + ")");
    return NaN;
  }
  return v.num;
}

/**
 * stringArray reads an array whose elements must all be strings (element type errors are
 * reported at `path[i]`). Returns the strings that are well-typed.
 */
export function stringArray(arr: JsonValue, path: string, diag: Diagnostics): Array<string> {
  const out = new Array<string>();
  const items = arr.items;
  for (let i = 0, n = items.length; i < n; i++) {
    const item = unchecked(items[i]);
    if (item.kind != JsonKind.String) {
      diag.error(path + "[" + i.toString() + "]", expectedGot("string", item));
      continue;
    }
    out.push(item.str);
  }
  return out;
}
