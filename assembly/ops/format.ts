// Format ops (docs/operations.md): pop t, parse it (JSON, or a serialised google.protobuf.Struct),
// try the lookups in order; the first that resolves wins and its strings are pushed in order.
import { JSON_MAX_DEPTH, JsonValue, parseJsonString } from "../config/json";
import { decodeStruct } from "../util/protobuf";
import { MAX_STACK, Op, Run } from "./core";
import { structuredLookup } from "./lookup";

/** Lookup is one `{path, keys}` object. */
@final
export class Lookup {
  constructor(public path: Array<string>, public keys: Array<string>) {}
}

@final
export class FormatOp extends Op {
  constructor(name: string, public lookups: Array<Lookup>, public protobuf: bool) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = stack.pop();
    // Parsing allocates a node per value: charge 16 units per character, not 1 per 8.
    if (!run.charge(<i64>t.length << 4)) return null;
    let root: JsonValue | null;
    if (this.protobuf) {
      root = decodeStruct(String.UTF8.encode(t));
    } else {
      root = parseJsonString(t, JSON_MAX_DEPTH).value;
    }
    if (root === null) return null;
    const lookups = this.lookups;
    for (let i = 0, n = lookups.length; i < n; i++) {
      const l = unchecked(lookups[i]);
      const r = structuredLookup(root, l.path, l.keys);
      if (r === null) continue;
      if (stack.length + r.length > MAX_STACK) {
        run.abort();
        return null;
      }
      for (let k = 0, m = r.length; k < m; k++) stack.push(unchecked(r[k]));
      return stack;
    }
    return null;
  }
}
