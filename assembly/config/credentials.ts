// The credentials object and its sources (docs/configuration.md): which lookups feed
// user_key, app_id and app_key, each with its compiled op program.
import { CredentialSource, Credentials, SourceKind } from "./model";
import { Diagnostics, indexPath, memberPath } from "./diagnostics";
import { JsonKind, JsonValue } from "./json";
import {
  arrayMember, E_EMPTY, expectedGot, inNameList, objectMember, OPTIONAL, present, REQUIRED, stringArray,
  W_UNKNOWN, warnUnknownMembers,
} from "./fields";
import { asciiLower } from "../util/ascii";
import { compileOps, OpProgram } from "../ops/engine";
import { joinStrings } from "../util/strings";

const CREDENTIAL_FIELDS = "user_key|app_id|app_key";
const SOURCE_TYPES = "header|query_string|filter";
const KEYED_SOURCE_FIELDS = "keys|ops";
const FILTER_SOURCE_FIELDS = "path|keys|ops";

export function compileCredentials(node: JsonValue, path: string, diag: Diagnostics): Credentials {
  const c = new Credentials();
  warnUnknownMembers(node, path, CREDENTIAL_FIELDS, diag);
  c.userKey = compileSourceList(node, "user_key", path, diag);
  c.appId = compileSourceList(node, "app_id", path, diag);
  c.appKey = compileSourceList(node, "app_key", path, diag);
  if (present(node, "user_key") == null && present(node, "app_id") == null) {
    diag.error(path, "at least one of user_key or app_id is required");
  }
  return c;
}

function compileSourceList(node: JsonValue, name: string, path: string, diag: Diagnostics): Array<CredentialSource> | null {
  const arr = arrayMember(node, name, path, OPTIONAL, diag);
  if (arr == null) return null;
  const listPath = memberPath(path, name);
  const out = new Array<CredentialSource>();
  const items = arr.items;
  if (items.length == 0) diag.warn(listPath, "never resolves");
  for (let i = 0, n = items.length; i < n; i++) {
    const source = compileSource(unchecked(items[i]), indexPath(listPath, i), diag);
    if (source != null) out.push(source);
  }
  return out;
}

/** compileSource reads one lookup query: exactly one of header, query_string, filter. */
function compileSource(node: JsonValue, path: string, diag: Diagnostics): CredentialSource | null {
  if (node.kind != JsonKind.Object) {
    diag.error(path, expectedGot("object", node));
    return null;
  }
  const found = new Array<string>();
  const keys = node.keys;
  const values = node.values;
  for (let i = 0, n = keys.length; i < n && i < values.length; i++) {
    const k = unchecked(keys[i]);
    if (!inNameList(k, SOURCE_TYPES)) {
      diag.warn(memberPath(path, k), W_UNKNOWN);
      continue;
    }
    if (unchecked(values[i]).kind != JsonKind.Null && !found.includes(k)) found.push(k);
  }
  if (found.length == 0) {
    diag.error(path, "expected exactly one of header, query_string, filter");
    return null;
  }
  if (found.length > 1) {
    diag.error(path, "more than one source type (" + joinStrings(found, ", ") + ")");
    return null;
  }
  const type = unchecked(found[0]);
  const spec = objectMember(node, type, path, REQUIRED, diag);
  if (spec == null) return null;
  const specPath = memberPath(path, type);
  const source = new CredentialSource();
  if (type == "filter") {
    source.kind = SourceKind.Filter;
    warnUnknownMembers(spec, specPath, FILTER_SOURCE_FIELDS, diag);
    const filterPath = arrayMember(spec, "path", specPath, REQUIRED, diag);
    if (filterPath != null) {
      source.path = stringArray(filterPath, memberPath(specPath, "path"), diag);
      if (filterPath.items.length == 0) diag.error(memberPath(specPath, "path"), E_EMPTY);
    }
    const filterKeys = arrayMember(spec, "keys", specPath, REQUIRED, diag);
    if (filterKeys != null) source.keys = stringArray(filterKeys, memberPath(specPath, "keys"), diag);
  } else {
    const isHeader = type == "header";
    source.kind = isHeader ? SourceKind.Header : SourceKind.QueryString;
    warnUnknownMembers(spec, specPath, KEYED_SOURCE_FIELDS, diag);
    const keysNode = arrayMember(spec, "keys", specPath, REQUIRED, diag);
    if (keysNode != null) {
      const keysPath = memberPath(specPath, "keys");
      const names = stringArray(keysNode, keysPath, diag);
      if (keysNode.items.length == 0) diag.warn(keysPath, "never resolves");
      // Header names are compared case-insensitively (D20): store them lower-cased, as hosts
      // deliver request header names.
      if (isHeader) {
        for (let i = 0, n = names.length; i < n; i++) names[i] = asciiLower(unchecked(names[i]));
      }
      source.keys = names;
    }
  }
  source.ops = compileOpsShared(present(spec, "ops"), specPath, diag);
  return source;
}

// ---- Sharing compiled pipelines between services ----
//
// Large configurations repeat the same credential pipelines in every service. A program is
// immutable once compiled and depends only on its `ops` JSON (the path only names diagnostics),
// so a pipeline whose JSON equals one already compiled *without any diagnostic* reuses that
// program. A pipeline with diagnostics is always compiled again, so each one is reported at its
// own path. The cache lives for one compileConfig call (beginSharedOps/endSharedOps).

const SHARED_OPS_MAX: i32 = 16;
let sharedOpsNodes: Array<JsonValue> | null = null;
let sharedOpsPrograms: Array<OpProgram> | null = null;

/** beginSharedOps starts an empty cache for one configuration. */
export function beginSharedOps(): void {
  sharedOpsNodes = new Array<JsonValue>();
  sharedOpsPrograms = new Array<OpProgram>();
}

/** endSharedOps drops the cache, so it keeps neither the JSON tree nor the programs alive. */
export function endSharedOps(): void {
  sharedOpsNodes = null;
  sharedOpsPrograms = null;
}

function compileOpsShared(node: JsonValue | null, specPath: string, diag: Diagnostics): OpProgram {
  const nodes = sharedOpsNodes;
  const programs = sharedOpsPrograms;
  if (node == null || nodes == null || programs == null) return compileOps(node, memberPath(specPath, "ops"), diag);
  for (let i = 0, n = min(nodes.length, programs.length); i < n; i++) {
    if (sameJson(unchecked(nodes[i]), node)) return unchecked(programs[i]);
  }
  const before = diag.errors.length + diag.warnings.length;
  const program = compileOps(node, memberPath(specPath, "ops"), diag);
  if (diag.errors.length + diag.warnings.length == before && nodes.length < SHARED_OPS_MAX) {
    nodes.push(node);
    programs.push(program);
  }
  return program;
}

/** sameJson: structural equality of two values (member order and duplicates included). Depth ≤ the parser's limit. */
function sameJson(a: JsonValue, b: JsonValue): bool {
  if (a === b) return true;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case JsonKind.Null: return true;
    case JsonKind.Bool: return a.bool == b.bool;
    case JsonKind.Number: return a.isInteger == b.isInteger && a.num == b.num && (a.num != 0 || 1 / a.num == 1 / b.num);
    case JsonKind.String: return a.str == b.str;
    case JsonKind.Array: {
      const x = a.items;
      const y = b.items;
      const n = x.length;
      if (n != y.length) return false;
      for (let i = 0; i < n; i++) if (!sameJson(unchecked(x[i]), unchecked(y[i]))) return false;
      return true;
    }
    default: {
      const n = a.keys.length;
      if (n != b.keys.length || a.values.length != n || b.values.length != n) return false;
      for (let i = 0; i < n; i++) {
        if (unchecked(a.keys[i]) != unchecked(b.keys[i])) return false;
        if (!sameJson(unchecked(a.values[i]), unchecked(b.values[i]))) return false;
      }
      return true;
    }
  }
}
