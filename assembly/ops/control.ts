// Control ops (docs/operations.md): they may change S.
import { logAt } from "../host/log";
import { applyOne, copyStack, MAX_STACK, Op, OpProgram, Run, runProgram } from "./core";

/** test: evaluate `if` on a copy (output discarded), then run `then` or `else` on S. */
@final
export class TestOp extends Op {
  constructor(public cond: Op, public then_: OpProgram, public else_: OpProgram) {
    super("test");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const ok = applyOne(this.cond, copyStack(stack), run) !== null;
    if (run.aborted) return null;
    return runProgram(ok ? this.then_ : this.else_, stack, run);
  }
}

/** and: the list as a pipeline on S (grouping). */
@final
export class AndOp extends Op {
  constructor(public program: OpProgram) {
    super("and");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    return runProgram(this.program, stack, run);
  }
}

/**
 * or: each element alone on a copy; the first success's output becomes S.
 * xor: the same, but exactly one element may succeed (stops, failing, at the second success).
 */
@final
export class OrOp extends Op {
  constructor(name: string, public ops: Array<Op>, public exclusive: bool) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const ops = this.ops;
    let found: Array<string> | null = null;
    for (let i = 0, n = ops.length; i < n; i++) {
      const r = applyOne(unchecked(ops[i]), copyStack(stack), run);
      if (run.aborted) return null;
      if (r === null) continue;
      if (!this.exclusive) return r;
      if (found !== null) return null;
      found = r;
    }
    return found;
  }
}

/** cloned: run the program on a copy of S; append (S + out) or prepend (out + S). */
@final
export class ClonedOp extends Op {
  constructor(public program: OpProgram, public prepend: bool) {
    super("cloned");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const out = runProgram(this.program, copyStack(stack), run);
    if (out === null) return null;
    return combine(stack, out, this.prepend, run);
  }
}

/**
 * partial (and top = partial with max 1, append): run the program on the top min(max, |S|)
 * values; the untouched rest is kept below (append) or above (prepend) the output.
 */
@final
export class PartialOp extends Op {
  constructor(name: string, public program: OpProgram, public prepend: bool, public max: u32) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    if (this.max == 0) return null;
    const len = stack.length;
    const take = <i32>min(<u32>len, this.max);
    const rest = stack.slice(0, len - take);
    const sub = take == len ? stack : stack.slice(len - take);
    const out = runProgram(this.program, sub, run);
    if (out === null) return null;
    if (rest.length == 0) return out;
    return combine(rest, out, this.prepend, run);
  }
}

/** combine returns base + out (append) or out + base (prepend), within the stack limit. */
function combine(base: Array<string>, out: Array<string>, prepend: bool, run: Run): Array<string> | null {
  if (base.length + out.length > MAX_STACK) {
    run.abort();
    return null;
  }
  if (!run.charge(base.length + out.length)) return null;
  return prepend ? out.concat(base) : base.concat(out);
}

/** log: `[3scale-auth/config] <msg>` at its level; S unchanged. */
@final
export class LogOp extends Op {
  constructor(public level: i32, public line: string) {
    super("log");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    logAt(this.level, this.line);
    return stack;
  }
}
