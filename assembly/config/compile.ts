// compileConfig: JSON bytes → validated, immutable Config (configuration.md). Every rule and
// diagnostic of the contract lives here; nothing in the document may trap the VM.
// OWNER: config (issue 4). Keep the public API below.
//
// The compiler never stops at the first problem: each reader reports at its JSON path and the
// walk continues, so one rejected document lists all its problems. Only a JSON syntax error (or
// invalid UTF-8, or the nesting limit) stops everything, because there is no tree to walk.
import {
  BackendConfig, Config, CredentialSource, Credentials, MappingRule, Service, SourceKind,
  SystemConfig, Upstream, Usage,
} from "./model";
import { Diagnostics, indexPath, jsonQuote, memberPath } from "./diagnostics";
import { JsonKind, JsonValue, JSON_MAX_DEPTH, parseJsonBytes } from "./json";
import {
  arrayMember, boolMember, DELTA_MAX, E_EMPTY, E_MISSING, expectedGot, integerMember, objectMember, OPTIONAL,
  present, REQUIRED, stringArray, stringMember, W_UNKNOWN, warnUnknownMembers,
} from "./fields";
import { parseUpstreamUrl } from "./upstream";
import { asciiLower, asciiUpper, hasAsciiUpper } from "./ascii";
import { compileMethod, compileRulePattern } from "./rules";
import { compileGlobSet } from "../util/glob";
import { compileOps } from "../ops/engine";

const TOP_FIELDS: Array<string> = ["api", "backend", "services", "system"];
const UPSTREAM_FIELDS: Array<string> = ["name", "url", "timeout"];
const SYSTEM_FIELDS: Array<string> = ["name", "upstream", "token", "ttl"];
const BACKEND_FIELDS: Array<string> = ["name", "upstream", "extensions"];
const SERVICE_FIELDS: Array<string> = ["id", "token", "environment", "authorities", "credentials", "mapping_rules"];
const CREDENTIAL_FIELDS: Array<string> = ["user_key", "app_id", "app_key"];
const SOURCE_TYPES: Array<string> = ["header", "query_string", "filter"];
const KEYED_SOURCE_FIELDS: Array<string> = ["keys", "ops"];
const FILTER_SOURCE_FIELDS: Array<string> = ["path", "keys", "ops"];
const RULE_FIELDS: Array<string> = ["method", "pattern", "usages", "last"];
const USAGE_FIELDS: Array<string> = ["name", "delta"];

const API_VERSIONS: Array<string> = ["v1", "v1.0", "v1.0.0"];
const ENVIRONMENTS: Array<string> = ["production", "staging", "sandbox"];
const KNOWN_EXTENSIONS: Array<string> = ["no_body", "rejection_reason_header", "limit_headers", "hierarchy", "flat_usage", "list_app_keys"];

const TIMEOUT_MAX: i64 = 2147483647;
const TTL_MAX: i64 = 4294967295;

/** compileConfig returns the model, or null when diag has errors (then nothing may be installed). */
export function compileConfig(bytes: ArrayBuffer, diag: Diagnostics): Config | null {
  const errorsBefore = diag.errors.length;
  if (isBlank(bytes)) {
    diag.error("", "empty configuration");
    return null;
  }
  const parsed = parseJsonBytes(bytes, JSON_MAX_DEPTH);
  const root = parsed.value;
  if (root == null) {
    diag.error("", "malformed JSON at line " + parsed.line.toString() + ", column " + parsed.column.toString() + ": " + parsed.error);
    return null;
  }
  reportDuplicateMembers(root, "", diag);
  if (root.kind != JsonKind.Object) {
    diag.error("", expectedGot("object", root));
    return null;
  }
  warnUnknownMembers(root, "", TOP_FIELDS, diag);

  const api = stringMember(root, "api", "", REQUIRED, false, diag);
  if (api != null && !API_VERSIONS.includes(api)) {
    diag.error("api", "unsupported api version " + jsonQuote(api) + " (expected \"v1\")");
  }

  const config = new Config();
  const backendNode = objectMember(root, "backend", "", REQUIRED, diag);
  if (backendNode != null) config.backend = compileBackend(backendNode, "backend", diag);

  // G3 needs to know whether a system object is configured; any non-null value counts, so a
  // malformed system is reported once, not again at every token-less service.
  const hasSystem = present(root, "system") != null;
  const systemNode = objectMember(root, "system", "", OPTIONAL, diag);
  if (systemNode != null) config.system = compileSystem(systemNode, "system", diag);

  const servicesNode = arrayMember(root, "services", "", REQUIRED, diag);
  if (servicesNode != null) {
    const items = servicesNode.items;
    const firstWithId = new Map<string, i32>();
    if (items.length == 0) diag.error("services", E_EMPTY);
    for (let i = 0, n = items.length; i < n; i++) {
      const path = indexPath("services", i);
      const item = unchecked(items[i]);
      if (item.kind != JsonKind.Object) {
        diag.error(path, expectedGot("object", item));
        continue;
      }
      const service = compileService(item, path, hasSystem, diag);
      const id = service.id;
      if (id.length > 0) {
        if (firstWithId.has(id)) {
          diag.warn(memberPath(path, "id"), "duplicate service id (same as services[" + firstWithId.get(id).toString() + "]): the first matching service wins");
        } else {
          firstWithId.set(id, i);
        }
      }
      config.services.push(service);
    }
  }
  return diag.errors.length == errorsBefore ? config : null;
}

/** isBlank: 0 bytes or only JSON whitespace (configuration.md §1: `empty configuration`). */
function isBlank(bytes: ArrayBuffer): bool {
  const base = changetype<usize>(bytes);
  for (let i = 0, n = bytes.byteLength; i < n; i++) {
    const b = load<u8>(base + <usize>i);
    if (b != 32 && b != 9 && b != 10 && b != 13) return false;
  }
  return true;
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
// backend, system, upstream (§4-§6)

function compileUpstream(node: JsonValue, path: string, diag: Diagnostics): Upstream {
  const u = new Upstream();
  warnUnknownMembers(node, path, UPSTREAM_FIELDS, diag);
  const name = stringMember(node, "name", path, REQUIRED, true, diag);
  if (name != null) u.name = name;
  const url = stringMember(node, "url", path, REQUIRED, false, diag);
  if (url != null) {
    u.url = url;
    const parts = parseUpstreamUrl(url);
    if (parts.error.length > 0) {
      diag.error(memberPath(path, "url"), "invalid URL: " + parts.error);
    } else {
      u.scheme = parts.scheme;
      u.authority = parts.authority;
      u.basePath = parts.basePath;
      u.query = parts.query;
    }
  }
  const timeout = integerMember(node, "timeout", path, OPTIONAL, 0, TIMEOUT_MAX, diag);
  if (!isNaN(timeout)) u.timeoutMs = <u32>timeout;
  return u;
}

function compileSystem(node: JsonValue, path: string, diag: Diagnostics): SystemConfig {
  const s = new SystemConfig();
  warnUnknownMembers(node, path, SYSTEM_FIELDS, diag);
  stringMember(node, "name", path, OPTIONAL, false, diag);
  const upstream = objectMember(node, "upstream", path, REQUIRED, diag);
  if (upstream != null) s.upstream = compileUpstream(upstream, memberPath(path, "upstream"), diag);
  const token = stringMember(node, "token", path, REQUIRED, true, diag);
  if (token != null) s.token = token;
  const ttl = integerMember(node, "ttl", path, OPTIONAL, 0, TTL_MAX, diag);
  if (!isNaN(ttl)) s.ttlSeconds = <u64>ttl;
  return s;
}

function compileBackend(node: JsonValue, path: string, diag: Diagnostics): BackendConfig {
  const b = new BackendConfig();
  warnUnknownMembers(node, path, BACKEND_FIELDS, diag);
  stringMember(node, "name", path, OPTIONAL, false, diag);
  const upstream = objectMember(node, "upstream", path, REQUIRED, diag);
  if (upstream != null) b.upstream = compileUpstream(upstream, memberPath(path, "upstream"), diag);
  const extensions = arrayMember(node, "extensions", path, OPTIONAL, diag);
  if (extensions != null) b.optionsHeader = compileExtensions(extensions, memberPath(path, "extensions"), diag);
  return b;
}

/**
 * compileExtensions builds the 3scale-options header value (§6): `rejection_reason_header=1`
 * first (always sent by the module), then each configured entry once, `name` written `name=1`.
 */
function compileExtensions(arr: JsonValue, path: string, diag: Diagnostics): string {
  let header = "rejection_reason_header=1";
  const sent = new Array<string>();
  const items = arr.items;
  for (let i = 0, n = items.length; i < n; i++) {
    const p = indexPath(path, i);
    const item = unchecked(items[i]);
    if (item.kind != JsonKind.String) {
      diag.error(p, expectedGot("string", item));
      continue;
    }
    const entry = item.str;
    const eq = extensionSyntaxEnd(entry);
    if (eq < 0) {
      diag.error(p, "invalid extension " + jsonQuote(entry));
      continue;
    }
    const name = entry.substring(0, eq);
    if (name == "rejection_reason_header") {
      diag.warn(p, "dropped; the module always sends rejection_reason_header=1");
      continue;
    }
    if (!KNOWN_EXTENSIONS.includes(name)) diag.warn(p, "unknown extension " + jsonQuote(name) + ": sent anyway");
    const wire = eq == entry.length ? entry + "=1" : entry;
    if (sent.includes(wire)) continue; // a repeated entry is sent once
    sent.push(wire);
    header += "&" + wire;
  }
  return header;
}

/**
 * extensionSyntaxEnd checks `^[A-Za-z0-9_]+(=[A-Za-z0-9_.~-]*)?$` and returns the length of the
 * name part, or -1 when the entry does not match.
 */
function extensionSyntaxEnd(entry: string): i32 {
  const n = entry.length;
  let i = 0;
  while (i < n) {
    const c = entry.charCodeAt(i);
    if (!isWordChar(c)) break;
    i++;
  }
  if (i == 0) return -1;
  if (i == n) return n;
  if (entry.charCodeAt(i) != 61) return -1; // '='
  for (let k = i + 1; k < n; k++) {
    const c = entry.charCodeAt(k);
    if (!(isWordChar(c) || c == 46 || c == 126 || c == 45)) return -1;
  }
  return i;
}

@inline function isWordChar(c: i32): bool {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95;
}

// ---------------------------------------------------------------------------------------------
// services (§7)

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
    if (!ENVIRONMENTS.includes(environment)) {
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
      const rule = compileMappingRule(unchecked(items[i]), indexPath(rulesPath, i), diag);
      if (rule != null) s.mappingRules.push(rule);
    }
  }
  if (!hasSystem && (present(node, "mapping_rules") == null || (rules != null && rules.items.length == 0))) {
    diag.warn(rulesPath, "no mapping rules and no system: every request to this service gets 404 No Mapping Rule matched");
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// credentials (§8)

function compileCredentials(node: JsonValue, path: string, diag: Diagnostics): Credentials {
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

/** compileSource reads one lookup query: exactly one of header, query_string, filter (§8.1). */
function compileSource(node: JsonValue, path: string, diag: Diagnostics): CredentialSource | null {
  if (node.kind != JsonKind.Object) {
    diag.error(path, expectedGot("object", node));
    return null;
  }
  const found = new Array<string>();
  const keys = node.keys;
  for (let i = 0, n = keys.length; i < n; i++) {
    const k = unchecked(keys[i]);
    if (!SOURCE_TYPES.includes(k)) {
      diag.warn(memberPath(path, k), W_UNKNOWN);
      continue;
    }
    if (unchecked(node.values[i]).kind != JsonKind.Null && !found.includes(k)) found.push(k);
  }
  if (found.length == 0) {
    diag.error(path, "expected exactly one of header, query_string, filter");
    return null;
  }
  if (found.length > 1) {
    diag.error(path, "more than one source type (" + found.join(", ") + ")");
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
  source.ops = compileOps(present(spec, "ops"), memberPath(specPath, "ops"), diag);
  return source;
}

// ---------------------------------------------------------------------------------------------
// mapping rules (§9)

function compileMappingRule(node: JsonValue, path: string, diag: Diagnostics): MappingRule | null {
  if (node.kind != JsonKind.Object) {
    diag.error(path, expectedGot("object", node));
    return null;
  }
  warnUnknownMembers(node, path, RULE_FIELDS, diag);
  const rule = new MappingRule();
  let ok = true;

  const method = stringMember(node, "method", path, REQUIRED, true, diag);
  if (method != null) {
    const m = compileMethod(method);
    rule.method = m.method;
    rule.anyMethod = m.any;
    if (!m.isToken) diag.warn(memberPath(path, "method"), "never matches (not an HTTP token)");
  } else ok = false;

  const pattern = stringMember(node, "pattern", path, REQUIRED, false, diag);
  if (pattern != null) {
    const p = compileRulePattern(pattern);
    const patternPath = memberPath(path, "pattern");
    if (p.pattern == null) {
      diag.error(patternPath, "invalid pattern: " + p.error);
      ok = false;
    } else {
      rule.pattern = p.pattern!;
      if (p.neverMatches) diag.warn(patternPath, "never matches (does not start with \"/\")");
    }
  } else ok = false;

  const usagesPath = memberPath(path, "usages");
  const usages = arrayMember(node, "usages", path, REQUIRED, diag);
  if (usages != null) {
    const items = usages.items;
    for (let i = 0, n = items.length; i < n; i++) {
      const usage = compileUsage(unchecked(items[i]), indexPath(usagesPath, i), diag);
      if (usage != null) rule.usages.push(usage);
    }
  }

  const last = boolMember(node, "last", path, diag);
  if (last.ok) rule.last = last.value;
  return ok ? rule : null;
}

function compileUsage(node: JsonValue, path: string, diag: Diagnostics): Usage | null {
  if (node.kind != JsonKind.Object) {
    diag.error(path, expectedGot("object", node));
    return null;
  }
  warnUnknownMembers(node, path, USAGE_FIELDS, diag);
  const name = stringMember(node, "name", path, REQUIRED, true, diag);
  const delta = integerMember(node, "delta", path, REQUIRED, -DELTA_MAX, DELTA_MAX, diag);
  if (name == null || isNaN(delta)) return null;
  if (delta < 0) diag.warn(memberPath(path, "delta"), "negative usage: the backend rejects it");
  const u = new Usage();
  u.name = name;
  u.delta = <i64>delta;
  return u;
}
