// Non-aborting decoders for the protobuf messages the module reads: google.protobuf.Struct (the
// `protobuf` op) and envoy.config.core.v3.Metadata (the `metadata` property, for `filter`
// sources). Decoded Structs become JsonValue trees so structuredLookup works on both.
// OWNER: ops (issue 4). Keep the public API below.
import { JsonValue } from "../config/json";

/** decodeStruct decodes a serialised google.protobuf.Struct; null when malformed. */
export function decodeStruct(bytes: ArrayBuffer): JsonValue | null {
  return null;
}

/** decodeMetadataNamespace returns filter_metadata[namespace] of a serialised Metadata as a tree, or null. */
export function decodeMetadataNamespace(bytes: ArrayBuffer, namespace: string): JsonValue | null {
  return null;
}
