// The authrep call (docs/behaviour.md): path and headers. Every value and metric name is
// percent-encoded; the brackets of usage[…] are sent raw. The debug form masks the secrets.
import { BackendConfig, Upstream } from "../config/model";
import { percentEncodeValue } from "../util/percent";
import { mask } from "../util/secrets";
import { joinStrings } from "../util/strings";
import { ResolvedCredentials } from "./credentials";
import { UsageList } from "./usage";

/**
 * authrepPrefix is the per-service constant head of `:path` (base path, service id, token);
 * snapshots compute it once. With `masked`, the token is masked (debug logs only).
 */
export function authrepPrefix(upstream: Upstream, serviceId: string, serviceToken: string, masked: bool): string {
  return upstream.basePath + "transactions/authrep.xml?service_id=" + percentEncodeValue(serviceId) + "&service_token=" +
    (masked ? mask(serviceToken) : percentEncodeValue(serviceToken));
}

/** buildAuthrepPath returns `:path`; with `masked`, tokens and keys are masked (for debug logs only). */
export function buildAuthrepPath(upstream: Upstream, serviceId: string, serviceToken: string,
  creds: ResolvedCredentials, usage: UsageList, masked: bool): string {
  return buildAuthrepPathFrom(authrepPrefix(upstream, serviceId, serviceToken, masked), upstream.query, creds, usage, masked);
}

/** buildAuthrepPathFrom appends credentials, usage and the backend URL's query to `prefix`. */
export function buildAuthrepPathFrom(prefix: string, upstreamQuery: string, creds: ResolvedCredentials, usage: UsageList, masked: bool): string {
  const parts = new Array<string>();
  parts.push(prefix);
  const userKey = creds.userKey;
  if (userKey !== null) {
    parts.push("&user_key=");
    parts.push(masked ? mask(userKey) : percentEncodeValue(userKey));
  } else {
    const appId = creds.appId;
    if (appId !== null) {
      parts.push("&app_id=");
      parts.push(percentEncodeValue(appId));
      const appKey = creds.appKey;
      if (appKey !== null) {
        parts.push("&app_key=");
        parts.push(masked ? mask(appKey) : percentEncodeValue(appKey));
      }
    }
  }
  const names = usage.names;
  for (let i = 0, n = names.length; i < n; i++) {
    parts.push("&usage[");
    parts.push(percentEncodeValue(unchecked(names[i])));
    parts.push("]=");
    parts.push(unchecked(usage.deltas[i]).toString());
  }
  if (upstreamQuery.length > 0) {
    parts.push("&");
    parts.push(upstreamQuery);
  }
  return joinStrings(parts, "");
}

/** authrepHeaderNames/Values: the call's headers, in the order they are serialised. */
export function authrepHeaderNames(): Array<string> {
  return [":method", ":path", ":authority", ":scheme", "3scale-options"];
}

export function authrepHeaderValues(backend: BackendConfig, path: string): Array<string> {
  return ["GET", path, backend.upstream.authority, backend.upstream.scheme, backend.optionsHeader];
}

/** describeCredentials is the debug summary of a request's credentials (secrets masked). */
export function describeCredentials(creds: ResolvedCredentials): string {
  const userKey = creds.userKey;
  if (userKey !== null) return "user_key " + mask(userKey);
  const appId = creds.appId;
  let s = "app_id " + (appId !== null ? appId : "");
  const appKey = creds.appKey;
  if (appKey !== null) s += ", app_key " + mask(appKey);
  return s;
}

/** describeUsage: `hits=1, sales=2`. */
export function describeUsage(usage: UsageList): string {
  const parts = new Array<string>();
  for (let i = 0, n = usage.names.length; i < n; i++) {
    parts.push(unchecked(usage.names[i]) + "=" + unchecked(usage.deltas[i]).toString());
  }
  return joinStrings(parts, ", ");
}
