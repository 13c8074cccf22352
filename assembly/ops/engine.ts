// The op engine: compiles `ops` arrays at configure time and runs them on a value stack per
// request (operations.md). Ops never see the host; failures are ordinary results, never traps.
// OWNER: ops (issue 4). Keep the public API below.
import { JsonValue } from "../config/json";
import { Diagnostics } from "../config/diagnostics";

/** OpProgram is a compiled list of operations; an empty program leaves the stack unchanged. */
export class OpProgram {
  get length(): i32 {
    return 0;
  }
}

/**
 * compileOps compiles an `ops` member (array, null or absent) at `path`. Problems go to `diag`
 * (every one, with its JSON path); the returned program is only used when diag has no errors.
 */
export function compileOps(node: JsonValue | null, path: string, diag: Diagnostics): OpProgram {
  return new OpProgram();
}

/**
 * runOps runs `program` on `stack` (index 0 = bottom). Returns the resulting stack, or null when
 * the pipeline fails (including an empty stack after any op). `stack` may be reused or consumed.
 */
export function runOps(program: OpProgram, stack: Array<string>): Array<string> | null {
  return stack.length > 0 ? stack : null;
}
