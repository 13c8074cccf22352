// Decode ops (docs/operations.md): pop t, push t base64-decoded. Fails on any malformed or
// non-canonical encoding and on decoded bytes that are not valid UTF-8.
import { decodeBase64 } from "../util/base64";
import { decodeUtf8BufferStrict } from "../util/utf8";
import { chargeChars, Op, Run, topOf } from "./core";

@final
export class Base64Op extends Op {
  constructor(name: string, public urlsafe: bool) {
    super(name);
  }

  apply(stack: Array<string>, run: Run): Array<string> | null {
    const t = topOf(stack);
    if (!chargeChars(run, t.length)) return null;
    const bytes = decodeBase64(t, this.urlsafe);
    if (bytes === null) return null;
    const text = decodeUtf8BufferStrict(bytes);
    if (text === null) return null;
    unchecked((stack[stack.length - 1] = text));
    return stack;
  }
}
