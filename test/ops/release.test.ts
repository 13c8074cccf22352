// The product is compiled with `-O3 --shrinkLevel 1`, and the standard library picks different
// code under shrink levels (e.g. `Array<string>#join` becomes quadratic). These cases run the
// ops entry compiled with the product's release flags, so a blow-up that only exists there
// (seconds or minutes instead of milliseconds) fails here. The time bounds are deliberately
// generous: they catch pathologies, not speed regressions (figures: see the ops report/bench).
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-ignore: plain ESM helper shared with the build script
import { compileAs } from "../../scripts/lib/compile.mjs";
import { ROOT } from "../support/modules.js";
import { OpsInstance } from "./harness.js";

const releaseWasm = resolve(ROOT, "build/testing-release/ops.wasm");
const big = "x".repeat(65536);

beforeAll(async () => {
  await compileAs("assembly/testing/ops.ts", "build/testing-release/ops.wasm", { mode: "release", bindings: "raw", sdk: false });
}, 300_000);

describe("release build of the op engine", () => {
  it.each([
    { name: "split into characters and join back", ops: [{ split: { separator: "" } }, { join: "" }], expected: [big] },
    { name: "replace with an empty pattern", ops: [{ replace: { pattern: "", with: "-" } }], expected: ["-" + big.split("").join("-") + "-"] },
    { name: "split/join repeated until the budget stops it", ops: Array.from({ length: 200 }, () => [{ split: { separator: "" } }, { join: "" }]).flat(), expected: null },
    { name: "replace doubling until the value limit stops it", ops: Array.from({ length: 40 }, () => ({ replace: { pattern: "", with: "ab" } })), expected: null },
    { name: "values of a split stack", ops: [{ split: { separator: "" } }, { values: { level: "trace" } }, { length: { min: 65538 } }, { take: { head: 1 } }], expected: [""] },
  ])("$name finishes quickly", async ({ ops, expected }) => {
    const inst = await OpsInstance.create(releaseWasm);
    const started = Date.now();
    const r = inst.run(ops, [big]);
    expect(r.errors).toEqual([]);
    expect(r.stack).toEqual(expected);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("runs the documented Basic pipeline like the debug build", async () => {
    const inst = await OpsInstance.create(releaseWasm);
    const ops = [{ split: { separator: " ", max: 2 } }, { length: { min: 2 } }, { drop: { head: 1 } }, "base64_urlsafe", { split: { max: 2 } }];
    expect(inst.run(ops, ["Basic YWxhZGRpbjpvcGVuc2VzYW1l"]).stack).toEqual(["aladdin", "opensesame"]);
  });
});
