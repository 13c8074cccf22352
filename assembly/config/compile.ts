// compileConfig: JSON bytes → validated, immutable Config (docs/configuration.md). Every rule and
// diagnostic of the contract lives here; nothing in the document may trap the VM.
// Other areas import the public API below; keep it stable.
//
// The compiler never stops at the first problem: each reader reports at its JSON path and the
// walk continues, so one rejected document lists all its problems. Only a JSON syntax error (or
// invalid UTF-8, or the nesting limit) stops everything, because there is no tree to walk.
import { Config, Service } from "./model";
import { Diagnostics, indexPath, memberPath } from "./diagnostics";
import { jsonQuote } from "../util/strings";
import { JsonKind, JsonValue, JSON_MAX_DEPTH, materialize, parseJsonBytes } from "./json";
import {
  arrayMember, E_EMPTY, E_MISSING, expectedGot, inNameList, objectMember, OPTIONAL, present, REQUIRED,
  stringArray, stringMember, warnUnknownMembers,
} from "./fields";
import { hasAsciiUpper } from "../util/ascii";
import { compileBackend, compileSystem } from "./backend";
import { beginSharedOps, compileCredentials, endSharedOps } from "./credentials";
import { beginSharedRules, compileCleanRule, compileMappingRule, endSharedRules } from "./mapping";
import { compileGlobSet } from "../util/glob";
import { compileServiceFeatures, compileTopFeatures, SERVICE_FEATURE_FIELDS, TOP_FEATURE_FIELDS } from "./features";

// Name lists are `|`-separated strings rather than global arrays: static strings cost the
// incremental GC nothing, while every global array is re-visited on each collection cycle.
const TOP_FIELDS = "api|backend|services|system|" + TOP_FEATURE_FIELDS;
const SERVICE_FIELDS = "id|token|environment|authorities|credentials|mapping_rules|" + SERVICE_FEATURE_FIELDS;

const API_VERSIONS = "v1|v1.0|v1.0.0";
const ENVIRONMENTS = "production|staging|sandbox";

/** compileConfig returns the model, or null when diag has errors (then nothing may be installed). */
export function compileConfig(bytes: ArrayBuffer, diag: Diagnostics): Config | null {
  const errorsBefore = diag.errors.length;
  if (isBlank(bytes)) {
    diag.error("", "empty configuration");
    return null;
  }
  // Services are read one at a time (see materialize below): the whole document never exists
  // as a tree, only its top level and the service being compiled.
  const parsed = parseJsonBytes(bytes, JSON_MAX_DEPTH, true);
  const root = parsed.value;
  if (root == null) {
    diag.error("", "malformed JSON at line " + parsed.line.toString() + ", column " + parsed.column.toString() + ": " + parsed.error);
    return null;
  }
  // Building the JSON path of every member just to find no duplicate is most of the cost of
  // this check on a large document, so paths are only built when a duplicate exists.
  if (mayHaveDuplicateMembers(root)) reportDuplicateMembers(root, "", diag);
  // Duplicates inside services are found as each is built; they are listed with the others.
  let duplicatesEnd = diag.errors.length;
  if (root.kind != JsonKind.Object) {
    diag.error("", expectedGot("object", root));
    return null;
  }
  warnUnknownMembers(root, "", TOP_FIELDS, diag);

  const api = stringMember(root, "api", "", REQUIRED, false, diag);
  if (api != null && !inNameList(api, API_VERSIONS)) {
    diag.error("api", "unsupported api version " + jsonQuote(api) + " (expected \"v1\")");
  }

  const config = new Config();
  compileTopFeatures(root, "", config, diag);
  const backendNode = objectMember(root, "backend", "", REQUIRED, diag);
  if (backendNode != null) config.backend = compileBackend(backendNode, "backend", diag);

  // G3 needs to know whether a system object is configured; any non-null value counts, so a
  // malformed system is reported once, not again at every token-less service.
  const hasSystem = present(root, "system") != null;
  const systemNode = objectMember(root, "system", "", OPTIONAL, diag);
  if (systemNode != null) config.system = compileSystem(systemNode, "system", diag);

  const servicesNode = arrayMember(root, "services", "", REQUIRED, diag);
  beginSharedOps();
  beginSharedRules();
  if (servicesNode != null) {
    const items = servicesNode.items;
    const firstWithId = new Map<string, i32>();
    if (items.length == 0) diag.error("services", E_EMPTY);
    for (let i = 0, n = items.length; i < n; i++) {
      const path = indexPath("services", i);
      const item = materialize(unchecked(items[i]));
      if (item.kind != JsonKind.Object) {
        diag.error(path, expectedGot("object", item));
        continue;
      }
      if (mayHaveDuplicateMembers(item)) {
        const found = new Diagnostics();
        reportDuplicateMembers(item, path, found);
        const errors = found.errors;
        for (let k = 0, m = errors.length; k < m; k++) insertAt(diag.errors, duplicatesEnd++, unchecked(errors[k]));
      }
      const service = compileService(item, path, hasSystem, diag);
      // The service's JSON is no longer needed: detached, it is garbage at once instead of
      // being traced by every collector cycle until the whole document is compiled.
      unchecked((items[i] = COMPILED_PLACEHOLDER));
      const id = service.id;
      if (id.length > 0) {
        if (firstWithId.has(id)) {
          diag.warn(memberPath(path, "id"), "duplicate service id (same as services[" + firstWithId.get(id).toString() + "]): the first matching service wins");
        } else {
          firstWithId.set(id, i);
        }
      }
      config.services.push(service);
      // Each service's tree is garbage once compiled. A full collection every few services
      // (off the request path) keeps those trees from piling up faster than the incremental
      // collector frees them, which would otherwise set the VM's peak memory.
      if ((i & (COLLECT_EVERY - 1)) == COLLECT_EVERY - 1) __collect();
    }
  }
  endSharedOps();
  endSharedRules();
  return diag.errors.length == errorsBefore ? config : null;
}

/** Services compiled between two full collections (a power of two). */
const COLLECT_EVERY: i32 = 8;

/** insertAt inserts `value` before list[index] (0 ≤ index ≤ length). */
function insertAt(list: Array<string>, index: i32, value: string): void {
  list.push(value);
  for (let i = list.length - 1; i > index; i--) unchecked((list[i] = list[i - 1]));
  unchecked((list[index] = value));
}

/** Stands in for a services[] item once compiled (the document tree is this compiler's own). */
const COMPILED_PLACEHOLDER = new JsonValue();

/** isBlank: 0 bytes or only JSON whitespace (docs/configuration.md: `empty configuration`). */
function isBlank(bytes: ArrayBuffer): bool {
  const base = changetype<usize>(bytes);
  for (let i = 0, n = bytes.byteLength; i < n; i++) {
    const b = load<u8>(base + <usize>i);
    if (b != 32 && b != 9 && b != 10 && b != 13) return false;
  }
  return true;
}

/** Objects up to this many members are checked pairwise; larger ones go to the reporter. */
const PAIRWISE_MAX: i32 = 32;

/**
 * mayHaveDuplicateMembers: false only when no object of the document repeats a member name.
 * Allocates nothing; an object too large to check pairwise answers true (the reporter decides).
 */
function mayHaveDuplicateMembers(v: JsonValue): bool {
  if (v.kind == JsonKind.Array) {
    const items = v.items;
    for (let i = 0, n = items.length; i < n; i++) {
      const item = unchecked(items[i]);
      if ((item.kind == JsonKind.Array || item.kind == JsonKind.Object) && mayHaveDuplicateMembers(item)) return true;
    }
    return false;
  }
  if (v.kind != JsonKind.Object) return false;
  const keys = v.keys;
  const n = keys.length;
  if (n > PAIRWISE_MAX) return true;
  for (let i = 1; i < n; i++) {
    const k = unchecked(keys[i]);
    for (let j = 0; j < i; j++) if (unchecked(keys[j]) == k) return true;
  }
  const values = v.values;
  for (let i = 0, m = values.length; i < m; i++) {
    const child = unchecked(values[i]);
    if ((child.kind == JsonKind.Array || child.kind == JsonKind.Object) && mayHaveDuplicateMembers(child)) return true;
  }
  return false;
}

/**
 * reportDuplicateMembers reports `duplicate field` at the second (and later) occurrence of a name
 * in every object of the document. Recursion is bounded by the parser's nesting limit (64).
 */
function reportDuplicateMembers(v: JsonValue, path: string, diag: Diagnostics): void {
  if (v.kind == JsonKind.Array) {
    const items = v.items;
    for (let i = 0, n = items.length; i < n; i++) {
      const item = unchecked(items[i]);
      if (item.kind == JsonKind.Array || item.kind == JsonKind.Object) reportDuplicateMembers(item, indexPath(path, i), diag);
    }
    return;
  }
  if (v.kind != JsonKind.Object) return;
  const keys = v.keys;
  const n = keys.length;
  if (n > 8) {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const k = unchecked(keys[i]);
      if (seen.has(k)) diag.error(memberPath(path, k), "duplicate field");
      else seen.add(k);
    }
  } else {
    for (let i = 1; i < n; i++) {
      const k = unchecked(keys[i]);
      for (let j = 0; j < i; j++) {
        if (unchecked(keys[j]) == k) {
          diag.error(memberPath(path, k), "duplicate field");
          break;
        }
      }
    }
  }
  const values = v.values;
  for (let i = 0, m = values.length; i < m && i < n; i++) {
    const child = unchecked(values[i]);
    if (child.kind == JsonKind.Array || child.kind == JsonKind.Object) reportDuplicateMembers(child, memberPath(path, unchecked(keys[i])), diag);
  }
}

// ---------------------------------------------------------------------------------------------
// services

function compileService(node: JsonValue, path: string, hasSystem: bool, diag: Diagnostics): Service {
  const s = new Service();
  warnUnknownMembers(node, path, SERVICE_FIELDS, diag);

  const idNode = present(node, "id");
  const idPath = memberPath(path, "id");
  if (idNode == null) {
    diag.error(idPath, E_MISSING);
  } else if (idNode.kind == JsonKind.Number) {
    diag.error(idPath, expectedGot("string", idNode) + " (write the id in quotes, e.g. \"2555417834780\")");
  } else if (idNode.kind != JsonKind.String) {
    diag.error(idPath, expectedGot("string", idNode));
  } else if (idNode.str.length == 0) {
    diag.error(idPath, E_EMPTY);
  } else {
    s.id = idNode.str;
  }

  // The token is a secret: diagnostics name its path, never its value.
  const tokenPath = memberPath(path, "token");
  if (present(node, "token") == null) {
    if (!hasSystem) diag.error(tokenPath, E_MISSING + " (no system configured to fetch it)");
  } else {
    const token = stringMember(node, "token", path, OPTIONAL, true, diag);
    if (token != null) s.token = token;
  }

  const environment = stringMember(node, "environment", path, OPTIONAL, false, diag);
  if (environment != null) {
    s.environment = environment;
    if (!inNameList(environment, ENVIRONMENTS)) {
      diag.warn(memberPath(path, "environment"), "unknown environment " + jsonQuote(environment) + " (expected production, staging or sandbox): used as written");
    }
  }

  const authoritiesPath = memberPath(path, "authorities");
  const authorities = arrayMember(node, "authorities", path, OPTIONAL, diag);
  let patterns: Array<string>;
  if (authorities == null) {
    patterns = ["*"];
  } else {
    patterns = stringArray(authorities, authoritiesPath, diag);
    if (authorities.items.length == 0) diag.warn(authoritiesPath, "service can never be selected");
    const items = authorities.items;
    for (let i = 0, n = items.length; i < n; i++) {
      const item = unchecked(items[i]);
      if (item.kind == JsonKind.String && hasAsciiUpper(item.str)) {
        diag.warn(indexPath(authoritiesPath, i), "can never match (authorities are lower-cased)");
      }
    }
  }
  s.authorities = compileGlobSet(patterns);

  const credentials = objectMember(node, "credentials", path, REQUIRED, diag);
  if (credentials != null) s.credentials = compileCredentials(credentials, memberPath(path, "credentials"), diag);

  const rulesPath = memberPath(path, "mapping_rules");
  const rules = arrayMember(node, "mapping_rules", path, OPTIONAL, diag);
  if (rules != null) {
    const items = rules.items;
    for (let i = 0, n = items.length; i < n; i++) {
      const item = unchecked(items[i]);
      let rule = compileCleanRule(item);
      if (rule == null) rule = compileMappingRule(item, indexPath(rulesPath, i), diag);
      if (rule != null) s.mappingRules.push(rule);
    }
  }
  if (!hasSystem && (present(node, "mapping_rules") == null || (rules != null && rules.items.length == 0))) {
    diag.warn(rulesPath, "no mapping rules and no system: every request to this service gets 404 No Mapping Rule matched");
  }
  compileServiceFeatures(node, path, s, diag);
  return s;
}
