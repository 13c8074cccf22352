// Reads `backend.cache` and `backend.failure_mode` (docs/cache.md) into BackendConfig.caching.
// Every problem is reported at its JSON path and the walk continues, as in the rest of the compiler.
import { BackendConfig } from "./model";
import { CachePolicy, FailureMode } from "./cache-model";
import { Diagnostics, memberPath } from "./diagnostics";
import { jsonQuote } from "../util/strings";
import { boolMember, integerMember, objectMember, OPTIONAL, stringMember, warnUnknownMembers } from "./fields";
import { JsonValue } from "./json";

/** Members added to `backend` (appended to its known-field list). */
export const BACKEND_CACHE_FIELDS = "cache|failure_mode";

const CACHE_FIELDS = "enabled|ttl|report_interval|max_entries";
export const CACHE_TTL_MAX: i64 = 86400;
export const CACHE_REPORT_INTERVAL_MAX: i64 = 3600;
export const CACHE_MAX_ENTRIES_MAX: i64 = 100000;

/** compileBackendCache reads the two members into `b.caching` (defaults when absent or null). */
export function compileBackendCache(node: JsonValue, path: string, b: BackendConfig, diag: Diagnostics): void {
  const policy = new CachePolicy();
  const cache = objectMember(node, "cache", path, OPTIONAL, diag);
  if (cache != null) compileCacheObject(cache, memberPath(path, "cache"), policy, diag);
  const mode = stringMember(node, "failure_mode", path, OPTIONAL, false, diag);
  if (mode != null) {
    if (mode == "closed") policy.failureMode = FailureMode.Closed;
    else if (mode == "open") policy.failureMode = FailureMode.Open;
    else if (mode == "resilient") policy.failureMode = FailureMode.Resilient;
    else diag.error(memberPath(path, "failure_mode"), "invalid value " + jsonQuote(mode) + " (expected closed, open or resilient)");
  }
  b.caching = policy;
  // The cache sizes a verdict's reuse with the answer's limit headers (docs/cache.md, "Limits").
  if (policy.enabled && !("&" + b.optionsHeader + "&").includes("&limit_headers=1&")) b.optionsHeader += "&limit_headers=1";
}

function compileCacheObject(node: JsonValue, path: string, policy: CachePolicy, diag: Diagnostics): void {
  warnUnknownMembers(node, path, CACHE_FIELDS, diag);
  const enabled = boolMember(node, "enabled", path, diag);
  if (enabled.ok) policy.enabled = enabled.value;
  const ttl = integerMember(node, "ttl", path, OPTIONAL, 1, CACHE_TTL_MAX, diag);
  if (!isNaN(ttl)) policy.ttlSeconds = <u64>ttl;
  const interval = integerMember(node, "report_interval", path, OPTIONAL, 1, CACHE_REPORT_INTERVAL_MAX, diag);
  if (!isNaN(interval)) policy.reportIntervalSeconds = <u64>interval;
  const max = integerMember(node, "max_entries", path, OPTIONAL, 1, CACHE_MAX_ENTRIES_MAX, diag);
  if (!isNaN(max)) policy.maxEntries = <i32>max;
  // report_interval and max_entries also serve failure modes open/resilient; only ttl is idle.
  if (!policy.enabled && !isNaN(ttl)) diag.warn(memberPath(path, "ttl"), "ignored while cache.enabled is not true");
}
