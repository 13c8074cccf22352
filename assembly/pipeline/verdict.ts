// The verdict table (docs/behaviour.md): one closed enum, mapped in one place to the exact
// local reply (status, body, details), and the classification of the backend's answer.

export const enum Verdict {
  Allow = 0,
  BadRequest = 1,
  UnknownService = 2,
  CredentialsMissing = 3,
  NoMappingRule = 4,
  AuthFailed = 5,
  LimitsExceeded = 6,
  BackendUnavailable = 7,
}

export function verdictStatus(v: Verdict): u32 {
  switch (v) {
    case Verdict.Allow: return 200;
    case Verdict.BadRequest: return 400;
    case Verdict.UnknownService: return 403;
    case Verdict.CredentialsMissing: return 403;
    case Verdict.NoMappingRule: return 404;
    case Verdict.AuthFailed: return 403;
    case Verdict.LimitsExceeded: return 429;
  }
  return 502;
}

/** verdictText is the body without its trailing LF, also used in debug lines. */
export function verdictText(v: Verdict): string {
  switch (v) {
    case Verdict.Allow: return "allowed";
    case Verdict.BadRequest: return "Bad Request";
    case Verdict.UnknownService: return "Unknown service";
    case Verdict.CredentialsMissing: return "Authentication parameters missing";
    case Verdict.NoMappingRule: return "No Mapping Rule matched";
    case Verdict.AuthFailed: return "Authentication failed";
    case Verdict.LimitsExceeded: return "Usage limit exceeded";
  }
  return "Bad Gateway";
}

export function verdictDetails(v: Verdict): string {
  switch (v) {
    case Verdict.BadRequest: return "threescale_bad_request";
    case Verdict.UnknownService: return "threescale_unknown_service";
    case Verdict.CredentialsMissing: return "threescale_credentials_missing";
    case Verdict.NoMappingRule: return "threescale_no_mapping_rule";
    case Verdict.AuthFailed: return "threescale_auth_failed";
    case Verdict.LimitsExceeded: return "threescale_limits_exceeded";
  }
  return "threescale_backend_unavailable";
}

/** parseStatus returns a 3-digit status code, or -1 when absent or malformed (G10). */
export function parseStatus(s: string | null): i32 {
  if (s === null || s.length != 3) return -1;
  let v = 0;
  for (let i = 0; i < 3; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** statusNeedsReason: only a 409 needs the 3scale-rejection-reason header. */
export function statusNeedsReason(status: i32): bool {
  return status == 409;
}

/**
 * answerIsOutage: the answer means 3scale could not decide (no response, an unparseable status,
 * or a 5xx, which includes Envoy's 504 for a timeout). Any other status that is not a decision
 * (1xx, 3xx, a 2xx other than 200) points at a misconfigured backend URL, not an outage: it is
 * answered 502 whatever the failure mode.
 */
export function answerIsOutage(numHeaders: u32, status: i32): bool {
  return numHeaders == 0 || status < 0 || status >= 500;
}

/** classifyAnswer maps the backend's answer. numHeaders == 0 means no response. */
export function classifyAnswer(numHeaders: u32, status: i32, rejectionReason: string | null): Verdict {
  if (numHeaders == 0) return Verdict.BackendUnavailable;
  if (status == 200) return Verdict.Allow;
  if (status == 409 && rejectionReason !== null && rejectionReason == "limits_exceeded") return Verdict.LimitsExceeded;
  if (status >= 400 && status <= 499) return Verdict.AuthFailed;
  return Verdict.BackendUnavailable;
}
