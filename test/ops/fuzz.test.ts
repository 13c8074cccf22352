// Generated pipelines (seeded PRNG): at least 10,000 random op programs on random inputs. Every
// run must end normally (a trap would throw here), agree with the engine's own algebra
// (`assert: P` succeeds exactly when P does and never changes S; `cloned: {ops: P}` appends
// P's output), and leave memory bounded.
import { describe, expect, it } from "vitest";
import { fresh, type PipelineResult } from "./harness.js";
import { Prng } from "../support/prng.js";

/** Gen: random op-engine inputs and programs on top of the seeded PRNG (int, pick, chance). */
class Gen extends Prng {
  text(maxLen: number): string {
    const alphabet = ["a", "b", ":", " ", "-", "_", "=", "/", "+", "é", "😀", "\n", "*", "?", "{", "}", '"', "[", "]", "0", "1", "Y", "Q"];
    let s = "";
    const n = this.int(maxLen + 1);
    for (let i = 0; i < n; i++) s += this.pick(alphabet);
    return s;
  }

  value(): string {
    switch (this.int(6)) {
      case 0: return Buffer.from(this.text(20)).toString("base64");
      case 1: return Buffer.from(this.text(20)).toString("base64url");
      case 2: return JSON.stringify({ azp: this.text(6), aud: [this.text(3), this.text(3)], n: this.int(9) });
      case 3: return "Basic " + Buffer.from(this.text(8) + ":" + this.text(8)).toString("base64");
      default: return this.text(24);
    }
  }

  stack(): string[] {
    return Array.from({ length: 1 + this.int(4) }, () => this.value());
  }

  signed(): number {
    return this.int(9) - 4;
  }

  ops(depth: number): unknown[] {
    return Array.from({ length: this.int(depth > 1 ? 3 : 6) }, () => this.op(depth));
  }

  op(depth: number): unknown {
    const nest = depth < 3;
    const names = [
      "base64_standard", "base64_urlsafe", "strlen", "strrev", "split", "rsplit", "replace", "prefix", "suffix", "substr", "glob",
      "length", "join", "reverse", "contains", "push", "pop", "dup", "xchg", "take", "drop", "swap", "indexes", "values",
      "ok", "fail", "json", "protobuf", "log",
      ...(nest ? ["flat_map", "select", "any", "one_of", "all", "none", "assert", "refute", "test", "and", "or", "xor", "cloned", "partial", "top"] : []),
    ];
    const name = this.pick(names);
    const small = () => this.int(4);
    switch (name) {
      case "strlen": return { strlen: { min: this.chance(0.5) ? small() : undefined, max: this.chance(0.5) ? 2 + small() * 4 : undefined, mode: this.pick(["utf8", "bytes"]) } };
      case "split": case "rsplit": return { [name]: { separator: this.pick([":", " ", "", "=", "ab"]), max: small() } };
      case "replace": return { replace: { pattern: this.pick(["a", "", ":", "é"]), with: this.pick(["", "x", "--"]), max: small() } };
      case "prefix": case "suffix": case "substr": case "contains": case "push": case "xchg": case "join": return { [name]: this.text(2) };
      case "glob": return { glob: Array.from({ length: small() }, () => this.pick(["*", "a*", "+:+", "?", "Basic", "*é*", "\\*"])) };
      case "length": return { length: { min: this.chance(0.5) ? small() : undefined, max: this.chance(0.5) ? small() + 1 : undefined } };
      case "pop": return { pop: small() };
      case "dup": return { dup: this.signed() };
      case "take": case "drop": return { [name]: { head: small(), tail: small() } };
      case "swap": return { swap: { from: this.signed(), to: this.signed() } };
      case "indexes": return { indexes: Array.from({ length: small() }, () => this.signed()) };
      case "values": return { values: { level: "debug", id: "f" } };
      case "log": return { log: { msg: "m", level: "trace" } };
      case "json": case "protobuf": return { [name]: this.chance(0.5) ? { path: this.chance(0.3) ? ["0"] : [], keys: ["azp", "aud", "0"] } : [{ keys: ["aud"] }, { keys: [] }] };
      case "flat_map": case "select": case "any": case "one_of": case "all": case "none": case "assert": case "refute":
      case "and": case "or": case "xor": case "top":
        return { [name]: this.ops(depth + 1) };
      case "test": return { test: { if: this.op(depth + 1), then: this.ops(depth + 1), else: this.chance(0.5) ? this.ops(depth + 1) : undefined } };
      case "cloned": return { cloned: { ops: this.ops(depth + 1), result: this.pick(["append", "prepend"]) } };
      case "partial": return { partial: { ops: this.ops(depth + 1), result: this.pick(["append", "prepend"]), max: small() } };
      default: return this.chance(0.5) ? name : { [name]: null };
    }
  }
}

function checkShape(r: PipelineResult): void {
  expect(r.errors).toEqual([]);
  if (r.ok) {
    expect(Array.isArray(r.stack)).toBe(true);
    expect(r.stack!.length).toBeGreaterThan(0);
    for (const v of r.stack!) expect(typeof v).toBe("string");
  } else {
    expect(r.stack).toBeNull();
  }
}

describe("generated pipelines", () => {
  it.each([1, 2, 3, 4, 5])("seed %i: 2,000 random pipelines × random inputs never trap and obey the algebra", async (seed) => {
    const inst = await fresh();
    const g = new Gen(seed * 7919);
    let succeeded = 0;
    for (let i = 0; i < 2000; i++) {
      const program = g.ops(0);
      const stack = g.stack();
      const r = inst.run(program, stack);
      checkShape(r);
      if (r.ok) succeeded++;
      const asserted = inst.run([{ assert: program }], stack);
      expect(asserted.ok).toBe(r.ok);
      if (asserted.ok) expect(asserted.stack).toEqual(stack);
      const cloned = inst.run([{ cloned: { ops: program } }], stack);
      expect(cloned.ok).toBe(r.ok);
      if (r.ok) expect(cloned.stack).toEqual([...stack, ...r.stack!]);
    }
    // The generator must exercise both outcomes, or the algebra checks prove little.
    expect(succeeded).toBeGreaterThan(200);
    expect(succeeded).toBeLessThan(1900);
    expect(inst.memoryBytes()).toBeLessThan(64 * 1024 * 1024);
  });

  it("random pipelines on 16 KiB inputs never trap and memory stays bounded", async () => {
    const inst = await fresh();
    const g = new Gen(424242);
    const base = g.text(64);
    for (let i = 0; i < 300; i++) {
      const big = base.repeat(256 + g.int(256)).slice(0, 16384);
      const r = inst.run(g.ops(0), [big, g.value()]);
      checkShape(r);
    }
    expect(inst.memoryBytes()).toBeLessThan(256 * 1024 * 1024);
  });
});
