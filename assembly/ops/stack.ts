// Stack ops (docs/operations.md). Indexes follow Ruby semantics: i ≥ 0 counts from the
// bottom, i < 0 from the top (-1 is the top); anything outside -len..len-1 fails.
import { logAt } from "../host/log";
import { mask } from "../util/secrets";
import { chargeChars, MAX_STACK, MAX_VALUE_LENGTH, Op, OpProgram, Run, runProgram } from "./core";
import { joinStrings, jsonQuote } from "../util/strings";

/** resolveIndex maps a Ruby-style index to 0..len-1, or -1 when out of range. */
// @ts-ignore: decorator
@inline
export function resolveIndex(idx: i32, len: i32): i32 {
  const i: i64 = idx < 0 ? <i64>len + <i64>idx : <i64>idx;
  return i >= 0 && i < <i64>len ? <i32>i : -1;
}

/** length: min ≤ |S| ≤ max (-1 = no bound). */
@final
export class LengthOp extends Op {
  constructor(public min: i64, public max: i64) {
    super("length");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const len = <i64>stack.length;
    if (this.min >= 0 && len < this.min) return null;
    if (this.max >= 0 && len > this.max) return null;
    return stack;
  }
}

/** join: S becomes one value, all values bottom→top joined by the separator. */
@final
export class JoinOp extends Op {
  constructor(public separator: string) {
    super("join");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const n = stack.length;
    let total: i64 = <i64>this.separator.length * <i64>(n - 1);
    for (let i = 0; i < n; i++) total += unchecked(stack[i]).length;
    if (total > <i64>MAX_VALUE_LENGTH) {
      run.abort();
      return null;
    }
    if (!chargeChars(run, <i32>total)) return null;
    const joined = joinStrings(stack, this.separator);
    stack.length = 1;
    unchecked((stack[0] = joined));
    return stack;
  }
}

@final
export class ReverseOp extends Op {
  constructor() {
    super("reverse");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    stack.reverse();
    return stack;
  }
}

/** contains: some value equals the parameter exactly. */
@final
export class ContainsOp extends Op {
  constructor(public value: string) {
    super("contains");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    return stack.includes(this.value) ? stack : null;
  }
}

@final
export class PushOp extends Op {
  constructor(public value: string) {
    super("push");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    stack.push(this.value);
    return stack;
  }
}

/** pop: remove the top n values (n ≥ |S| empties the stack, which fails). */
@final
export class PopOp extends Op {
  constructor(public count: u32) {
    super("pop");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const len = stack.length;
    if (<u64>this.count >= <u64>len) return null;
    stack.length = len - <i32>this.count;
    return stack;
  }
}

@final
export class DupOp extends Op {
  constructor(public index: i32) {
    super("dup");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const i = resolveIndex(this.index, stack.length);
    if (i < 0) return null;
    stack.push(unchecked(stack[i]));
    return stack;
  }
}

/** xchg: replace the top value with the parameter. */
@final
export class XchgOp extends Op {
  constructor(public value: string) {
    super("xchg");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    unchecked((stack[stack.length - 1] = this.value));
    return stack;
  }
}

/**
 * take keeps the first `head` values plus the last `tail` of the rest; drop removes the first
 * `head` values, then the last `tail` of the rest. An empty result fails (the driver checks).
 */
@final
export class TakeDropOp extends Op {
  constructor(name: string, public head: u32, public tail: u32, public take: bool) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const len = <u32>stack.length;
    const h = min(this.head, len);
    const t = min(this.tail, len - h);
    if (this.take) {
      if (h + t >= len) return stack;
      const out = new Array<string>(<i32>(h + t));
      for (let i: u32 = 0; i < h; i++) unchecked((out[i] = stack[i]));
      for (let i: u32 = 0; i < t; i++) unchecked((out[h + i] = stack[len - t + i]));
      return out;
    }
    if (h == 0 && t == 0) return stack;
    if (h + t >= len) return null;
    return stack.slice(<i32>h, <i32>(len - t));
  }
}

/** swap exchanges S[from] and S[to]; both indexes are checked even when equal. */
@final
export class SwapOp extends Op {
  constructor(public from: i32, public to: i32) {
    super("swap");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const len = stack.length;
    const a = resolveIndex(this.from, len);
    const b = resolveIndex(this.to, len);
    if (a < 0 || b < 0) return null;
    const tmp = unchecked(stack[a]);
    unchecked((stack[a] = stack[b]));
    unchecked((stack[b] = tmp));
    return stack;
  }
}

/** indexes: the new stack is the values at the listed indexes, in list order; [] is a no-op. */
@final
export class IndexesOp extends Op {
  constructor(public indexes: StaticArray<i32>) {
    super("indexes");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const list = this.indexes;
    const n = list.length;
    if (n == 0) return stack;
    if (!run.charge(n)) return null;
    const len = stack.length;
    const out = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      const i = resolveIndex(unchecked(list[k]), len);
      if (i < 0) return null;
      unchecked((out[k] = stack[i]));
    }
    return out;
  }
}

/** flat_map: run the program on each value alone (bottom→top); concatenate the outputs. */
@final
export class FlatMapOp extends Op {
  constructor(public program: OpProgram) {
    super("flat_map");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const out = new Array<string>();
    // One small stack is allocated per value.
    if (!run.charge(<i64>stack.length * 4)) return null;
    for (let i = 0, n = stack.length; i < n; i++) {
      const r = runProgram(this.program, [unchecked(stack[i])], run);
      if (r === null) return null;
      if (out.length + r.length > MAX_STACK) {
        run.abort();
        return null;
      }
      for (let k = 0, m = r.length; k < m; k++) out.push(unchecked(r[k]));
    }
    return out;
  }
}

/** select: keep, in order, the original values whose own run succeeds; the outputs are discarded. */
@final
export class SelectOp extends Op {
  constructor(public program: OpProgram) {
    super("select");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const out = new Array<string>();
    if (!run.charge(<i64>stack.length * 4)) return null;
    for (let i = 0, n = stack.length; i < n; i++) {
      const v = unchecked(stack[i]);
      if (runProgram(this.program, [v], run) !== null) out.push(v);
      if (run.aborted) return null;
    }
    return out;
  }
}

/** values logs the stack, every value masked (G12); the stack is unchanged. */
@final
export class ValuesOp extends Op {
  constructor(public level: i32, public id: string) {
    super("values");
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    if (!run.charge(stack.length)) return null;
    logAt(this.level, formatValuesLine(this.id, stack));
    return stack;
  }
}

/** formatValuesLine: `[3scale-auth/stack] values at "<id>": ["***7890", "***"]`. */
export function formatValuesLine(id: string, stack: Array<string>): string {
  const parts = new Array<string>(stack.length);
  for (let i = 0, n = stack.length; i < n; i++) unchecked((parts[i] = jsonQuote(mask(unchecked(stack[i])))));
  return "[3scale-auth/stack] values at " + jsonQuote(id) + ": [" + joinStrings(parts, ", ") + "]";
}
