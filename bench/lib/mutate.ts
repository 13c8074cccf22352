// Input generators for the fuzzer: random JSON values, structural mutations of a configuration
// tree (delete/duplicate members, change types, deep nesting, odd numbers and strings, random
// operations) and byte-level damage of its text (random bytes, invalid UTF-8, truncation).
import type { Prng } from "./prng.js";

export type JsonTree = null | boolean | number | string | JsonTree[] | { [k: string]: JsonTree };

/** A member emitted twice when the tree is serialised (JSON objects cannot hold duplicates). */
const DUPLICATE = Symbol("duplicate-member");
type WithDup = { [DUPLICATE]?: string };

const ODD_STRINGS = [
  "", " ", "v1", "v1.0", "v1.0.0", "V1", "*", "/", "{", "}", "{id}", "/{a}{b}", "/$", "?", "/?x={y}", "\\", "\\q", "%", "%zz",
  "http://", "https://[::1]:99999/", "ftp://x/", "http://user@host/", "\u0000", "\uffff", "é", "😀", "\u202e", "a".repeat(300),
  "GET", "get", "ANY", "PATCH", "utf8", "bytes", "append", "prepend", "info", "TRACE", "null", "true", "0", "-1",
];
const ODD_NUMBERS = [0, -0, 1, -1, 2, 63, 64, 65, 255, 256, 5000, 65535, 65536, 2147483647, 2147483648, 4294967296, -2147483649, 9007199254740993, 1e21, 1.5, 5e3, -1e-7];

export const OP_NAMES = [
  "base64_standard", "base64_urlsafe", "strlen", "strrev", "split", "rsplit", "replace", "prefix", "suffix", "substr", "glob",
  "length", "join", "reverse", "contains", "push", "pop", "dup", "xchg", "take", "drop", "swap", "indexes", "flat_map", "select",
  "values", "ok", "fail", "any", "one_of", "all", "none", "assert", "refute", "test", "and", "or", "xor", "cloned", "partial",
  "top", "log", "json", "protobuf", "bogus_op",
];

export function randomString(rng: Prng): string {
  switch (rng.int(5)) {
    case 0: return rng.pick(ODD_STRINGS);
    case 1: return rng.string(rng.range(0, 12));
    case 2: return String.fromCharCode(...Array.from({ length: rng.range(1, 8) }, () => rng.int(0x10000)));
    case 3: return rng.string(rng.range(1, 6), "abc:/ *?\\{}$");
    default: return rng.string(rng.range(1, 10), "abcdefghijklmnopqrstuvwxyz_0123456789");
  }
}

export function randomValue(rng: Prng, depth = 3): JsonTree {
  const k = rng.int(depth > 0 ? 8 : 5);
  switch (k) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick(ODD_NUMBERS);
    case 3:
    case 4: return randomString(rng);
    case 5:
    case 6: return Array.from({ length: rng.range(0, 4) }, () => randomValue(rng, depth - 1));
    default: {
      const o: { [k: string]: JsonTree } = {};
      for (let i = rng.range(0, 4); i > 0; i--) o[rng.chance(0.5) ? rng.pick(OP_NAMES) : randomString(rng)] = randomValue(rng, depth - 1);
      return o;
    }
  }
}

/** randomOp: an operation as docs/configuration.md writes it, with plausible or random arguments. */
export function randomOp(rng: Prng, depth = 2): JsonTree {
  const name = rng.pick(OP_NAMES);
  if (rng.chance(0.2)) return name;
  const arg = (() => {
    switch (rng.int(6)) {
      case 0: return depth > 0 ? Array.from({ length: rng.range(0, 3) }, () => randomOp(rng, depth - 1)) : [];
      case 1: return { min: rng.pick(ODD_NUMBERS), max: rng.pick(ODD_NUMBERS) };
      case 2: return { head: rng.range(-1, 3), tail: rng.range(-1, 3) };
      case 3: return depth > 0 ? { if: randomOp(rng, depth - 1), then: [randomOp(rng, depth - 1)], else: [] } : {};
      case 4: return { separator: randomString(rng), max: rng.range(0, 3), pattern: randomString(rng), with: randomString(rng) };
      default: return randomValue(rng, 1);
    }
  })();
  return { [name]: arg };
}

/** Every object and array in the tree (so a mutation can pick one at random). */
function containers(root: JsonTree): Array<JsonTree[] | { [k: string]: JsonTree }> {
  const out: Array<JsonTree[] | { [k: string]: JsonTree }> = [];
  const visit = (v: JsonTree): void => {
    if (v === null || typeof v !== "object") return;
    out.push(v);
    for (const c of Array.isArray(v) ? v : Object.values(v)) visit(c);
  };
  visit(root);
  return out;
}

function slotsOf(c: JsonTree[] | { [k: string]: JsonTree }): Array<string | number> {
  return Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
}

function setSlot(c: JsonTree[] | { [k: string]: JsonTree }, slot: string | number, v: JsonTree): void {
  (c as Record<string | number, JsonTree>)[slot] = v;
}

function getSlot(c: JsonTree[] | { [k: string]: JsonTree }, slot: string | number): JsonTree {
  return (c as Record<string | number, JsonTree>)[slot]!;
}

function nest(rng: Prng, v: JsonTree, levels: number): JsonTree {
  let out = v;
  for (let i = 0; i < levels; i++) out = rng.chance(0.5) ? [out] : { ops: out };
  return out;
}

/** mutateTree applies one structural mutation in place (the tree must be a fresh copy). */
export function mutateTree(rng: Prng, root: JsonTree): string {
  const all = containers(root);
  if (all.length === 0) return "no container";
  const c = rng.pick(all);
  const slots = slotsOf(c);
  const slot = slots.length > 0 ? rng.pick(slots) : undefined;
  const kind = rng.int(9);
  if (slot === undefined || kind === 0) {
    const v = randomValue(rng);
    if (Array.isArray(c)) c.push(v);
    else c[rng.chance(0.5) ? randomString(rng) : rng.pick(["ops", "keys", "path", "id", "token", "pattern", "method", "usages", "authorities", "header", "query_string", "filter", "user_key", "app_id", "app_key"])] = v;
    return "add member";
  }
  switch (kind) {
    case 1:
      if (Array.isArray(c)) c.splice(slot as number, 1);
      else delete c[slot as string];
      return `delete ${String(slot)}`;
    case 2:
      if (!Array.isArray(c)) {
        (c as WithDup)[DUPLICATE] = slot as string;
        return `duplicate ${String(slot)}`;
      }
      c.push(structuredClone(getSlot(c, slot)));
      return "duplicate element";
    case 3:
      setSlot(c, slot, randomValue(rng));
      return `change type of ${String(slot)}`;
    case 4:
      setSlot(c, slot, nest(rng, getSlot(c, slot), rng.pick([10, 63, 64, 65, 200])));
      return `deep nesting at ${String(slot)}`;
    case 5:
      setSlot(c, slot, rng.chance(0.5) ? rng.pick(ODD_NUMBERS) : randomString(rng));
      return `odd scalar at ${String(slot)}`;
    case 6: {
      const v = getSlot(c, slot);
      if (Array.isArray(v)) v.splice(rng.int(v.length + 1), 0, randomOp(rng));
      else setSlot(c, slot, Array.from({ length: rng.range(1, 4) }, () => randomOp(rng)));
      return `random ops at ${String(slot)}`;
    }
    case 7: {
      const v = getSlot(c, slot);
      if (Array.isArray(v)) for (let i = rng.range(1, 50); i > 0 && v.length > 0; i--) v.push(structuredClone(v[rng.int(v.length)]!));
      return `grow ${String(slot)}`;
    }
    default:
      setSlot(c, slot, null);
      return `null at ${String(slot)}`;
  }
}

/** serialize writes JSON, emitting a member marked by mutateTree twice. */
export function serialize(v: JsonTree): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(serialize).join(",")}]`;
  const members = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${serialize(x)}`);
  const dup = (v as WithDup)[DUPLICATE];
  if (dup !== undefined && dup in v) members.push(`${JSON.stringify(dup)}:${serialize(v[dup]!)}`);
  return `{${members.join(",")}}`;
}

const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xfe, 0xfe]];

/** damageBytes applies one byte-level mutation to the serialised document. */
export function damageBytes(rng: Prng, text: Uint8Array): { bytes: Uint8Array; what: string } {
  const at = rng.int(text.length + 1);
  switch (rng.int(7)) {
    case 0:
      return { bytes: text.slice(0, at), what: `truncate at ${at}` };
    case 1: {
      const out = text.slice();
      for (let i = rng.range(1, 4); i > 0 && out.length > 0; i--) out[rng.int(out.length)] = rng.int(256);
      return { bytes: out, what: "random bytes" };
    }
    case 2: {
      const bad = rng.pick(INVALID_UTF8);
      return { bytes: concat(text.slice(0, at), Uint8Array.from(bad), text.slice(at)), what: `invalid UTF-8 at ${at}` };
    }
    case 3:
      return { bytes: concat(text, rng.bytes(rng.range(1, 8))), what: "trailing garbage" };
    case 4:
      return { bytes: rng.bytes(rng.range(0, 64)), what: "random document" };
    case 5: {
      const ws = new TextEncoder().encode(rng.pick(["", " ", "\n\t ", "\ufeff", "null", "[]", "{}", "\"v1\"", "1", "{\"api\":\"v1\"}"]));
      return { bytes: ws, what: "trivial document" };
    }
    default: {
      const out = text.slice();
      const n = Math.min(out.length, rng.range(1, 3));
      for (let i = 0; i < n; i++) {
        const j = rng.int(out.length);
        out[j] = rng.pick([0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a]); // " \ { } [ ] , :
      }
      return { bytes: out, what: "structural byte" };
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
