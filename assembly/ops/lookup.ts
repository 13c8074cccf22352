// Structured lookup (operations.md §5): path phase + keys phase with the "0" single-entry rule.
// Shared by the `json`/`protobuf` ops and the `filter` credential source.
// OWNER: ops (issue 4). Keep the public API below.
import { JsonValue } from "../config/json";

/** structuredLookup returns the resolved strings (≥ 1), or null when the lookup fails or yields an empty list. */
export function structuredLookup(root: JsonValue, path: Array<string>, keys: Array<string>): Array<string> | null {
  return null;
}
