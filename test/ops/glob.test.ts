// Glob patterns (operations.md §4): the reference module's fixtures, the G7 escapes, the
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
  // Edge cases of §4.
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
