// Reading op parameters at configure time (docs/configuration.md): type checks, ranges,
// enumerations, unknown members. Every problem goes to Diagnostics with its JSON path; a reader
// returns a usable default after reporting, so compilation continues and finds every problem.
import { JsonKind, jsonTypeName, JsonValue } from "../config/json";
import { Diagnostics, memberPath } from "../config/diagnostics";
import { joinStrings, jsonQuote } from "../util/strings";
import { asciiLower } from "../util/ascii";

export const E_MISSING: string = "missing required field";
export const U32_MAX: f64 = 4294967295;
export const I32_MIN: f64 = -2147483648;
export const I32_MAX: f64 = 2147483647;

/** typeName: the type names of the diagnostics (`integer` for a number written without fraction/exponent). */
export function typeName(v: JsonValue | null): string {
  return v === null ? "null" : jsonTypeName(v);
}

export function typeError(diag: Diagnostics, path: string, expected: string, got: JsonValue | null): void {
  diag.error(path, "expected " + expected + ", got " + typeName(got));
}

/** isAbsent: a missing member or an explicit null (both mean "use the default"). */
// @ts-ignore: decorator
@inline
export function isAbsent(v: JsonValue | null): bool {
  return v === null || v.kind == JsonKind.Null;
}

/** Params reads the members of one parameter object and warns about the members it never asked for. */
export class Params {
  constructor(public node: JsonValue | null, public path: string, public diag: Diagnostics) {}
  private known: Array<string> = [];
  /** invalid: the parameter had the wrong type (already reported), so nothing more is reported. */
  invalid: bool = false;

  /** missing reports a required member that is absent (unless the whole parameter was invalid). */
  missing(name: string): void {
    if (!this.invalid) this.diag.error(this.memberPath(name), E_MISSING);
  }

  /** member returns the value of `name` (null when absent or null) and marks it known. */
  member(name: string): JsonValue | null {
    this.known.push(name);
    const node = this.node;
    if (node === null) return null;
    const v = node.get(name);
    return isAbsent(v) ? null : v;
  }

  memberPath(name: string): string {
    return memberPath(this.path, name);
  }

  unsigned(name: string, dflt: u32): u32 {
    return readUnsigned(this.member(name), this.memberPath(name), this.diag, dflt);
  }

  /** optionalUnsigned: -1 when absent. */
  optionalUnsigned(name: string): i64 {
    const v = this.member(name);
    if (v === null) return -1;
    return <i64>readUnsigned(v, this.memberPath(name), this.diag, 0);
  }

  signed(name: string, dflt: i32, required: bool): i32 {
    const v = this.member(name);
    if (v === null) {
      if (required) this.missing(name);
      return dflt;
    }
    return readSigned(v, this.memberPath(name), this.diag, dflt);
  }

  string(name: string, dflt: string, required: bool): string {
    const v = this.member(name);
    if (v === null) {
      if (required) this.missing(name);
      return dflt;
    }
    return readString(v, this.memberPath(name), this.diag, dflt);
  }

  /** enumeration returns the index of the value in `choices` (case-insensitive), `dflt` when absent or invalid. */
  enumeration(name: string, choices: Array<string>, dflt: i32): i32 {
    const v = this.member(name);
    if (v === null) return dflt;
    return readEnum(v, this.memberPath(name), this.diag, choices, dflt);
  }

  /** finish warns `unknown field` for every member that was not read. */
  finish(): void {
    const node = this.node;
    if (node === null || node.kind != JsonKind.Object) return;
    const keys = node.keys;
    for (let i = 0, n = keys.length; i < n; i++) {
      const k = unchecked(keys[i]);
      if (!this.known.includes(k)) this.diag.warn(memberPath(this.path, k), "unknown field");
    }
  }
}

export function readUnsigned(v: JsonValue | null, path: string, diag: Diagnostics, dflt: u32): u32 {
  if (isAbsent(v)) return dflt;
  const n = v!;
  if (n.kind != JsonKind.Number || !n.isInteger) {
    typeError(diag, path, "integer", n);
    return dflt;
  }
  if (!(n.num >= 0 && n.num <= U32_MAX)) {
    diag.error(path, "integer out of range (0..4294967295)");
    return dflt;
  }
  return <u32>n.num;
}

export function readSigned(v: JsonValue | null, path: string, diag: Diagnostics, dflt: i32): i32 {
  if (isAbsent(v)) return dflt;
  const n = v!;
  if (n.kind != JsonKind.Number || !n.isInteger) {
    typeError(diag, path, "integer", n);
    return dflt;
  }
  if (!(n.num >= I32_MIN && n.num <= I32_MAX)) {
    diag.error(path, "integer out of range (-2147483648..2147483647)");
    return dflt;
  }
  return <i32>n.num;
}

export function readString(v: JsonValue | null, path: string, diag: Diagnostics, dflt: string): string {
  if (isAbsent(v)) return dflt;
  const n = v!;
  if (n.kind != JsonKind.String) {
    typeError(diag, path, "string", n);
    return dflt;
  }
  return n.str;
}

export function readEnum(v: JsonValue, path: string, diag: Diagnostics, choices: Array<string>, dflt: i32): i32 {
  if (v.kind != JsonKind.String) {
    typeError(diag, path, "string", v);
    return dflt;
  }
  const lower = asciiLower(v.str);
  for (let i = 0, n = choices.length; i < n; i++) if (unchecked(choices[i]) == lower) return i;
  diag.error(path, "invalid value " + jsonQuote(v.str) + " (expected one of " + joinStrings(choices, ", ") + ")");
  return dflt;
}

/** readStringList reads an array of strings; each bad element is reported at its index. */
export function readStringList(v: JsonValue | null, path: string, diag: Diagnostics): Array<string> {
  const out = new Array<string>();
  if (isAbsent(v)) return out;
  const n = v!;
  if (n.kind != JsonKind.Array) {
    typeError(diag, path, "array", n);
    return out;
  }
  const items = n.items;
  for (let i = 0, len = items.length; i < len; i++) {
    const it = unchecked(items[i]);
    if (it.kind != JsonKind.String) typeError(diag, path + "[" + i.toString() + "]", "string", it);
    else out.push(it.str);
  }
  return out;
}

/** LOG_LEVEL_NAMES in LOG_* order (host/log.ts: trace 0 … critical 5). */
export const LOG_LEVEL_NAMES: Array<string> = ["trace", "debug", "info", "warn", "error", "critical"];
