// Check ops (docs/operations.md): S is never changed; every evaluation runs on a copy of S.
// The list ops evaluate each element alone (not chained); assert/refute run the list as a pipeline.
import { applyOne, copyStack, Op, OpProgram, Run, runProgram } from "./core";

/** ok always succeeds; fail never does. */
@final
export class ConstOp extends Op {
  constructor(name: string, public result: bool) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    return this.result ? stack : null;
  }
}

export const CHECK_ANY: i32 = 0;
export const CHECK_ONE_OF: i32 = 1;
export const CHECK_ALL: i32 = 2;
export const CHECK_NONE: i32 = 3;

/** any / one_of / all / none: count the elements that succeed alone, stopping as soon as the verdict is known. */
@final
export class CheckListOp extends Op {
  constructor(name: string, public mode: i32, public ops: Array<Op>) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const ops = this.ops;
    const mode = this.mode;
    let successes = 0;
    for (let i = 0, n = ops.length; i < n; i++) {
      const ok = applyOne(unchecked(ops[i]), copyStack(stack), run) !== null;
      if (run.aborted) return null;
      if (ok) {
        successes++;
        if (mode == CHECK_ANY) return stack;
        if (mode == CHECK_ONE_OF && successes == 2) return null;
        if (mode == CHECK_NONE) return null;
      } else if (mode == CHECK_ALL) {
        return null;
      }
    }
    if (mode == CHECK_ANY) return null;
    if (mode == CHECK_ONE_OF) return successes == 1 ? stack : null;
    return stack; // all / none reached the end without a contrary result
  }
}

/** assert: the list as a pipeline on a copy succeeds; refute: it fails. `[]` → assert passes, refute fails. */
@final
export class AssertOp extends Op {
  constructor(name: string, public program: OpProgram, public expect: bool) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const ok = runProgram(this.program, copyStack(stack), run) !== null;
    if (run.aborted) return null;
    return ok == this.expect ? stack : null;
  }
}
