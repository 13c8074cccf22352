// Credential resolution (docs/behaviour.md): look up each source in order, run its ops, and take
// the first source that resolves. The order user_key → app_id → app_key is fixed.
import { CredentialSource, Credentials, SourceKind } from "../config/model";
import { runOps } from "../ops/engine";
import { metadataLookup } from "../util/protobuf-lookup";
import { RequestView } from "./request";

/** ResolvedCredentials: userKey wins; else appId (+ appKey, which may be ""). */
@final
export class ResolvedCredentials {
  userKey: string | null = null;
  appId: string | null = null;
  appKey: string | null = null;
  /** Where each value was found (docs/features.md "Credential stripping"): source and key. */
  userKeyFrom: CredentialSource | null = null;
  userKeyName: string = "";
  appIdFrom: CredentialSource | null = null;
  appIdName: string = "";
  appKeyFrom: CredentialSource | null = null;
  appKeyName: string = "";
}

// The source and key of the latest resolveSources success (single-threaded module).
let resolvedFrom: CredentialSource | null = null;
let resolvedName: string = "";
let lookupName: string = "";

/** lookupSource returns the values a source finds before its ops (1..n), or null. */
function lookupSource(src: CredentialSource, req: RequestView): Array<string> | null {
  const keys = src.keys;
  if (src.kind == SourceKind.Header) {
    for (let i = 0, n = keys.length; i < n; i++) {
      const v = req.headers.get(unchecked(keys[i]));
      if (v !== null) { lookupName = unchecked(keys[i]); return [v]; }
    }
    return null;
  }
  if (src.kind == SourceKind.QueryString) {
    for (let i = 0, n = keys.length; i < n; i++) {
      const v = req.queryParam(unchecked(keys[i]));
      if (v !== null) { lookupName = unchecked(keys[i]); return [v]; }
    }
    return null;
  }
  lookupName = "";
  // Filter: path[0] is the metadata namespace, path[1..] the structured path. The lookup walks
  // the protobuf bytes in place rather than decoding the namespace (a whole JWT payload).
  const path = src.path;
  if (path.length == 0) return null;
  const bytes = req.metadataBytes();
  if (bytes === null) return null;
  return metadataLookup(bytes, path, keys);
}

/** resolveSources returns the stack of the first source that resolves (non-empty after ops), or null. */
export function resolveSources(sources: Array<CredentialSource> | null, req: RequestView): Array<string> | null {
  if (sources === null) return null;
  for (let i = 0, n = sources.length; i < n; i++) {
    const src = unchecked(sources[i]);
    const found = lookupSource(src, req);
    if (found === null || found.length == 0) continue;
    const stack = runOps(src.ops, found);
    if (stack !== null && stack.length > 0) {
      resolvedFrom = src;
      resolvedName = lookupName;
      return stack;
    }
  }
  return null;
}

/** resolveCredentials applies; returns null when neither a user_key nor an app_id resolved. */
export function resolveCredentials(creds: Credentials, req: RequestView): ResolvedCredentials | null {
  const r = new ResolvedCredentials();
  const userKey = resolveSources(creds.userKey, req);
  if (userKey !== null) {
    r.userKey = unchecked(userKey[0]);
    r.userKeyFrom = resolvedFrom;
    r.userKeyName = resolvedName;
  }
  // app_id is evaluated even when a user_key was found (its log/values ops may be visible).
  const appId = resolveSources(creds.appId, req);
  if (appId !== null) {
    r.appIdFrom = resolvedFrom;
    r.appIdName = resolvedName;
  }
  let appKey: string | null = null;
  if (appId !== null && appId.length >= 2) appKey = unchecked(appId[1]);
  if (appKey === null) {
    const k = resolveSources(creds.appKey, req);
    if (k !== null) {
      appKey = unchecked(k[0]);
      r.appKeyFrom = resolvedFrom;
      r.appKeyName = resolvedName;
    }
  }
  if (r.userKey !== null) return r;
  if (appId === null) return null;
  r.appId = unchecked(appId[0]);
  r.appKey = appKey;
  return r;
}
