// Glob patterns (docs/operations.md): the reference module's fixtures, the G7 escapes, the
// authority fixtures, and matching that stays linear on hostile input.
import { describe, expect, it } from "vitest";
import { fresh } from "./harness.js";

// Patterns and inputs are the actual characters (String.raw keeps backslashes as written).
const fixtures: Array<[string, string, boolean]> = [
  ["???", "...", true],
  ["...", "???", false],
  ["...", "...", true],
  [String.raw`\.\.\.`, "...", true],
  [String.raw`\\.\\.\\.`, String.raw`\.\.\.`, true],
  [String.raw`C:\\*\\calc*.exe`, String.raw`C:\User\Alex\calc.exe`, true],
  [String.raw`the_asterisk_is_the_\*_character`, "the_asterisk_is_the_*_character", true],
  [String.raw`the_asterisk_is_the_\*_character`, "the_asterisk_is_the_?_character", false],
  ["midpoint_*_not_important", "midpoint_0000_not_important", true],
  ["anything_goes_after_*", "anything_goes_after_", true],
  ["*_anything_goes_before", "_anything_goes_before", true],
  ["*_anything_goes_before", "sa786dn _anything_goes_before", true],
  ["the_question_mark_can_work_as_a_?_character", "the_question_mark_can_work_as_a_?_character", true],
  ["the_question_mark_can_work_as_a_?_character", "the_question_mark_can_work_as_a_!_character", true],
  ["the_question_mark_can_work_as_a_?_character", "the_question_mark_can_work_as_a_??_character", false],
  ["anything_goes_after_*.", "anything_goes_after_127jhas89,.", true],
  ["match_one_of_more_+", "match_one_of_more_123", true],
  ["match_one_of_more_+.", "match_one_of_more_.", false],
  [String.raw`I_want_to_match_slashes_only:_1.\\_2.\\\\_3.\\\\\\_`, String.raw`I_want_to_match_slashes_only:_1.\_2.\\_3.\\\_`, true],
  [String.raw`I_want_to_match_mixed_use:_1.\*_2.\\*_3.\\\*_`, String.raw`I_want_to_match_mixed_use:_1.*_2.\hello_3.\*_`, true],
  ["web.app", "webXapp", false],
  ["ingress", "INGRESS", false],
  [String.raw`a\dc`, "adc", true],
  [String.raw`a\dc`, "a1c", false],
  ["a\\", "a\\", true], // a trailing lone backslash
  // Edge cases of
  ["*", "", true],
  ["+", "", false],
  ["+", "x", true],
  ["?", "", true],
  ["?", "ab", false],
  ["", "", true],
  ["", "a", false],
  ["a*b", "a\nb", false],
  ["a?b", "a\nb", false],
  ["a+b", "a\nb", false],
  ["a\nb", "a\nb", true],
  ["*", "line\nbreak", false],
  ["?", "😀", true],
  ["a+", "a😀", true],
  ["x?y", "x😀y", true],
  ["😀*", "😀tail", true],
  [String.raw`\?`, "?", true],
  [String.raw`\?`, "", false],
  [String.raw`\+`, "+", true],
  [String.raw`\\`, "\\", true],
  ["[a-z]", "[a-z]", true],
  ["(a|b)", "a", false],
  ["^a$", "^a$", true],
  ["a**b", "ab", true],
  ["a*?b", "axb", true],
  ["a?*b", "ab", true],
  ["a??b", "ab", true],
  ["a??b", "axyb", true],
  ["a??b", "axyzb", false],
  ["*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
];

describe("glob patterns", () => {
  it.each(fixtures)("pattern %j on %j → %s", async (pattern, input, expected) => {
    const inst = await fresh();
    expect(inst.glob([pattern], input)).toBe(expected);
    // The same through the glob op (a check: the value stays).
    const r = inst.run([{ glob: [pattern] }], [input]);
    expect(r.stack).toEqual(expected ? [input] : null);
  });

  const authorities = ["*.app", "0.0.0.0", "0.0.0.0:8443"];
  it.each([
    ["web.app", true],
    ["web.app:8080", false],
    ["0.0.0.0", true],
    ["0.0.0.0:8443", true],
    ["0.0.0.0:80", false],
    ["0a0b0c0", false],
  ] as Array<[string, boolean]>)("authority set on %j → %s", async (input, expected) => {
    expect((await fresh()).glob(authorities, input)).toBe(expected);
  });

  it("an empty pattern list matches nothing", async () => {
    expect((await fresh()).glob([], "")).toBe(false);
  });

  it("64 KiB input against a pattern full of wildcards finishes (no backtracking)", async () => {
    const inst = await fresh();
    const input = "a".repeat(65536);
    const pattern = "*a".repeat(200) + "*b";
    const started = Date.now();
    expect(inst.glob([pattern], input)).toBe(false);
    expect(inst.glob(["*a".repeat(200) + "*"], input)).toBe(true);
    expect(inst.glob(["+?".repeat(300) + "b"], input)).toBe(false);
    // Generous bound: a backtracking matcher would not finish in years.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

/** A reference matcher: the glob translated to a JavaScript regular expression (small inputs only). */
function referenceMatch(pattern: string, input: string): boolean {
  const chars = Array.from(pattern);
  let re = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "\\") {
      const lit = i + 1 < chars.length ? chars[++i] : "\\";
      re += lit.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    } else if (c === "*") re += "[^\\n]*";
    else if (c === "+") re += "[^\\n]+";
    else if (c === "?") re += "[^\\n]?";
    else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp("^(?:" + re + ")$", "u").test(input);
}

describe("glob matcher agrees with a reference implementation", () => {
  it.each([
    { name: "short patterns (bit-parallel matcher)", seed: 11, padding: 0 },
    { name: "patterns over 63 tokens (wide matcher)", seed: 12, padding: 70 },
  ])("$name: 1,500 random pattern/input pairs", async ({ seed, padding }) => {
    const inst = await fresh();
    let state = seed;
    const rnd = (n: number) => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const patternAlphabet = ["a", "b", "*", "+", "?", "\\", "\n", "é", "😀", "."];
    const inputAlphabet = ["a", "b", "\n", "é", "😀", ".", "*", "\\"];
    for (let i = 0; i < 1500; i++) {
      const prefix = "p".repeat(padding);
      const pattern = prefix + Array.from({ length: rnd(8) }, () => patternAlphabet[rnd(patternAlphabet.length)]).join("");
      const input = prefix + Array.from({ length: rnd(8) }, () => inputAlphabet[rnd(inputAlphabet.length)]).join("");
      expect([pattern, input, inst.glob([pattern], input)]).toEqual([pattern, input, referenceMatch(pattern, input)]);
    }
  });
});
