// The `filter` source's in-place lookup on Metadata bytes (assembly/util/protobuf-lookup.ts)
// against the reference: decodeMetadataNamespace + structuredLookup (docs/operations.md).
// Generated Metadata covers duplicate map keys, the "0" fallback, lists, every Value kind, unknown
// fields, invalid UTF-8, over-deep nesting and byte-level damage; both must agree on every input,
// and neither may trap.
import { describe, expect, it } from "vitest";
import { loadEntry } from "../../src-host-sim/testing/load-entry.js";
import { modulePath } from "../support/modules.js";
import { lenField, tag, varint } from "./protobuf-encode.js";

interface Raw {
  filterLookup(bytes: ArrayBuffer, path: string, keys: string): string;
  metadataLookupBytes(bytes: ArrayBuffer, path: string, keys: string): string;
}

async function lookups() {
  const entry = await loadEntry<Raw>(modulePath("testing/ops"));
  const run = (fn: "filterLookup" | "metadataLookupBytes", bytes: Uint8Array, path: string[], keys: string[]) =>
    JSON.parse(entry.exports[fn](toBuffer(bytes), JSON.stringify(path), JSON.stringify(keys))) as string[] | null;
  return {
    reference: (b: Uint8Array, p: string[], k: string[]) => run("filterLookup", b, p, k),
    inPlace: (b: Uint8Array, p: string[], k: string[]) => run("metadataLookupBytes", b, p, k),
  };
}

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** mulberry32: every generated input is replayable from its seed. */
class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
}

const NS = "envoy.filters.http.jwt_authn";
// Few names, so paths and keys often hit, duplicates happen and "0"/digits meet lists.
const NAMES = ["azp", "aud", "0", "1", "", "sub", "é", "𝄞", "00", "azp2"];
const utf8 = (s: string) => [...Buffer.from(s, "utf8")];
const INVALID_UTF8 = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]];

function bytesOfName(r: Rng): number[] {
  if (r.chance(0.03)) return [...utf8("k"), ...r.pick(INVALID_UTF8)];
  return utf8(r.pick(NAMES));
}

function unknownField(r: Rng): number[] {
  switch (r.int(4)) {
    case 0: return [...tag(9 + r.int(5), 0), ...varint(r.int(100000))];
    case 1: return [...tag(9, 1), 1, 2, 3, 4, 5, 6, 7, 8];
    case 2: return [...tag(12, 5), 1, 2, 3, 4];
    default: return lenField(13, [1, 2, 3]);
  }
}

function genValue(r: Rng, depth: number): number[] {
  const parts: number[] = [];
  // Usually one kind; sometimes two (the last wins) or a kind field with the wrong wire type.
  const kinds = r.chance(0.08) ? 2 : 1;
  for (let i = 0; i < kinds; i++) parts.push(...genKind(r, depth));
  if (r.chance(0.05)) parts.push(...unknownField(r));
  if (r.chance(0.03)) parts.push(...tag(3, 0), 1); // string number with a varint: skipped
  return parts;
}

function genKind(r: Rng, depth: number): number[] {
  const leaf = depth > 4 || r.chance(0.45);
  const k = leaf ? r.int(5) : 5 + r.int(2);
  switch (k) {
    case 0: return r.chance(0.5) ? lenField(3, utf8(r.pick(NAMES))) : [...tag(1, 0), 0];
    case 1: { const b = Buffer.alloc(8); b.writeDoubleLE(r.int(1000)); return [...tag(2, 1), ...b]; }
    case 2: case 3: {
      const s = r.chance(0.04) ? [...utf8("v"), ...r.pick(INVALID_UTF8)] : utf8(r.chance(0.5) ? r.pick(NAMES) : "v" + r.int(50));
      return lenField(3, s);
    }
    case 4: return [...tag(4, 0), r.int(2)];
    case 5: return lenField(5, genStruct(r, depth + 1));
    default: return lenField(6, genList(r, depth + 1));
  }
}

function genList(r: Rng, depth: number): number[] {
  const out: number[] = [];
  const n = r.int(4);
  const allStrings = r.chance(0.5);
  for (let i = 0; i < n; i++) {
    out.push(...lenField(1, allStrings ? lenField(3, utf8("l" + r.int(9))) : genValue(r, depth + 1)));
    if (r.chance(0.05)) out.push(...unknownField(r));
  }
  return out;
}

function genStruct(r: Rng, depth: number): number[] {
  const out: number[] = [];
  const n = r.chance(0.4) ? 1 : r.int(5);
  const single = r.pick(NAMES);
  for (let i = 0; i < n; i++) {
    const entry: number[] = [];
    // Duplicated keys (one member once decoded), entries without a key or without a value.
    const key = r.chance(0.2) ? utf8(single) : bytesOfName(r);
    if (!r.chance(0.05)) entry.push(...lenField(1, key));
    if (r.chance(0.03)) entry.push(...lenField(1, bytesOfName(r)));
    if (!r.chance(0.05)) entry.push(...lenField(2, genValue(r, depth + 1)));
    if (r.chance(0.04)) entry.push(...unknownField(r));
    out.push(...lenField(1, entry));
    if (r.chance(0.04)) out.push(...unknownField(r));
  }
  return out;
}

/** jwtLike: jwt_authn's shape — usually one issuer entry holding claims that are mostly strings or lists of strings. */
function jwtLike(r: Rng): number[] {
  const claims: number[] = [];
  for (let i = 0, n = 1 + r.int(6); i < n; i++) {
    const value = r.chance(0.2) ? genValue(r, 2)
      : r.chance(0.6) ? lenField(3, utf8("c" + r.int(9)))
      : lenField(6, Array.from({ length: r.int(3) }, () => lenField(1, lenField(3, utf8("a" + r.int(9))))).flat());
    claims.push(...lenField(1, [...lenField(1, bytesOfName(r)), ...lenField(2, value)]));
  }
  const issuer = lenField(1, [...lenField(1, utf8("https://issuer")), ...lenField(2, lenField(5, claims))]);
  return r.chance(0.85) ? issuer : [...issuer, ...genStruct(r, 1)];
}

/** deepStruct nests `levels` single-member Structs named "0" around a string. */
function deepStruct(levels: number): number[] {
  let v = lenField(3, utf8("deep"));
  for (let i = 0; i < levels; i++) v = lenField(5, lenField(1, [...lenField(1, utf8("0")), ...lenField(2, v)]));
  return lenField(1, [...lenField(1, utf8("0")), ...lenField(2, v)]);
}

function genMetadata(r: Rng): Uint8Array {
  const out: number[] = [];
  const entries = 1 + r.int(3);
  for (let i = 0; i < entries; i++) {
    const name = r.chance(0.7) ? utf8(NS) : r.chance(0.1) ? [...utf8("x"), 0xff] : utf8("other.ns");
    const body = r.chance(0.05) ? deepStruct(55 + r.int(20)) : r.chance(0.5) ? jwtLike(r) : genStruct(r, 0);
    out.push(...lenField(1, [...lenField(1, name), ...(r.chance(0.03) ? [] : lenField(2, body))]));
    if (r.chance(0.1)) out.push(...lenField(2, [...lenField(1, utf8("typed")), ...lenField(2, [1, 2])]));
  }
  return damage(r, Uint8Array.from(out));
}

/** damage: byte-level faults on a quarter of the inputs. */
function damage(r: Rng, b: Uint8Array): Uint8Array {
  if (!r.chance(0.25) || b.length === 0) return b;
  const bytes = [...b];
  switch (r.int(5)) {
    case 0: bytes.length = r.int(bytes.length); break;
    case 1: for (let i = 0, n = 1 + r.int(3); i < n; i++) bytes[r.int(bytes.length)] = r.int(256); break;
    case 2: bytes.splice(r.int(bytes.length), 0, r.int(256)); break;
    case 3: bytes.push(...Array.from({ length: 1 + r.int(12) }, () => r.int(256))); break;
    default: return Uint8Array.from(Array.from({ length: r.int(64) }, () => r.int(256)));
  }
  return Uint8Array.from(bytes);
}

function genLookup(r: Rng): { path: string[]; keys: string[] } {
  if (r.chance(0.5)) return { path: [NS, "0"], keys: Array.from({ length: 1 + r.int(3) }, () => r.pick(NAMES)) };
  const path = [r.chance(0.9) ? NS : r.pick(["other.ns", "0", ""])];
  for (let i = 0, n = r.int(3); i < n; i++) path.push(r.chance(0.4) ? "0" : r.pick(NAMES));
  const keys: string[] = [];
  for (let i = 0, n = r.int(5); i < n; i++) keys.push(r.pick([...NAMES.slice(0, 5), "deep", "v1", "l3"]));
  return { path, keys };
}

describe("filter source lookup on Metadata bytes", () => {
  const payload = { azp: "my-app", aud: ["a", "b"], exp: 1700000000, admin: false, nothing: null };
  const jwtBytes = (): Uint8Array => {
    const struct = (o: Record<string, unknown>): number[] =>
      Object.entries(o).flatMap(([k, v]) => lenField(1, [...lenField(1, utf8(k)), ...lenField(2, value(v))]));
    const value = (v: unknown): number[] => {
      if (v === null) return [...tag(1, 0), 0];
      if (typeof v === "string") return lenField(3, utf8(v));
      if (typeof v === "boolean") return [...tag(4, 0), v ? 1 : 0];
      if (typeof v === "number") { const b = Buffer.alloc(8); b.writeDoubleLE(v); return [...tag(2, 1), ...b]; }
      if (Array.isArray(v)) return lenField(6, v.flatMap((x) => lenField(1, value(x))));
      return lenField(5, struct(v as Record<string, unknown>));
    };
    return Uint8Array.from(lenField(1, [...lenField(1, utf8(NS)), ...lenField(2, struct({ "https://issuer": payload }))]));
  };

  it.each([
    { name: "\"0\" selects the single payload entry, azp wins", path: [NS, "0"], keys: ["azp", "aud"], expected: ["my-app"] },
    { name: "the next key when the first is absent", path: [NS, "0"], keys: ["missing", "aud"], expected: ["a", "b"] },
    { name: "a list element by index", path: [NS, "0", "aud"], keys: ["1"], expected: ["b"] },
    { name: "a number is not resolvable", path: [NS, "0"], keys: ["exp"], expected: null },
    { name: "empty keys on a Struct fail", path: [NS, "0"], keys: [], expected: null },
    { name: "path[0] has no \"0\" fallback", path: ["0", "0"], keys: ["azp"], expected: null },
    { name: "an absent namespace fails", path: ["other", "0"], keys: ["azp"], expected: null },
  ])("$name", async ({ path, keys, expected }) => {
    const l = await lookups();
    expect(l.inPlace(jwtBytes(), path, keys)).toEqual(expected);
    expect(l.reference(jwtBytes(), path, keys)).toEqual(expected);
  });

  it.each([
    { name: "invalid UTF-8 in an unrelated claim", extra: lenField(1, [...lenField(1, utf8("x")), ...lenField(2, lenField(3, [0xff]))]) },
    { name: "nesting deeper than the limit in an unrelated claim", extra: deepStruct(70) },
    { name: "a truncated unrelated claim", extra: [...tag(1, 2), 5, 1] },
  ])("fails like the decoder on $name", async ({ extra }) => {
    const struct = [...lenField(1, [...lenField(1, utf8("azp")), ...lenField(2, lenField(3, utf8("my-app")))]), ...extra];
    const bytes = Uint8Array.from(lenField(1, [...lenField(1, utf8(NS)), ...lenField(2, struct)]));
    const l = await lookups();
    expect(l.reference(bytes, [NS], ["azp"])).toBeNull();
    expect(l.inPlace(bytes, [NS], ["azp"])).toBeNull();
    // Without the fault the lookup resolves, so the fault is what fails it.
    const clean = Uint8Array.from(lenField(1, [...lenField(1, utf8(NS)), ...lenField(2, struct.slice(0, struct.length - extra.length))]));
    expect(l.inPlace(clean, [NS], ["azp"])).toEqual(["my-app"]);
  });

  it.each(Array.from({ length: 8 }, (_, i) => ({ batch: i })))(
    "agrees with decode + structuredLookup on 600 generated inputs (batch $batch)",
    async ({ batch }) => {
      const l = await lookups();
      let resolved = 0;
      for (let i = 0; i < 600; i++) {
        const seed = batch * 1_000_003 + i;
        const r = new Rng(seed);
        const bytes = genMetadata(r);
        for (let j = 0; j < 4; j++) {
          const { path, keys } = genLookup(r);
          const expected = l.reference(bytes, path, keys);
          const actual = l.inPlace(bytes, path, keys);
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            throw new Error(`seed ${seed}/${j}: path ${JSON.stringify(path)} keys ${JSON.stringify(keys)} ` +
              `bytes ${Buffer.from(bytes).toString("hex")}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
          }
          if (expected !== null) resolved++;
        }
      }
      // The generator must exercise successful lookups, not only failures.
      expect(resolved).toBeGreaterThan(100);
    },
  );
});
