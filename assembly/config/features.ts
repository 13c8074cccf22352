// The gateway features (docs/features.md): the optional members they add to
// `backend` and to `services[]` items, and what a system (porta) answer contributes to them.
// Every reader reports at its JSON path and keeps going, as the rest of the compiler does.
import { BackendConfig, Config, Service } from "./model";
import {
  AuthMode, ERROR_KIND_COUNT, ErrorResponse, errorKindName, PortaFeatures, ServiceFeatures,
} from "./features-model";
import { Diagnostics, memberPath } from "./diagnostics";
import { jsonQuote } from "../util/strings";
import { JsonKind, JsonValue } from "./json";
import { boolMember, checkInteger, expectedGot, inNameList, objectMember, present, stringMember, warnUnknownMembers } from "./fields";
import { asciiLower } from "../util/ascii";

/** Top-level members (appended to the top-level known-field list). */
export const TOP_FEATURE_FIELDS = "metrics";
/** Members added to `backend` (appended to its known-field list). */
export const BACKEND_FEATURE_FIELDS = "rate_limit_headers";
/** Members added to `services[]` items (appended to their known-field list). */
export const SERVICE_FEATURE_FIELDS = "authentication|error_responses|strip_credentials|identity_headers";

const AUTHENTICATION_MODES = "standard|oidc";
const ERROR_RESPONSE_FIELDS = "status|body|content_type|headers";
const IDENTITY_FIELDS = "app_id|service_id";
/** Reply headers Envoy computes itself; a configured copy would contradict the reply. */
const RESERVED_REPLY_HEADERS = "content-length|transfer-encoding|content-type|connection";

export const STATUS_MIN: i64 = 200;
export const STATUS_MAX: i64 = 599;

// ---------------------------------------------------------------------------------------------
// top level

/** compileTopFeatures reads the top-level `metrics` switch. */
export function compileTopFeatures(root: JsonValue, path: string, config: Config, diag: Diagnostics): void {
  const r = boolMember(root, "metrics", path, diag);
  if (r.ok) config.metrics = r.value;
}

// ---------------------------------------------------------------------------------------------
// backend

/** compileBackendFeatures reads `backend.rate_limit_headers` and adds `limit_headers=1` when on. */
export function compileBackendFeatures(node: JsonValue, path: string, b: BackendConfig, diag: Diagnostics): void {
  const r = boolMember(node, "rate_limit_headers", path, diag);
  if (!r.ok || !r.value) return;
  b.rateLimitHeaders = true;
  if (!hasOption(b.optionsHeader, "limit_headers=1")) b.optionsHeader += "&limit_headers=1";
}

function hasOption(header: string, option: string): bool {
  return ("&" + header + "&").includes("&" + option + "&");
}

// ---------------------------------------------------------------------------------------------
// services[]

/** compileServiceFeatures reads the issue-10 members of one service into `s.features`. */
export function compileServiceFeatures(node: JsonValue, path: string, s: Service, diag: Diagnostics): void {
  const f = new ServiceFeatures();
  s.features = f;

  const mode = stringMember(node, "authentication", path, false, false, diag);
  if (mode != null) {
    if (!inNameList(mode, AUTHENTICATION_MODES)) {
      diag.error(memberPath(path, "authentication"), "invalid value " + jsonQuote(mode) + " (expected standard or oidc)");
    } else {
      f.authentication = mode == "oidc" ? AuthMode.Oidc : AuthMode.Standard;
    }
  }
  if (f.authentication == AuthMode.Oidc) checkOidcCredentials(node, path, s, diag);

  const errorsNode = objectMember(node, "error_responses", path, false, diag);
  if (errorsNode != null) compileErrorResponses(errorsNode, memberPath(path, "error_responses"), f, diag);

  const strip = boolMember(node, "strip_credentials", path, diag);
  if (strip.ok) f.stripCredentials = strip.value;

  const identity = objectMember(node, "identity_headers", path, false, diag);
  if (identity != null) compileIdentityHeaders(identity, memberPath(path, "identity_headers"), f, diag);
}

/** An OIDC service sends the client id as app_id; a user_key lookup would never be sent. */
function checkOidcCredentials(node: JsonValue, path: string, s: Service, diag: Diagnostics): void {
  const credsPath = memberPath(path, "credentials");
  const creds = present(node, "credentials");
  if (creds == null || creds.kind != JsonKind.Object) return;
  if (present(creds, "app_id") == null) {
    diag.error(memberPath(credsPath, "app_id"), "missing required field (an OIDC service is authorized with the client id as app_id)");
  }
  if (present(creds, "user_key") != null) {
    diag.warn(memberPath(credsPath, "user_key"), "ignored: an OIDC service is authorized with app_id only");
    s.credentials.userKey = null;
  }
}

function compileErrorResponses(node: JsonValue, path: string, f: ServiceFeatures, diag: Diagnostics): void {
  let known = "from_system";
  for (let k = 0; k < ERROR_KIND_COUNT; k++) known += "|" + errorKindName(k);
  warnUnknownMembers(node, path, known, diag);
  const fromSystem = boolMember(node, "from_system", path, diag);
  if (fromSystem.ok) f.errorsFromSystem = fromSystem.value;
  for (let k = 0; k < ERROR_KIND_COUNT; k++) {
    const name = errorKindName(k);
    const item = objectMember(node, name, path, false, diag);
    if (item != null) f.errors.set(k, compileErrorResponse(item, memberPath(path, name), diag));
  }
}

function compileErrorResponse(node: JsonValue, path: string, diag: Diagnostics): ErrorResponse {
  const r = new ErrorResponse();
  warnUnknownMembers(node, path, ERROR_RESPONSE_FIELDS, diag);
  const statusNode = present(node, "status");
  if (statusNode != null) {
    const status = checkInteger(statusNode, memberPath(path, "status"), STATUS_MIN, STATUS_MAX, diag);
    if (!isNaN(status)) r.status = <u32>status;
  }
  const body = stringMember(node, "body", path, false, false, diag);
  if (body != null) r.body = body;
  const contentType = stringMember(node, "content_type", path, false, true, diag);
  if (contentType != null) {
    if (hasControl(contentType)) diag.error(memberPath(path, "content_type"), "control characters are not allowed in a header value");
    else r.contentType = contentType;
  }
  const headers = objectMember(node, "headers", path, false, diag);
  if (headers != null) {
    const headersPath = memberPath(path, "headers");
    const keys = headers.keys;
    const values = headers.values;
    for (let i = 0, n = keys.length; i < n && i < values.length; i++) {
      const rawName = unchecked(keys[i]);
      const itemPath = memberPath(headersPath, rawName);
      const value = unchecked(values[i]);
      const name = asciiLower(rawName);
      if (!isHeaderToken(name)) {
        diag.error(itemPath, "invalid header name");
        continue;
      }
      if (inNameList(name, RESERVED_REPLY_HEADERS)) {
        diag.error(itemPath, "reserved header (set by Envoy" + (name == "content-type" ? "; use content_type)" : ")"));
        continue;
      }
      if (value.kind != JsonKind.String) {
        diag.error(itemPath, expectedGot("string", value));
        continue;
      }
      if (hasControl(value.str)) {
        diag.error(itemPath, "control characters are not allowed in a header value");
        continue;
      }
      r.headerNames.push(name);
      r.headerValues.push(value.str);
    }
  }
  return r;
}

function compileIdentityHeaders(node: JsonValue, path: string, f: ServiceFeatures, diag: Diagnostics): void {
  warnUnknownMembers(node, path, IDENTITY_FIELDS, diag);
  f.appIdHeader = identityHeaderName(node, "app_id", path, diag);
  f.serviceIdHeader = identityHeaderName(node, "service_id", path, diag);
  if (f.appIdHeader.length > 0 && f.appIdHeader == f.serviceIdHeader) {
    diag.error(memberPath(path, "service_id"), "same header as app_id");
  }
  if (present(node, "app_id") == null && present(node, "service_id") == null) diag.warn(path, "sets no header");
}

function identityHeaderName(node: JsonValue, member: string, path: string, diag: Diagnostics): string {
  const raw = stringMember(node, member, path, false, true, diag);
  if (raw == null) return "";
  const name = asciiLower(raw);
  if (!isHeaderToken(name)) {
    diag.error(memberPath(path, member), "invalid value " + jsonQuote(raw) + " (not a header name)");
    return "";
  }
  return name;
}

/** isHeaderToken: RFC 9110 token characters only (so never a pseudo-header or an empty name). */
export function isHeaderToken(s: string): bool {
  const n = s.length;
  if (n == 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    // ! # $ % & ' * + - . ^ _ ` | ~
    const sym = c == 33 || (c >= 35 && c <= 39) || c == 42 || c == 43 || c == 45 || c == 46 || c == 94 || c == 95 || c == 96 || c == 124 || c == 126;
    if (!alnum && !sym) return false;
  }
  return true;
}

/** hasControl: CR, LF, NUL or another control character other than tab (never valid in a header value). */
export function hasControl(s: string): bool {
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c != 9) || c == 127) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// system (porta) answer

/**
 * readPortaFeatures reads `backend_version` and `proxy.error_*` from proxy_config.content. A value
 * of the wrong shape is skipped with a warning; nothing here fails the answer.
 */
export function readPortaFeatures(content: JsonValue, warnings: Array<string>): PortaFeatures {
  const f = new PortaFeatures();
  const bv = content.get("backend_version");
  if (bv != null) {
    if (bv.kind == JsonKind.String) f.backendVersion = bv.str;
    else if (bv.kind == JsonKind.Number && bv.isInteger && bv.num >= 0 && bv.num < 1000) f.backendVersion = (<i64>bv.num).toString();
  }
  const proxy = content.get("proxy");
  if (proxy == null || proxy.kind != JsonKind.Object) return f;
  for (let k = 0; k < ERROR_KIND_COUNT; k++) {
    const name = errorKindName(k);
    const r = new ErrorResponse();
    let any = false;
    const body = proxy.get("error_" + name);
    if (body != null && body.kind == JsonKind.String) { r.body = body.str; any = true; }
    const status = proxy.get("error_status_" + name);
    if (status != null && status.kind != JsonKind.Null) {
      if (status.kind == JsonKind.Number && status.isInteger && status.num >= <f64>STATUS_MIN && status.num <= <f64>STATUS_MAX) {
        r.status = <u32>status.num;
        any = true;
      } else {
        warnings.push("proxy.error_status_" + name + " ignored: not an integer in 200..599");
      }
    }
    const type = proxy.get("error_headers_" + name);
    if (type != null && type.kind == JsonKind.String && type.str.length > 0) {
      if (hasControl(type.str)) warnings.push("proxy.error_headers_" + name + " ignored: control characters");
      else { r.contentType = type.str; any = true; }
    }
    if (any) f.errors.set(k, r);
  }
  return f;
}
