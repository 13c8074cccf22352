// The backend, system and upstream objects (docs/configuration.md): upstream URLs with their
// derived values, the system token and ttl, and the 3scale-options header built from
// backend.extensions.
import { BackendConfig, SystemConfig, Upstream } from "./model";
import { Diagnostics, indexPath, memberPath } from "./diagnostics";
import { jsonQuote } from "../util/strings";
import { JsonKind, JsonValue } from "./json";
import {
  arrayMember, expectedGot, inNameList, integerMember, objectMember, OPTIONAL, REQUIRED, stringMember,
  warnUnknownMembers,
} from "./fields";
import { parseUpstreamUrl } from "./upstream";
import { BACKEND_FEATURE_FIELDS, compileBackendFeatures } from "./features";
import { BACKEND_CACHE_FIELDS, compileBackendCache } from "./cache";

const UPSTREAM_FIELDS = "name|url|timeout";
const SYSTEM_FIELDS = "name|upstream|token|ttl";
const BACKEND_FIELDS = "name|upstream|extensions|" + BACKEND_FEATURE_FIELDS + "|" + BACKEND_CACHE_FIELDS;
const KNOWN_EXTENSIONS = "no_body|rejection_reason_header|limit_headers|hierarchy|flat_usage|list_app_keys";

const TIMEOUT_MAX: i64 = 2147483647;
const TTL_MAX: i64 = 4294967295;

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

export function compileSystem(node: JsonValue, path: string, diag: Diagnostics): SystemConfig {
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

export function compileBackend(node: JsonValue, path: string, diag: Diagnostics): BackendConfig {
  const b = new BackendConfig();
  warnUnknownMembers(node, path, BACKEND_FIELDS, diag);
  stringMember(node, "name", path, OPTIONAL, false, diag);
  const upstream = objectMember(node, "upstream", path, REQUIRED, diag);
  if (upstream != null) b.upstream = compileUpstream(upstream, memberPath(path, "upstream"), diag);
  const extensions = arrayMember(node, "extensions", path, OPTIONAL, diag);
  if (extensions != null) b.optionsHeader = compileExtensions(extensions, memberPath(path, "extensions"), diag);
  compileBackendFeatures(node, path, b, diag);
  compileBackendCache(node, path, b, diag);
  return b;
}

/**
 * compileExtensions builds the 3scale-options header value: `rejection_reason_header=1`
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
    if (!inNameList(name, KNOWN_EXTENSIONS)) diag.warn(p, "unknown extension " + jsonQuote(name) + ": sent anyway");
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
