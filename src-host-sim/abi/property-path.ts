// Property path encoding (docs/host-simulator.md): segments joined by NUL. The Go SDK
// omits the trailing NUL, the Rust SDK appends one after every segment; Envoy accepts both.

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/** encodePropertyPath joins segments with NUL; `trailingNul` mimics the Rust SDK. */
export function encodePropertyPath(segments: readonly string[], trailingNul = false): Uint8Array {
  const joined = segments.join("\0") + (trailingNul ? "\0" : "");
  return UTF8_ENCODER.encode(joined);
}

/** decodePropertyPath splits a path into segments, accepting an optional trailing NUL. */
export function decodePropertyPath(bytes: Uint8Array): string[] {
  return splitPropertyPath(UTF8_DECODER.decode(bytes));
}

/** splitPropertyPath: decodePropertyPath of a path already decoded from UTF-8. */
export function splitPropertyPath(text: string): string[] {
  if (text.endsWith("\0")) text = text.slice(0, -1);
  return text.split("\0");
}
