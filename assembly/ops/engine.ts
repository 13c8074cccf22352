// The op engine: compiles `ops` arrays at configure time and runs them on a value stack per
// request (docs/operations.md). Ops never see the host (except the logging ops); failures are
// ordinary results, never traps. The pieces: core.ts (driver, limits), compile.ts (JSON → ops),
// one file per category (decode, string, stack, check, control, format), lookup.ts.
import { JsonValue } from "../config/json";
import { Diagnostics } from "../config/diagnostics";
import { applyOne, OpProgram, Run, runProgram } from "./core";
import { compileProgram } from "./compile";

export { OpProgram } from "./core";

/**
 * compileOps compiles an `ops` member (array, null or absent) at `path`. Problems go to `diag`
 * (every one, with its JSON path); the returned program is only used when diag has no errors.
 */
export function compileOps(node: JsonValue | null, path: string, diag: Diagnostics): OpProgram {
  return compileProgram(node, path, diag);
}

/**
 * runOps runs `program` on `stack` (index 0 = bottom). Returns the resulting stack, or null when
 * the pipeline fails (including an empty stack after any op, or a resource limit of core.ts).
 * `stack` may be reused or consumed.
 */
export function runOps(program: OpProgram, stack: Array<string>): Array<string> | null {
  if (stack.length == 0) return null;
  if (program.ops.length == 0) return stack;
  return runProgram(program, stack, SHARED_RUN.reset());
}

// One Run for every top-level run: a run never starts another one (ops call runProgram with
// the Run they were given), so reusing it saves an allocation per request.
const SHARED_RUN = new Run();

/** TraceStep is the stack after one top-level op (null: the op failed and the run stopped). */
export class TraceStep {
  constructor(public op: string, public stack: Array<string> | null) {}
}

/** traceOps runs like runOps and records the stack after every top-level op (CLI `trace`). */
export function traceOps(program: OpProgram, stack: Array<string>): Array<TraceStep> {
  const steps = new Array<TraceStep>();
  if (stack.length == 0) return steps;
  const run = new Run();
  let s = stack;
  const ops = program.ops;
  for (let i = 0, n = ops.length; i < n; i++) {
    const op = unchecked(ops[i]);
    const r = applyOne(op, s, run);
    if (r === null) {
      steps.push(new TraceStep(op.name, null));
      break;
    }
    s = r;
    steps.push(new TraceStep(op.name, s.slice(0)));
  }
  return steps;
}
