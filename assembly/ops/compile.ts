// Compiling `ops` arrays at configure time (docs/configuration.md): each JSON operation becomes an
// Op object with pre-parsed arguments (globs compiled, indexes and separators read), so a request
// never parses anything. Every problem is reported with its JSON path; compilation goes on after
// an error so that one pass finds them all.
import { JsonKind, JsonValue } from "../config/json";
import { Diagnostics, indexPath, memberPath } from "../config/diagnostics";
import { jsonQuote } from "../util/strings";
import { LOG_INFO } from "../host/log";
import { compileGlobSet } from "../util/glob";
import { Op, OpProgram } from "./core";
import { Base64Op } from "./decode";
import { AffixOp, AFFIX_CONTAINS, AFFIX_PREFIX, AFFIX_SUFFIX, GlobOp, ReplaceOp, SplitOp, StrlenOp, StrrevOp } from "./string";
import {
  ContainsOp, DupOp, FlatMapOp, IndexesOp, JoinOp, LengthOp, PopOp, PushOp, ReverseOp, SelectOp, SwapOp, TakeDropOp,
  ValuesOp, XchgOp,
} from "./stack";
import { AssertOp, CHECK_ALL, CHECK_ANY, CHECK_NONE, CHECK_ONE_OF, CheckListOp, ConstOp } from "./check";
import { AndOp, ClonedOp, LogOp, OrOp, PartialOp, TestOp } from "./control";
import { FormatOp, Lookup } from "./format";
import {
  E_MISSING, isAbsent, LOG_LEVEL_NAMES, Params, readSigned, readString, readStringList, readUnsigned, typeError,
} from "./params";

/** Deepest nesting of op lists inside op lists (the JSON nesting limit is reached first in practice). */
export const MAX_OP_NESTING: i32 = 32;

const RESULT_NAMES: Array<string> = ["append", "prepend"];
const MODE_NAMES: Array<string> = ["utf8", "bytes"];

/** OP_NAMES: the 44 operations, by category (decode, string, stack, check, control, format). */
export const OP_NAMES: Array<string> = [
  "base64_standard", "base64_urlsafe",
  "strlen", "strrev", "split", "rsplit", "replace", "prefix", "suffix", "substr", "glob",
  "length", "join", "reverse", "contains", "push", "pop", "dup", "xchg", "take", "drop", "swap", "indexes", "flat_map", "select", "values",
  "ok", "fail", "any", "one_of", "all", "none", "assert", "refute",
  "test", "and", "or", "xor", "cloned", "partial", "top", "log",
  "json", "protobuf",
];

/** BARE_OK: the operations whose parameters are all optional (bare string and null forms allowed). */
const BARE_OK: Array<string> = [
  "base64_standard", "base64_urlsafe", "strrev", "reverse", "ok", "fail", "pop", "dup", "strlen", "split", "rsplit",
  "length", "take", "drop", "values",
];

/** compileProgram compiles an `ops` member (array, null or absent) at `path`. */
export function compileProgram(node: JsonValue | null, path: string, diag: Diagnostics): OpProgram {
  const program = new OpProgram();
  if (isAbsent(node)) return program;
  if (node!.kind != JsonKind.Array) {
    typeError(diag, path, "array", node);
    return program;
  }
  compileInto(program.ops, node!, path, diag, 0);
  return program;
}

function compileInto(out: Array<Op>, list: JsonValue, path: string, diag: Diagnostics, depth: i32): void {
  const items = list.items;
  for (let i = 0, n = items.length; i < n; i++) {
    const op = compileOp(unchecked(items[i]), indexPath(path, i), diag, depth);
    if (op !== null) out.push(op);
  }
}

/** compileOp compiles one operation (object form, bare string or `{"name": null}`); null after an error. */
function compileOp(node: JsonValue, path: string, diag: Diagnostics, depth: i32): Op | null {
  let name: string;
  let param: JsonValue | null = null;
  let bare = false;
  if (node.kind == JsonKind.String) {
    name = node.str;
    bare = true;
  } else if (node.kind == JsonKind.Object) {
    if (node.keys.length != 1 || node.values.length != 1) {
      diag.error(path, "an operation must have exactly one member");
      return null;
    }
    name = unchecked(node.keys[0]);
    param = unchecked(node.values[0]);
  } else {
    typeError(diag, path, "object", node);
    return null;
  }
  if (!OP_NAMES.includes(name)) {
    diag.error(path, "unknown operation " + jsonQuote(name));
    return null;
  }
  const ppath = memberPath(path, name);
  if (isAbsent(param)) {
    param = null;
    if (!BARE_OK.includes(name)) {
      diag.error(ppath, E_MISSING);
      return null;
    }
  }
  if (bare) param = null;
  if (depth >= MAX_OP_NESTING) {
    diag.error(ppath, "operations nested too deeply");
    return null;
  }
  return compileNamed(name, param, ppath, diag, depth);
}

function compileNamed(name: string, p: JsonValue | null, path: string, diag: Diagnostics, depth: i32): Op | null {
  // Decode.
  if (name == "base64_standard" || name == "base64_urlsafe") {
    noParams(p, path, diag);
    return new Base64Op(name, name == "base64_urlsafe");
  }
  // String.
  if (name == "strlen") {
    const s = structParams(p, path, diag);
    const lo = s.optionalUnsigned("min");
    const hi = s.optionalUnsigned("max");
    const mode = s.enumeration("mode", MODE_NAMES, 0);
    s.finish();
    return new StrlenOp(lo, hi, mode == 1);
  }
  if (name == "strrev") {
    noParams(p, path, diag);
    return new StrrevOp();
  }
  if (name == "split" || name == "rsplit") {
    const s = structParams(p, path, diag);
    const sep = s.string("separator", ":", false);
    const max = s.unsigned("max", 0);
    s.finish();
    return new SplitOp(name, sep, max, name == "rsplit");
  }
  if (name == "replace") {
    const s = structParams(p, path, diag);
    const pattern = s.string("pattern", "", true);
    const with_ = s.string("with", "", true);
    const max = s.unsigned("max", 0);
    s.finish();
    return new ReplaceOp(pattern, with_, max);
  }
  if (name == "prefix") return new AffixOp(name, AFFIX_PREFIX, readString(p, path, diag, ""));
  if (name == "suffix") return new AffixOp(name, AFFIX_SUFFIX, readString(p, path, diag, ""));
  if (name == "substr") return new AffixOp(name, AFFIX_CONTAINS, readString(p, path, diag, ""));
  if (name == "glob") return new GlobOp(compileGlobSet(readStringList(p, path, diag)));
  // Stack.
  if (name == "length") {
    const s = structParams(p, path, diag);
    const lo = s.optionalUnsigned("min");
    const hi = s.optionalUnsigned("max");
    s.finish();
    return new LengthOp(lo, hi);
  }
  if (name == "join") return new JoinOp(readString(p, path, diag, ""));
  if (name == "reverse") {
    noParams(p, path, diag);
    return new ReverseOp();
  }
  if (name == "contains") return new ContainsOp(readString(p, path, diag, ""));
  if (name == "push") return new PushOp(readString(p, path, diag, ""));
  if (name == "pop") return new PopOp(readUnsigned(p, path, diag, 1));
  if (name == "dup") return new DupOp(readSigned(p, path, diag, -1));
  if (name == "xchg") return new XchgOp(readString(p, path, diag, ""));
  if (name == "take" || name == "drop") {
    const s = structParams(p, path, diag);
    const head = s.unsigned("head", 0);
    const tail = s.unsigned("tail", 0);
    s.finish();
    return new TakeDropOp(name, head, tail, name == "take");
  }
  if (name == "swap") {
    const s = structParams(p, path, diag);
    const from = s.signed("from", 0, true);
    const to = s.signed("to", 0, true);
    s.finish();
    return new SwapOp(from, to);
  }
  if (name == "indexes") return new IndexesOp(readSignedList(p, path, diag));
  if (name == "flat_map") return new FlatMapOp(nestedProgram(p, path, diag, depth));
  if (name == "select") return new SelectOp(nestedProgram(p, path, diag, depth));
  if (name == "values") {
    const s = structParams(p, path, diag);
    const level = s.enumeration("level", LOG_LEVEL_NAMES, LOG_INFO);
    const id = s.string("id", "", false);
    s.finish();
    return new ValuesOp(level, id);
  }
  // Check.
  if (name == "ok" || name == "fail") {
    noParams(p, path, diag);
    return new ConstOp(name, name == "ok");
  }
  if (name == "any") return new CheckListOp(name, CHECK_ANY, nestedList(p, path, diag, depth));
  if (name == "one_of") return new CheckListOp(name, CHECK_ONE_OF, nestedList(p, path, diag, depth));
  if (name == "all") return new CheckListOp(name, CHECK_ALL, nestedList(p, path, diag, depth));
  if (name == "none") return new CheckListOp(name, CHECK_NONE, nestedList(p, path, diag, depth));
  if (name == "assert") return new AssertOp(name, nestedProgram(p, path, diag, depth), true);
  if (name == "refute") return new AssertOp(name, nestedProgram(p, path, diag, depth), false);
  // Control.
  if (name == "test") {
    const s = structParams(p, path, diag);
    const condNode = s.member("if");
    let cond: Op | null = null;
    if (condNode === null) s.missing("if");
    else if (condNode.kind == JsonKind.Array) typeError(diag, s.memberPath("if"), "object", condNode);
    else cond = compileOp(condNode, s.memberPath("if"), diag, depth + 1);
    const thenNode = s.member("then");
    if (thenNode === null) s.missing("then");
    const then_ = nestedProgram(thenNode, s.memberPath("then"), diag, depth);
    const else_ = nestedProgram(s.member("else"), s.memberPath("else"), diag, depth);
    s.finish();
    if (cond === null) return null;
    return new TestOp(cond, then_, else_);
  }
  if (name == "and") return new AndOp(nestedProgram(p, path, diag, depth));
  if (name == "or" || name == "xor") return new OrOp(name, nestedList(p, path, diag, depth), name == "xor");
  if (name == "cloned" || name == "partial") {
    const s = structParams(p, path, diag);
    const opsNode = s.member("ops");
    if (opsNode === null) s.missing("ops");
    const program = nestedProgram(opsNode, s.memberPath("ops"), diag, depth);
    const prepend = s.enumeration("result", RESULT_NAMES, 0) == 1;
    if (name == "cloned") {
      s.finish();
      return new ClonedOp(program, prepend);
    }
    const max = s.unsigned("max", 1);
    s.finish();
    return new PartialOp(name, program, prepend, max);
  }
  if (name == "top") return new PartialOp(name, nestedProgram(p, path, diag, depth), false, 1);
  if (name == "log") {
    const s = structParams(p, path, diag);
    const msg = s.string("msg", "", true);
    const level = s.enumeration("level", LOG_LEVEL_NAMES, LOG_INFO);
    s.finish();
    return new LogOp(level, "[3scale-auth/config] " + msg);
  }
  // Format.
  if (name == "json" || name == "protobuf") return new FormatOp(name, lookupList(p, path, diag), name == "protobuf");
  return null;
}

/** noParams: ops without parameters accept null or an object (whose members are all unknown). */
function noParams(p: JsonValue | null, path: string, diag: Diagnostics): void {
  structParams(p, path, diag).finish();
}

/** structParams: a parameter object (absent/null = all defaults). Any other type, arrays included, is invalid. */
function structParams(p: JsonValue | null, path: string, diag: Diagnostics): Params {
  if (p !== null && p.kind != JsonKind.Object && p.kind != JsonKind.Null) {
    typeError(diag, path, "object", p);
    const s = new Params(null, path, diag);
    s.invalid = true;
    return s;
  }
  return new Params(p, path, diag);
}

/** nestedList compiles a required list of single ops (their elements are evaluated alone). */
function nestedList(p: JsonValue | null, path: string, diag: Diagnostics, depth: i32): Array<Op> {
  const out = new Array<Op>();
  if (isAbsent(p)) return out; // a missing required list was reported by the caller
  if (p!.kind != JsonKind.Array) {
    typeError(diag, path, "array", p);
    return out;
  }
  compileInto(out, p!, path, diag, depth + 1);
  return out;
}

function nestedProgram(p: JsonValue | null, path: string, diag: Diagnostics, depth: i32): OpProgram {
  const program = new OpProgram();
  program.ops = nestedList(p, path, diag, depth);
  return program;
}

function readSignedList(p: JsonValue | null, path: string, diag: Diagnostics): StaticArray<i32> {
  if (isAbsent(p)) return new StaticArray<i32>(0);
  if (p!.kind != JsonKind.Array) {
    typeError(diag, path, "array", p);
    return new StaticArray<i32>(0);
  }
  const items = p!.items;
  const out = new StaticArray<i32>(items.length);
  for (let i = 0, n = items.length; i < n; i++) unchecked((out[i] = readSigned(unchecked(items[i]), indexPath(path, i), diag, 0)));
  return out;
}

/** lookupList: one `{path, keys}` object, or a list of them (tried in order). */
function lookupList(p: JsonValue | null, path: string, diag: Diagnostics): Array<Lookup> {
  const out = new Array<Lookup>();
  if (isAbsent(p)) return out;
  const node = p!;
  if (node.kind == JsonKind.Object) {
    out.push(readLookup(node, path, diag));
  } else if (node.kind == JsonKind.Array) {
    const items = node.items;
    for (let i = 0, n = items.length; i < n; i++) {
      const it = unchecked(items[i]);
      const ip = indexPath(path, i);
      if (it.kind != JsonKind.Object) typeError(diag, ip, "object", it);
      else out.push(readLookup(it, ip, diag));
    }
  } else {
    typeError(diag, path, "object", node);
  }
  return out;
}

function readLookup(node: JsonValue, path: string, diag: Diagnostics): Lookup {
  const s = new Params(node, path, diag);
  const segs = readStringList(s.member("path"), s.memberPath("path"), diag);
  const keysNode = s.member("keys");
  if (keysNode === null) s.missing("keys");
  const keys = readStringList(keysNode, s.memberPath("keys"), diag);
  s.finish();
  return new Lookup(segs, keys);
}
