// Why 3scale said no. A 409 names its reason in the `3scale-rejection-reason` header; every other
// refusal (403 service_token_invalid, 404 metric_invalid, …) names it only in the error body
// `<error code="…">`. The reason is a snake_case code, never a credential: anything else the
// backend sends in those places is dropped rather than logged.

/** Bytes of an error body worth reading: the code follows the 38-byte XML prolog at once. */
export const ERROR_BODY_PREFIX_BYTES: u32 = 256;

/** How often a configuration problem of one service is logged at warn. */
export const CONFIG_WARN_INTERVAL_MS: u64 = 60000;

const MAX_REASON_LENGTH = 64;
const CODE_ATTRIBUTE = "<error code=\"";

/** isReasonCode: 1–64 characters of [a-z0-9_], the shape of every 3scale code. */
export function isReasonCode(s: string): bool {
  const n = s.length;
  if (n == 0 || n > MAX_REASON_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95)) return false;
  }
  return true;
}

/** errorBodyCode extracts `code` from `<error code="…">`, or null when absent or not a code. */
export function errorBodyCode(body: string): string | null {
  const at = body.indexOf(CODE_ATTRIBUTE);
  if (at < 0) return null;
  const start = at + CODE_ATTRIBUTE.length;
  const end = body.indexOf("\"", start);
  if (end < 0) return null;
  const code = body.substring(start, end);
  return isReasonCode(code) ? code : null;
}

/**
 * rejectionReason picks the reason of a refusal: the header of a 409, else the error body's code.
 * Null when 3scale gave none (e.g. with the `no_body` extension) or gave something not a code.
 */
export function rejectionReason(status: i32, header: string | null, body: string | null): string | null {
  if (status == 409) {
    if (header !== null && isReasonCode(header)) return header;
    return null;
  }
  if (body !== null) return errorBodyCode(body);
  return null;
}

/**
 * configurationHint is non-empty for reasons that mean the operator's configuration (service id,
 * service token, metrics, the service's state in 3scale) is wrong rather than the end user's
 * credentials: those deserve a warning, since every request of the service fails the same way.
 */
export function configurationHint(reason: string): string {
  if (reason == "service_token_invalid") return "check the service token and service id of this service";
  if (reason == "service_id_invalid") return "check the service id: 3scale does not know it for this token";
  if (reason == "service_id_missing") return "the service id is empty";
  if (reason == "provider_key_invalid") return "check the provider key / service token";
  if (reason == "provider_key_invalid_or_service_missing") return "check the provider key / service token and the service id";
  if (reason == "provider_key_or_service_token_required") return "the service token is empty";
  if (reason == "access_token_invalid") return "check the access token used to talk to 3scale";
  if (reason == "metric_invalid") return "a mapping rule or usage names a metric the service does not define";
  if (reason == "service_not_active") return "the service is not active in 3scale";
  if (reason == "oauth_not_enabled") return "the service's authentication mode in 3scale does not allow this call";
  return "";
}

/**
 * describeRefusal is the suffix of a denial's debug line: `(3scale: user_key_invalid)`. With the
 * `no_body` extension 3scale names only 409 reasons, which the line says.
 */
export function describeRefusal(status: i32, reason: string | null, noBody: bool): string {
  if (reason !== null) return " (3scale: " + reason + ")";
  if (status < 0) return "";
  const why = noBody && status != 409 ? "; the no_body extension hides it" : "";
  return " (3scale: status " + status.toString() + ", no reason given" + why + ")";
}

/** hasNoBody: whether a 3scale-options header value asks for empty answer bodies. */
export function hasNoBody(optionsHeader: string): bool {
  const parts = optionsHeader.split("&");
  for (let i = 0, n = parts.length; i < n; i++) {
    const p = unchecked(parts[i]);
    if (p == "no_body" || (p.startsWith("no_body=") && p != "no_body=0" && p != "no_body=false")) return true;
  }
  return false;
}

/** ConfigWarnings limits configuration warnings to one per service per interval. */
export class ConfigWarnings {
  private lastMs: Map<string, u64> = new Map();

  /** due reports whether service `serviceId` may warn at `nowMs`, and if so records it. */
  due(serviceId: string, nowMs: u64): bool {
    const last = this.lastMs;
    if (last.has(serviceId)) {
      const at = last.get(serviceId);
      if (nowMs >= at && nowMs - at < CONFIG_WARN_INTERVAL_MS) return false;
    } else if (last.size >= 4096) {
      // Service ids come from the configuration, so this only bounds a pathological one.
      last.clear();
    }
    last.set(serviceId, nowMs);
    return true;
  }
}

/** configurationWarning is the warn line: the service id and reason, never a credential. */
export function configurationWarning(serviceId: string, reason: string, hint: string): string {
  return "backend: service " + serviceId + ": 3scale refused the configuration: " + reason + " (" + hint + ")";
}
