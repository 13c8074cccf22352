// What an allowed request carries upstream (docs/features.md "Credential stripping", "Upstream
// identity headers", "OIDC services"): the credential the lookup used can be removed, and the
// resolved application and service ids can be set in headers that clients cannot spoof.
// prepareUpstream runs while the request headers are still writable: when the decision arrives,
// with the stream as the effective context, before the request continues.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { logAt, LOG_DEBUG } from "../host/log";
import { getHeaderValueBytes, replaceHeader, MAP_REQUEST_HEADERS, STATUS_OK } from "../host/hostcalls";
import { CredentialSource, SourceKind } from "../config/model";
import { formDecode } from "../util/percent";
import { decodeUtf8Lossy } from "../util/utf8lossy";
import { ResolvedCredentials } from "./credentials";

const PATH_KEY = String.UTF8.encode(":path");

/** UpstreamChanges: the per-service settings prepareUpstream applies. */
export class UpstreamChanges {
  stripCredentials: bool = false;
  appIdHeader: string = "";
  serviceIdHeader: string = "";
}

/**
 * prepareUpstream applies `changes` to the request headers of the effective stream. `verified`:
 * 3scale vouched for the credentials (its answer, or a verdict it gave for exactly this key);
 * a request the failure mode let through unverified gets no identity header, and any copy the
 * client sent is removed, so the upstream never trusts an identity nobody checked.
 */
export function prepareUpstream(changes: UpstreamChanges, serviceId: string, creds: ResolvedCredentials | null, verified: bool): void {
  if (changes.stripCredentials && creds !== null) stripCredentials(creds);
  if (changes.appIdHeader.length > 0) {
    // Only an app_id credential identifies the application here; with a user_key (or none) any
    // client-supplied copy is removed all the same.
    const appId = verified && creds !== null && creds.userKey === null ? creds.appId : null;
    setOrRemove(changes.appIdHeader, appId);
  }
  if (changes.serviceIdHeader.length > 0) setOrRemove(changes.serviceIdHeader, serviceId);
}

/** stripCredentials removes the header or query parameter each used credential came from. */
function stripCredentials(creds: ResolvedCredentials): void {
  const queryNames = new Array<string>();
  if (creds.userKey !== null) {
    strip(creds.userKeyFrom, creds.userKeyName, queryNames);
  } else {
    strip(creds.appIdFrom, creds.appIdName, queryNames);
    if (creds.appKey !== null) strip(creds.appKeyFrom, creds.appKeyName, queryNames);
  }
  if (queryNames.length == 0) return;
  const raw = getHeaderValueBytes(MAP_REQUEST_HEADERS, PATH_KEY);
  if (raw === null) return;
  const rewritten = removeQueryParams(raw, queryNames);
  if (rewritten === null) return;
  const status = replaceHeader(MAP_REQUEST_HEADERS, PATH_KEY, rewritten);
  if (status != STATUS_OK) logAt(LOG_DEBUG, "request: :path not rewritten (status " + status.toString() + ")");
}

function strip(src: CredentialSource | null, name: string, queryNames: Array<string>): void {
  if (src === null || name.length == 0) return;
  if (src.kind == SourceKind.Header) removeHeader(name);
  else if (src.kind == SourceKind.QueryString && !queryNames.includes(name)) queryNames.push(name);
}

function removeHeader(name: string): void {
  const key = String.UTF8.encode(name);
  const status = imports.proxy_remove_header_map_value(MAP_REQUEST_HEADERS, changetype<usize>(key), key.byteLength);
  if (status != STATUS_OK) logAt(LOG_DEBUG, "request: header " + name + " not removed (status " + status.toString() + ")");
}

/** setOrRemove replaces `name` with `value` (never adds a second copy), or removes it when null. */
function setOrRemove(name: string, value: string | null): void {
  if (value === null || !isHeaderValue(value)) {
    removeHeader(name);
    return;
  }
  const status = replaceHeader(MAP_REQUEST_HEADERS, String.UTF8.encode(name), String.UTF8.encode(value));
  if (status != STATUS_OK) logAt(LOG_DEBUG, "request: header " + name + " not set (status " + status.toString() + ")");
}

/** isHeaderValue: no control characters except tab (a value Envoy would refuse is never set). */
function isHeaderValue(s: string): bool {
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c != 9) || c == 127) return false;
  }
  return true;
}

/**
 * removeQueryParams drops every query item of the raw `:path` bytes whose decoded name (decoded as
 * the query_string lookup decodes it: lossy UTF-8, then form decoding) is in `names`. It works on
 * the bytes so that everything else goes upstream exactly as the client sent it, invalid UTF-8
 * included; the separators it looks for are ASCII, which never occur inside a multi-byte sequence.
 * The `?` goes when no item is left; a fragment, if any, is kept. Null when nothing is removed.
 */
export function removeQueryParams(raw: ArrayBuffer, names: Array<string>): ArrayBuffer | null {
  const base = changetype<usize>(raw);
  const len = raw.byteLength;
  const q = indexOfByte(base, len, 0x3f /* ? */, 0);
  if (q < 0) return null;
  let end = indexOfByte(base, len, 0x23 /* # */, q + 1);
  if (end < 0) end = len;
  // Kept items as [start, end) byte ranges; an empty item ("a&&b") is kept as it was.
  const keptStart = new Array<i32>();
  const keptEnd = new Array<i32>();
  let removed = false;
  let nonEmpty = false;
  let start = q + 1;
  while (start <= end) {
    let amp = indexOfByte(base, end, 0x26 /* & */, start);
    if (amp < 0) amp = end;
    if (amp > start) {
      let eq = indexOfByte(base, amp, 0x3d /* = */, start);
      if (eq < 0) eq = amp;
      const name = decodeUtf8Lossy(base + <usize>start, eq - start);
      if (names.includes(formDecode(name, 0, name.length))) {
        removed = true;
      } else {
        keptStart.push(start);
        keptEnd.push(amp);
        nonEmpty = true;
      }
    } else if (amp < end) {
      keptStart.push(start);
      keptEnd.push(start);
    }
    start = amp + 1;
  }
  if (!removed) return null;
  let size = q + (len - end);
  if (nonEmpty) {
    size += 1 + keptStart.length - 1;
    for (let i = 0, n = keptStart.length; i < n; i++) size += unchecked(keptEnd[i]) - unchecked(keptStart[i]);
  }
  const out = new ArrayBuffer(size);
  const dst = changetype<usize>(out);
  memory.copy(dst, base, <usize>q);
  let w = q;
  if (nonEmpty) {
    store<u8>(dst + <usize>(w++), 0x3f);
    for (let i = 0, n = keptStart.length; i < n; i++) {
      if (i > 0) store<u8>(dst + <usize>(w++), 0x26);
      const from = unchecked(keptStart[i]);
      const count = unchecked(keptEnd[i]) - from;
      memory.copy(dst + <usize>w, base + <usize>from, <usize>count);
      w += count;
    }
  }
  memory.copy(dst + <usize>w, base + <usize>end, <usize>(len - end));
  return out;
}

/** indexOfByte: the first index in [from, end) holding `b`, or -1. */
function indexOfByte(base: usize, end: i32, b: u8, from: i32): i32 {
  for (let i = from; i < end; i++) {
    if (load<u8>(base + <usize>i) == b) return i;
  }
  return -1;
}

/**
 * oidcCredentials adapts resolved credentials to an OIDC service: the client id is the app_id;
 * an app_key is sent only when non-empty (oauth_authrep fails on an empty one); no user_key.
 * Null when no app_id resolved (→ 403 credentials missing).
 */
export function oidcCredentials(creds: ResolvedCredentials): ResolvedCredentials | null {
  if (creds.appId === null) return null;
  if (creds.userKey === null && (creds.appKey === null || creds.appKey!.length > 0)) return creds;
  const r = new ResolvedCredentials();
  r.appId = creds.appId;
  r.appIdFrom = creds.appIdFrom;
  r.appIdName = creds.appIdName;
  const key = creds.appKey;
  if (key !== null && key.length > 0) {
    r.appKey = key;
    r.appKeyFrom = creds.appKeyFrom;
    r.appKeyName = creds.appKeyName;
  }
  return r;
}
