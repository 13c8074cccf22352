// Decode (docs/operations.md) and string ops, through the ops test-only entry.
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";

type Row = { name: string; ops: unknown; stack: string[]; expected: string[] | null };

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url"); // unpadded

const decodeRows: Row[] = [
  { name: "unpadded 2-char group decodes", ops: ["base64_standard"], stack: ["YQ"], expected: ["a"] },
  { name: "padded 2-char group decodes", ops: ["base64_standard"], stack: ["YQ=="], expected: ["a"] },
  { name: "a single = where two are needed fails", ops: ["base64_standard"], stack: ["YQ="], expected: null },
  { name: "three = fail", ops: ["base64_standard"], stack: ["YQ==="], expected: null },
  { name: "length mod 4 of 1 fails", ops: ["base64_standard"], stack: ["YWJjZ"], expected: null },
  { name: "= in the middle fails", ops: ["base64_standard"], stack: ["YQ==YQ=="], expected: null },
  { name: "empty input decodes to empty", ops: ["base64_urlsafe"], stack: ["x", ""], expected: ["x", ""] },
  { name: "only the top value is decoded", ops: ["base64_standard"], stack: ["YQ", "Yg"], expected: ["YQ", "b"] },
  { name: "unpadded JWT payload (urlsafe)", ops: ["base64_urlsafe"], stack: ["eyJhenAiOiJteS1hcHAiLCJhdWQiOiJ4In0"], expected: ['{"azp":"my-app","aud":"x"}'] },
  { name: "padded JWT payload (urlsafe)", ops: ["base64_urlsafe"], stack: ["eyJhenAiOiJteS1hcHAiLCJhdWQiOiJ4In0="], expected: ['{"azp":"my-app","aud":"x"}'] },
  { name: "standard alphabet characters fail under urlsafe", ops: ["base64_urlsafe"], stack: ["a+b/"], expected: null },
  { name: "urlsafe alphabet characters fail under standard", ops: ["base64_standard"], stack: ["a-b_"], expected: null },
  { name: "+ and / decode under standard", ops: ["base64_standard"], stack: [b64("\u00fb\u00ef\u00bf")], expected: ["\u00fb\u00ef\u00bf"] },
  { name: "- and _ decode under urlsafe", ops: ["base64_urlsafe"], stack: [b64url("?>?~")], expected: ["?>?~"] },
  { name: "whitespace inside fails", ops: ["base64_standard"], stack: ["YW Jj"], expected: null },
  { name: "trailing newline fails", ops: ["base64_standard"], stack: ["YWJj\n"], expected: null },
  { name: "non-canonical trailing bits fail (YR)", ops: ["base64_standard"], stack: ["YR"], expected: null },
  { name: "non-canonical trailing bits fail (YWJ)", ops: ["base64_standard"], stack: ["YWJ"], expected: null },
  { name: "canonical 3-char group decodes", ops: ["base64_standard"], stack: ["YWI"], expected: ["ab"] },
  { name: "decoded invalid UTF-8 fails", ops: ["base64_standard"], stack: [Buffer.from([0xff, 0xfe]).toString("base64")], expected: null },
  { name: "decoded overlong UTF-8 fails", ops: ["base64_standard"], stack: [Buffer.from([0xc0, 0xaf]).toString("base64")], expected: null },
  { name: "decoded UTF-8 surrogate fails", ops: ["base64_standard"], stack: [Buffer.from([0xed, 0xa0, 0x80]).toString("base64")], expected: null },
  { name: "decoded truncated UTF-8 fails", ops: ["base64_standard"], stack: [Buffer.from([0x61, 0xe2, 0x82]).toString("base64")], expected: null },
  { name: "decoded 4-byte UTF-8 works", ops: ["base64_urlsafe"], stack: [b64url("x😀y")], expected: ["x😀y"] },
  { name: "aladdin:opensesame", ops: ["base64_urlsafe"], stack: ["YWxhZGRpbjpvcGVuc2VzYW1l"], expected: ["aladdin:opensesame"] },
  { name: "unpadded admin:pass1", ops: ["base64_urlsafe"], stack: ["YWRtaW46cGFzczE"], expected: ["admin:pass1"] },
];

const stringRows: Row[] = [
  { name: "strlen max 2 passes on 2 characters of 2 bytes each", ops: [{ strlen: { max: 2 } }], stack: ["éé"], expected: ["éé"] },
  { name: "strlen max 2 in bytes fails on 4 bytes", ops: [{ strlen: { max: 2, mode: "bytes" } }], stack: ["éé"], expected: null },
  { name: "strlen mode is case-insensitive (Bytes)", ops: [{ strlen: { max: 3, mode: "Bytes" } }], stack: ["éé"], expected: null },
  { name: "strlen UTF8 mode spelled in capitals", ops: [{ strlen: { min: 2, max: 2, mode: "UTF8" } }], stack: ["éé"], expected: ["éé"] },
  { name: "strlen counts a surrogate pair as one character", ops: [{ strlen: { max: 1 } }], stack: ["😀"], expected: ["😀"] },
  { name: "strlen bytes counts 4 for an emoji", ops: [{ strlen: { min: 4, max: 4, mode: "bytes" } }], stack: ["😀"], expected: ["😀"] },
  { name: "strlen min fails below", ops: [{ strlen: { min: 4 } }], stack: ["abc"], expected: null },
  { name: "strlen min passes at the bound", ops: [{ strlen: { min: 3 } }], stack: ["abc"], expected: ["abc"] },
  { name: "strlen without bounds always passes", ops: ["strlen"], stack: [""], expected: [""] },
  { name: "strlen checks only the top value", ops: [{ strlen: { max: 1 } }], stack: ["long value", "x"], expected: ["long value", "x"] },
  { name: "strrev reverses characters", ops: ["strrev"], stack: ["añb"], expected: ["bña"] },
  { name: "strrev keeps surrogate pairs whole", ops: ["strrev"], stack: ["a😀b"], expected: ["b😀a"] },
  { name: "strrev of empty string", ops: ["strrev"], stack: [""], expected: [""] },
  { name: "split default separator", ops: ["split"], stack: ["a:b:c"], expected: ["a", "b", "c"] },
  { name: "split max 2 keeps the remainder", ops: [{ split: { max: 2 } }], stack: ["a:b:c"], expected: ["a", "b:c"] },
  { name: "split max 1 keeps the value whole", ops: [{ split: { max: 1 } }], stack: ["a:b:c"], expected: ["a:b:c"] },
  { name: "split on space, max 2, keeps the extra space", ops: [{ split: { separator: " ", max: 2 } }], stack: ["Basic  xyz"], expected: ["Basic", " xyz"] },
  { name: "split with empty separator", ops: [{ split: { separator: "" } }], stack: ["abc"], expected: ["", "a", "b", "c", ""] },
  { name: "split with empty separator and max 2", ops: [{ split: { separator: "", max: 2 } }], stack: ["abc"], expected: ["", "abc"] },
  { name: "split with empty separator and max 3", ops: [{ split: { separator: "", max: 3 } }], stack: ["abc"], expected: ["", "a", "bc"] },
  { name: "split empty value with empty separator", ops: [{ split: { separator: "" } }], stack: [""], expected: ["", ""] },
  { name: "split consecutive separators give empty pieces", ops: ["split"], stack: ["a::b"], expected: ["a", "", "b"] },
  { name: "split without separator present", ops: ["split"], stack: ["abc"], expected: ["abc"] },
  { name: "split multi-character separator", ops: [{ split: { separator: "--" } }], stack: ["a--b---c"], expected: ["a", "b", "-c"] },
  { name: "split keeps lower values", ops: ["split"], stack: ["x", "a:b"], expected: ["x", "a", "b"] },
  { name: "split trailing separator", ops: ["split"], stack: ["admin:"], expected: ["admin", ""] },
  { name: "split empty separator keeps surrogate pairs", ops: [{ split: { separator: "" } }], stack: ["😀b"], expected: ["", "😀", "b", ""] },
  { name: "rsplit default", ops: ["rsplit"], stack: ["a:b:c"], expected: ["c", "b", "a"] },
  { name: "rsplit max 2 keeps the left remainder", ops: [{ rsplit: { max: 2 } }], stack: ["a:b:c"], expected: ["c", "a:b"] },
  { name: "rsplit with empty separator", ops: [{ rsplit: { separator: "" } }], stack: ["abc"], expected: ["", "c", "b", "a", ""] },
  { name: "rsplit with empty separator and max 2", ops: [{ rsplit: { separator: "", max: 2 } }], stack: ["abc"], expected: ["", "abc"] },
  { name: "rsplit consecutive separators", ops: ["rsplit"], stack: ["a::b"], expected: ["b", "", "a"] },
  { name: "rsplit overlapping separator matches from the right", ops: [{ rsplit: { separator: "aa" } }], stack: ["aaa"], expected: ["", "a"] },
  { name: "split overlapping separator matches from the left", ops: [{ split: { separator: "aa" } }], stack: ["aaa"], expected: ["", "a"] },
  { name: "replace all", ops: [{ replace: { pattern: "a", with: "x" } }], stack: ["banana"], expected: ["bxnxnx"] },
  { name: "replace max 2", ops: [{ replace: { pattern: "a", with: "x", max: 2 } }], stack: ["banana"], expected: ["bxnxna"] },
  { name: "replace empty pattern inserts at every boundary", ops: [{ replace: { pattern: "", with: "-" } }], stack: ["ab"], expected: ["-a-b-"] },
  { name: "replace empty pattern with max 2", ops: [{ replace: { pattern: "", with: "-", max: 2 } }], stack: ["ab"], expected: ["-a-b"] },
  { name: "replace empty pattern on empty value", ops: [{ replace: { pattern: "", with: "-" } }], stack: [""], expected: ["-"] },
  { name: "replace non-overlapping", ops: [{ replace: { pattern: "aa", with: "b" } }], stack: ["aaaaa"], expected: ["bba"] },
  { name: "replace with empty string deletes", ops: [{ replace: { pattern: "-", with: "" } }], stack: ["a-b-c"], expected: ["abc"] },
  { name: "replace with no occurrence leaves the value", ops: [{ replace: { pattern: "z", with: "y" } }], stack: ["abc"], expected: ["abc"] },
  { name: "prefix passes", ops: [{ prefix: "Basic " }], stack: ["Basic xyz"], expected: ["Basic xyz"] },
  { name: "prefix is case-sensitive", ops: [{ prefix: "basic " }], stack: ["Basic xyz"], expected: null },
  { name: "suffix passes", ops: [{ suffix: "xyz" }], stack: ["Basic xyz"], expected: ["Basic xyz"] },
  { name: "suffix fails", ops: [{ suffix: "xy" }], stack: ["Basic xyz"], expected: null },
  { name: "substr passes anywhere", ops: [{ substr: "ic x" }], stack: ["Basic xyz"], expected: ["Basic xyz"] },
  { name: "substr fails", ops: [{ substr: "icx" }], stack: ["Basic xyz"], expected: null },
  { name: "empty prefix always passes", ops: [{ prefix: "" }], stack: ["a"], expected: ["a"] },
  { name: "glob [Basic] fails on Bearer", ops: [{ glob: ["Basic"] }], stack: ["Bearer"], expected: null },
  { name: "glob matches any pattern", ops: [{ glob: ["x*", "B*"] }], stack: ["Bearer"], expected: ["Bearer"] },
  { name: "glob with an empty list never matches", ops: [{ glob: [] }], stack: ["a"], expected: null },
];

describe("decode ops", () => {
  it.each(decodeRows)("$name", async ({ ops, stack, expected }) => {
    const r = (await fresh()).run(ops, stack);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
    expect(r.ok).toBe(expected !== null);
  });
});

describe("string ops", () => {
  it.each(stringRows)("$name", async ({ ops, stack, expected }) => {
    const r = (await fresh()).run(ops, stack);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
  });
});

describe("base64 decoder bytes", () => {
  it.each([
    { text: "", urlsafe: false, hex: "" },
    { text: "AA", urlsafe: false, hex: "00" },
    { text: "AAA", urlsafe: false, hex: "0000" },
    { text: "AAAA", urlsafe: false, hex: "000000" },
    { text: "_-8", urlsafe: true, hex: "ffef" },
    { text: "/+8=", urlsafe: false, hex: "ffef" },
    { text: "/+8=", urlsafe: true, hex: null },
    { text: "A", urlsafe: false, hex: null },
    { text: "====", urlsafe: false, hex: null },
    { text: "AA=A", urlsafe: false, hex: null },
  ])("$text (urlsafe $urlsafe) → $hex", async ({ text, urlsafe, hex }) => {
    expect((await fresh()).base64(text, urlsafe)).toBe(hex);
  });

  it("agrees with Node on random byte strings (padded and unpadded)", async () => {
    const inst = await fresh();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    for (let len = 0; len < 64; len++) {
      const bytes = Buffer.from(Array.from({ length: len }, rnd));
      const hex = bytes.toString("hex");
      expect(inst.base64(bytes.toString("base64"), false)).toBe(hex);
      expect(inst.base64(bytes.toString("base64").replace(/=+$/, ""), false)).toBe(hex);
      expect(inst.base64(bytes.toString("base64url"), true)).toBe(hex);
    }
  });
});
