// The op runtime shared by every category: the Op base class, compiled programs, the run
// context (budget), and the one driver loop that owns the pipeline invariants (docs/operations.md):
// - after every op, an empty stack is a failure;
// - a step budget, a stack-size limit and a value-size limit bound the time and memory any
//   input can cost. Hitting a limit aborts the whole run (it is never read as an ordinary
//   failure, so `refute`/`none`/`test` cannot turn it into a success).
// Ops never touch the host (except the logging ops) and never trap.

/**
 * Work units one top-level run may spend. A unit is roughly 10 ns of work: 1 per op and per
 * stack slot handled, 1 per 8 characters scanned, UNITS_PER_ALLOCATION per value allocated in
 * bulk (split), 16 per character parsed (json). Measured in the release build, a pipeline that
 * exhausts the budget stops after well under 0.1 s; real pipelines spend a few hundred units.
 */
export const RUN_BUDGET: i64 = 1 << 22;
/** Units charged per allocated piece when an op creates values in bulk. */
export const UNITS_PER_ALLOCATION: i64 = 16;
/** Most values a stack may hold (a 64 KiB header split into characters still fits). */
export const MAX_STACK: i32 = 1 << 17;
/** Longest value (UTF-16 code units) an op may build (`join`, `replace`). */
export const MAX_VALUE_LENGTH: i32 = 1 << 20;

/** Run is the state of one top-level runOps call. */
@final
export class Run {
  budget: i64 = RUN_BUDGET;
  /** aborted: a limit was hit; every level of the run fails from here on. */
  aborted: bool = false;

  /** charge spends `units`; false (and aborted) when the budget is exhausted. */
  charge(units: i64): bool {
    this.budget -= units;
    if (this.budget < 0) this.aborted = true;
    return !this.aborted;
  }

  abort(): void {
    this.aborted = true;
  }

  /** reset prepares the object for a new top-level run (one Run is reused: runs never nest). */
  reset(): Run {
    this.budget = RUN_BUDGET;
    this.aborted = false;
    return this;
  }
}

/**
 * Op is one compiled operation. `apply` receives a stack it may modify or return (the caller
 * owns no other reference to it) and returns the new stack, or null when the op fails.
 */
export class Op {
  constructor(public name: string) {}
  apply(stack: Array<string>, run: Run): Array<string> | null {
    return null;
  }
}

/** OpProgram is a compiled list of operations; an empty program leaves the stack unchanged. */
@final
export class OpProgram {
  ops: Array<Op> = [];
  get length(): i32 {
    return this.ops.length;
  }
}

/** runProgram is the driver: the ops in order, each result checked. Null when the pipeline fails. */
export function runProgram(program: OpProgram, stack: Array<string>, run: Run): Array<string> | null {
  const ops = program.ops;
  let s = stack;
  for (let i = 0, n = ops.length; i < n; i++) {
    const r = applyOne(unchecked(ops[i]), s, run);
    if (r === null) return null;
    s = r;
  }
  return s;
}

/** applyOne applies a single op with the driver's checks (used for ops evaluated "alone"). */
export function applyOne(op: Op, stack: Array<string>, run: Run): Array<string> | null {
  if (run.aborted || !run.charge(1 + <i64>stack.length)) return null;
  const r = op.apply(stack, run);
  if (run.aborted) return null;
  if (r === null || r.length == 0) return null;
  if (r.length > MAX_STACK) {
    run.abort();
    return null;
  }
  return r;
}

/** copyStack returns a shallow copy (values are immutable strings). */
// @ts-ignore: decorator
@inline
export function copyStack(s: Array<string>): Array<string> {
  return s.slice(0);
}

/** chargeChars charges for processing `n` characters (one unit per 8). */
// @ts-ignore: decorator
@inline
export function chargeChars(run: Run, n: i32): bool {
  return run.charge(<i64>(n >> 3));
}

/** top returns the top value; callers guarantee a non-empty stack (the driver does). */
// @ts-ignore: decorator
@inline
export function topOf(s: Array<string>): string {
  return unchecked(s[s.length - 1]);
}
