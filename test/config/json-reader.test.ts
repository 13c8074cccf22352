// The non-aborting JSON reader (assembly/config/json.ts): RFC 8259 exactly, positions, integer
// flag, nesting limit, UTF-8 validation. Every case runs in a fresh instance of the test entry.
import { describe, expect, it } from "vitest";
import { freshEntry, probeJson, probeJsonBytes } from "./entry.js";

const enc = (s: string): number[] => Array.from(Buffer.from(s, "utf8"));

describe("well-formed documents read back exactly", () => {
  it.each([
    { name: "an empty object", text: "{}" },
    { name: "an empty array", text: "[]" },
    { name: "scalars at the top level", text: "\"text\"" },
    { name: "true", text: "true" },
    { name: "false", text: "false" },
    { name: "null", text: "null" },
    { name: "nested containers", text: '{"a":[1,{"b":[[],{}]},"c"],"d":{"e":{"f":null}}}' },
    { name: "whitespace everywhere JSON allows it", text: ' \t\r\n{ "a" :\n[ 1 ,\t2 ] ,"b" : { } }\n ' },
    { name: "non-ASCII text", text: '{"ключ":"значение","emoji":"😀","cjk":"漢字"}' },
    { name: "negative and fractional numbers", text: "[-1,0.5,-0.25,1e2,1E-2,2.5e+3]" },
    { name: "a long array", text: JSON.stringify(Array.from({ length: 5000 }, (_, i) => i)) },
  ])("$name", async ({ text }) => {
    const r = await probeJson(text);
    expect(r.ok).toBe(true);
    expect(r.value).toEqual(JSON.parse(text));
  });
});

describe("string escapes", () => {
  it.each([
    { name: "quote", text: '"\\""', value: '"' },
    { name: "backslash", text: '"\\\\"', value: "\\" },
    { name: "solidus", text: '"\\/"', value: "/" },
    { name: "backspace", text: '"\\b"', value: "\b" },
    { name: "form feed", text: '"\\f"', value: "\f" },
    { name: "newline", text: '"\\n"', value: "\n" },
    { name: "carriage return", text: '"\\r"', value: "\r" },
    { name: "tab", text: '"\\t"', value: "\t" },
    { name: "\\u escape, lower-case hex", text: '"\\u00e9"', value: "é" },
    { name: "\\u escape, upper-case hex", text: '"\\u00E9"', value: "é" },
    { name: "\\u0000", text: '"a\\u0000b"', value: "a\u0000b" },
    { name: "surrogate pair escape", text: '"\\ud83d\\ude00"', value: "😀" },
    { name: "the two characters \\$ (docs/configuration.md)", text: '"\\\\$"', value: "\\$" },
    { name: "escapes mixed with text", text: '"a\\tb\\\\c\\"d\\u0041"', value: 'a\tb\\c"dA' },
  ])("$name", async ({ text, value }) => {
    const r = await probeJson(text);
    expect(r.ok).toBe(true);
    expect(r.value).toBe(value);
  });

  it("decodes a 60 KiB string full of escapes", async () => {
    const value = "a\"\\\n\u00e9😀".repeat(10 * 1024);
    const r = await probeJson(JSON.stringify({ v: value }));
    expect(r.ok).toBe(true);
    expect((r.value as { v: string }).v).toBe(value);
  });
});

describe("numbers and the integer flag", () => {
  it.each([
    { text: "5000", isInteger: true, num: 5000 },
    { text: "0", isInteger: true, num: 0 },
    { text: "-0", isInteger: true, num: 0 },
    { text: "-17", isInteger: true, num: -17 },
    { text: "9007199254740991", isInteger: true, num: 9007199254740991 },
    { text: "-9007199254740991", isInteger: true, num: -9007199254740991 },
    { text: "4294967295", isInteger: true, num: 4294967295 },
    { text: "5000.0", isInteger: false, num: 5000 },
    { text: "5e3", isInteger: false, num: 5000 },
    { text: "5E+3", isInteger: false, num: 5000 },
    { text: "0.5", isInteger: false, num: 0.5 },
    { text: "-2.5e-3", isInteger: false, num: -0.0025 },
  ])("$text → integer: $isInteger", async ({ text, isInteger, num }) => {
    const e = await freshEntry();
    const r = JSON.parse(e.jsonNumberProbe(text)) as { ok: boolean; isInteger: boolean; num: number };
    expect(r).toEqual({ ok: true, isInteger, num });
  });

  it.each([
    { name: "a huge exponent", text: "1e99999999999999999999" },
    { name: "a tiny exponent", text: "-1e-99999" },
    { name: "400 digits", text: "9".repeat(400) },
  ])("reads $name without trapping", async ({ text }) => {
    const e = await freshEntry();
    expect(JSON.parse(e.jsonNumberProbe(text)).ok).toBe(true);
  });
});

describe("malformed input is an error with a 1-based position", () => {
  it.each([
    { name: "empty input", text: "", line: 1, column: 1, error: /end of input/ },
    { name: "only whitespace", text: "  \n  ", line: 2, column: 3, error: /end of input/ },
    { name: "truncated object", text: '{"azp":', line: 1, column: 8, error: /end of input/ },
    { name: "truncated string", text: '{"azp":"abc', line: 1, column: 12, error: /unterminated string/ },
    { name: "trailing comma in an array", text: "[1,2,]", line: 1, column: 6, error: /expected a value/ },
    { name: "trailing comma in an object", text: '{"a":1,}', line: 1, column: 8, error: /member name/ },
    { name: "missing colon", text: '{"a" 1}', line: 1, column: 6, error: /expected ':'/ },
    { name: "single-quoted string", text: "{'a':1}", line: 1, column: 2, error: /member name/ },
    { name: "unquoted member name", text: "{a:1}", line: 1, column: 2, error: /member name/ },
    { name: "trailing garbage", text: '{"a":1} x', line: 1, column: 9, error: /end of input after the value/ },
    { name: "two documents", text: "{}{}", line: 1, column: 3, error: /end of input after the value/ },
    { name: "leading zero", text: "[01]", line: 1, column: 3, error: /leading zero/ },
    { name: "a plus sign", text: "[+1]", line: 1, column: 2, error: /expected a value/ },
    { name: "a bare dot fraction", text: "[1.]", line: 1, column: 4, error: /digit after '.'/ },
    { name: "a fraction without integer part", text: "[.5]", line: 1, column: 2, error: /expected a value/ },
    { name: "an empty exponent", text: "[1e]", line: 1, column: 4, error: /exponent/ },
    { name: "NaN", text: "NaN", line: 1, column: 1, error: /expected a value/ },
    { name: "Infinity", text: "[Infinity]", line: 1, column: 2, error: /expected a value/ },
    { name: "a capitalised literal", text: "True", line: 1, column: 1, error: /expected a value/ },
    { name: "a truncated literal", text: "[nul", line: 1, column: 2, error: /expected a value/ },
    { name: "an invalid escape", text: '"\\x"', line: 1, column: 2, error: /invalid escape/ },
    { name: "a short \\u escape", text: '"\\u12"', line: 1, column: 2, error: /\\u escape/ },
    { name: "a \\u escape with a non-hex digit", text: '"\\u12G4"', line: 1, column: 2, error: /\\u escape/ },
    { name: "a raw newline in a string", text: '"a\nb"', line: 1, column: 3, error: /control character/ },
    { name: "a raw tab in a string", text: '"a\tb"', line: 1, column: 3, error: /control character/ },
    { name: "a comment", text: "{} // note", line: 1, column: 4, error: /end of input after the value/ },
    { name: "a position on a later line", text: '{\n  "a": 1,\n  "b": ]\n}', line: 3, column: 8, error: /expected a value/ },
    { name: "columns count characters, not bytes", text: '["é😀", x]', line: 1, column: 8, error: /expected a value/ },
    { name: "a non-ASCII character outside strings", text: "[1, é]", line: 1, column: 5, error: /U\+00E9/ },
  ])("$name", async ({ text, line, column, error }) => {
    const r = await probeJson(text);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(error);
    expect({ line: r.line, column: r.column }).toEqual({ line, column });
  });
});

describe("raw surrogates in decoded text (parseJsonString input)", () => {
  const HIGH = String.fromCharCode(0xd800);
  const LOW = String.fromCharCode(0xdc00);
  it.each([
    { name: "a lone high surrogate inside a string", text: `"a${HIGH}b"`, error: "unpaired surrogate in a string" },
    { name: "a lone low surrogate inside a string", text: `"${LOW}"`, error: "unpaired surrogate in a string" },
    { name: "a reversed pair inside a string", text: `"${LOW}${HIGH}"`, error: "unpaired surrogate in a string" },
    { name: "a lone surrogate outside strings", text: `[${HIGH}]`, error: "unexpected character U+D800, expected a value" },
  ])("$name is an error", async ({ text, error }) => {
    // The JS string carries the raw code unit into the module unchanged.
    const r = await probeJson(text);
    expect(r.ok).toBe(false);
    expect(r.error).toBe(error);
  });

  it("a raw surrogate pair inside a string is one character", async () => {
    const r = await probeJson('"😀"');
    expect(r).toMatchObject({ ok: true, value: "😀" });
  });

  it("escapes in member names are decoded", async () => {
    const r = await probeJson(String.raw`{"a\u0062\n":1}`);
    expect(r).toMatchObject({ ok: true, value: { "ab\n": 1 } });
  });
});

describe("surrogates", () => {
  it.each([
    { name: "a lone high surrogate escape", text: '"\\ud800"' },
    { name: "a lone low surrogate escape", text: '"\\udc00"' },
    { name: "a high surrogate escape followed by text", text: '"\\ud83dabcdef"' },
    { name: "a high surrogate escape followed by a non-surrogate escape", text: '"\\ud83d\\u0041"' },
    { name: "two high surrogate escapes", text: '"\\ud83d\\ud83d"' },
    { name: "reversed pair", text: '"\\ude00\\ud83d"' },
    { name: "a lone surrogate escape in a member name", text: '{"\\ud800":1}' },
  ])("$name is an error", async ({ text }) => {
    const r = await probeJson(text);
    expect(r.ok).toBe(false);
    expect(r.error).toBe("lone surrogate escape");
  });
});

describe("nesting limit (G1)", () => {
  const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);
  const nestedObjects = (depth: number): string => '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);

  it.each([
    { name: "64 arrays", text: nested(64), ok: true },
    { name: "65 arrays", text: nested(65), ok: false },
    { name: "64 objects", text: nestedObjects(64), ok: true },
    { name: "65 objects", text: nestedObjects(65), ok: false },
    { name: "10,000 arrays", text: nested(10000), ok: false },
    { name: "10,000 unclosed arrays", text: "[".repeat(10000), ok: false },
    { name: "10,000 objects", text: nestedObjects(10000), ok: false },
  ])("$name: accepted = $ok", async ({ text, ok }) => {
    const r = await probeJson(text);
    expect(r.ok).toBe(ok);
    if (!ok) {
      expect(r.tooDeep).toBe(true);
      expect(r.error).toBe("nesting deeper than 64 levels");
    }
  });

  it.each([
    { maxDepth: 1, text: "[1,2]", ok: true },
    { maxDepth: 1, text: "[[1]]", ok: false },
    { maxDepth: 0, text: "1", ok: true },
    { maxDepth: 0, text: "[]", ok: false },
    // (The probe's dump of the tree is recursive, so deep accepted trees stay well inside the
    // 32 KiB AssemblyScript shadow stack; the reader itself is iterative.)
    { maxDepth: 200, text: nested(200), ok: true },
    { maxDepth: 200, text: nested(201), ok: false },
  ])("maxDepth $maxDepth: $text accepted = $ok", async ({ maxDepth, text, ok }) => {
    expect((await probeJson(text, maxDepth)).ok).toBe(ok);
  });
});

describe("duplicate member names are kept in document order", () => {
  it.each([
    { text: '{"a":1,"a":2}', dump: '{"a":1,"a":2}' },
    { text: '{"b":true,"a":null,"b":false}', dump: '{"b":true,"a":null,"b":false}' },
  ])("$text", async ({ text, dump }) => {
    const e = await freshEntry();
    // The probe's value is the reader's own canonical dump; compare it as text, since JS objects cannot hold duplicates.
    const raw = e.parseJsonProbe(text);
    expect(raw).toContain(`"value":${dump}}`);
  });
});

describe("UTF-8 validation of raw bytes", () => {
  it.each([
    { name: "a lone continuation byte", bytes: [0x22, 0x80, 0x22], offset: 1 },
    { name: "a truncated 2-byte sequence", bytes: [0x22, 0xc3, 0x22], offset: 1 },
    { name: "a truncated sequence at the end", bytes: [0x22, 0xe2, 0x82], offset: 1 },
    { name: "an overlong encoding of '/'", bytes: [0x22, 0xc0, 0xaf, 0x22], offset: 1 },
    { name: "an overlong 3-byte encoding", bytes: [0x22, 0xe0, 0x80, 0xaf, 0x22], offset: 1 },
    { name: "an encoded surrogate (CESU-8)", bytes: [0x22, 0xed, 0xa0, 0x80, 0x22], offset: 1 },
    { name: "a code point above U+10FFFF", bytes: [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], offset: 1 },
    { name: "the byte 0xFF", bytes: [0x7b, 0xff, 0x7d], offset: 1 },
    { name: "Latin-1 text", bytes: [0x22, 0x63, 0x61, 0x66, 0xe9, 0x22], offset: 4 },
    { name: "a bad byte after valid multi-byte text", bytes: [...enc('"é😀'), 0xfe, 0x22], offset: 7 },
  ])("$name is an error at its byte offset", async ({ bytes, offset }) => {
    const r = await probeJsonBytes(bytes);
    expect(r.ok).toBe(false);
    expect(r.error).toBe(`invalid UTF-8 at byte offset ${offset}`);
  });

  it.each([
    { name: "2-, 3- and 4-byte characters", text: '"é€😀"', value: "é€😀" },
    { name: "U+FFFF and U+10FFFF", text: '"\uffff\u{10ffff}"', value: "\uffff\u{10ffff}" },
  ])("valid UTF-8: $name", async ({ text, value }) => {
    const r = await probeJsonBytes(enc(text));
    expect(r.ok).toBe(true);
    expect(r.value).toBe(value);
  });

  it("ignores a leading byte order mark", async () => {
    const r = await probeJsonBytes([0xef, 0xbb, 0xbf, ...enc('{"a":1}')]);
    expect(r).toMatchObject({ ok: true, value: { a: 1 } });
  });

  it("reports the line and column of an invalid byte", async () => {
    const r = await probeJsonBytes([...enc('{\n  "é": "'), 0xff, ...enc('"\n}')]);
    expect(r).toMatchObject({ ok: false, line: 2, column: 9 });
  });
});

describe("value positions", () => {
  it("records the 1-based line and column of the root value", async () => {
    const r = await probeJson("\n\n   [1]");
    expect(r).toMatchObject({ ok: true, line: 3, column: 4 });
  });
});
