// The compiled model of the gateway features: per-service error responses, OIDC
// services, credential stripping and upstream identity headers, plus what a system (porta) answer
// contributes to them. Kept apart from model.ts so that model.ts only gains one field per class.

/** The four local replies a service may customise, in this order (index = ErrorKind). */
export const enum ErrorKind {
  AuthFailed = 0,
  AuthMissing = 1,
  NoMatch = 2,
  LimitsExceeded = 3,
}
export const ERROR_KIND_COUNT: i32 = 4;

/** errorKindName is the configuration (and porta `error_<name>`) spelling of a kind. */
export function errorKindName(k: i32): string {
  if (k == ErrorKind.AuthFailed) return "auth_failed";
  if (k == ErrorKind.AuthMissing) return "auth_missing";
  if (k == ErrorKind.NoMatch) return "no_match";
  return "limits_exceeded";
}

/**
 * ErrorResponse is one customised reply. Every part is optional: an unset part (status 0, null
 * body, null content type) falls back to the next source (static → system → the spec's reply).
 */
@final
export class ErrorResponse {
  status: u32 = 0;
  body: string | null = null;
  contentType: string | null = null;
  /** Extra reply headers (names lower-cased); static configuration only. */
  headerNames: Array<string> = [];
  headerValues: Array<string> = [];
}

/** ErrorResponses holds one optional ErrorResponse per ErrorKind. */
@final
export class ErrorResponses {
  readonly items: StaticArray<ErrorResponse | null> = new StaticArray<ErrorResponse | null>(ERROR_KIND_COUNT);

  get(k: i32): ErrorResponse | null {
    return k >= 0 && k < ERROR_KIND_COUNT ? unchecked(this.items[k]) : null;
  }

  set(k: i32, r: ErrorResponse): void {
    if (k >= 0 && k < ERROR_KIND_COUNT) unchecked(this.items[k] = r);
  }
}

/** How a service authenticates applications with the backend. */
export const enum AuthMode {
  /** Not configured: standard (authrep.xml) unless system says `backend_version: "oauth"`. */
  Auto = 0,
  Standard = 1,
  /** OpenID Connect: oauth_authrep.xml with the client id as app_id. */
  Oidc = 2,
}

/** ServiceFeatures: the issue-10 fields of one services[] item (all off by default). */
@final
export class ServiceFeatures {
  authentication: AuthMode = AuthMode.Auto;
  errors: ErrorResponses = new ErrorResponses();
  /** Take error responses from the system proxy config when the static one leaves a part unset. */
  errorsFromSystem: bool = false;
  stripCredentials: bool = false;
  /** Upstream header names (lower-cased), "" when not configured. */
  appIdHeader: string = "";
  serviceIdHeader: string = "";
}

/** PortaFeatures: what a system answer says about the issue-10 features. */
@final
export class PortaFeatures {
  /** `backend_version` as a string ("1", "2", "oauth"), "" when absent. */
  backendVersion: string = "";
  /** `proxy.error_*`, `error_status_*`, `error_headers_*` (the last is a content type). */
  errors: ErrorResponses = new ErrorResponses();
}
