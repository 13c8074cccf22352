// apisonator's raised errors (body `<error code="…">message</error>`) and validator rejections
// (409 status documents). Codes, statuses and messages as in 3scale's backend API–2.5.

export class BackendError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** 422 not_valid_data and malformed-query 400s keep their body even with no_body */
    readonly bodyAlways = false,
  ) {
    super(message);
  }
}

/** `usage` present but not a hash: apisonator halts with 403 and an empty body. */
export class EmptyForbidden extends Error {}

/** Anything apisonator would not expect (e.g. a hash where a string goes): production 500. */
export class InternalError extends Error {}

export const err = {
  badRequest: (message: string) => new BackendError("bad_request", 400, message, true),
  syntax: () => err.badRequest("request contains syntax errors, should not be repeated without modification"),
  notValidData: () => new BackendError("not_valid_data", 422, "all data must be valid UTF8", true),
  contentTypeInvalid: (t: string) => new BackendError("content_type_invalid", 400, `invalid Content-Type: ${t}`),
  transactionsIsBlank: () => new BackendError("transactions_is_blank", 400, "transactions parameter is blank"),
  transactionsFormatInvalid: () => new BackendError("transactions_format_invalid", 400, "transactions format is invalid"),
  transactionsHasNil: () => new BackendError("transactions_has_nil_transaction", 400, "transactions has a nil transaction"),
  endUsers: () =>
    new BackendError(
      "end_users_no_longer_supported",
      400,
      "End-users are no longer supported, do not specify the user_id parameter",
    ),
  providerKeyOrTokenRequired: () =>
    new BackendError("provider_key_or_service_token_required", 403, "Provider key or service token are required"),
  serviceTokenInvalid: (t: string, id: string) =>
    new BackendError("service_token_invalid", 403, `service token "${t}" or service id "${id}" is invalid`),
  providerKeyInvalid: (k: string) => new BackendError("provider_key_invalid", 403, `provider key "${k}" is invalid`),
  providerKeyInvalidOrServiceMissing: (k: string) =>
    new BackendError(
      "provider_key_invalid_or_service_missing",
      403,
      `provider key "${k}" invalid and/or service ID missing`,
    ),
  serviceIdInvalid: (id: string) => new BackendError("service_id_invalid", 403, `service id "${id}" is invalid`),
  serviceIdMissing: () => new BackendError("service_id_missing", 422, "Service ID is missing"),
  userKeyMissing: () => new BackendError("user_key_invalid", 403, "user key is missing"),
  userKeyInvalid: (k: string) => new BackendError("user_key_invalid", 403, `user key "${k}" is invalid`),
  authenticationError: () =>
    new BackendError("authentication_error", 403, "either app_id or user_key is allowed, not both"),
  usageValueEmpty: (m: string) =>
    new BackendError("usage_value_invalid", 403, `usage value for metric "${m}" can not be empty`),
  usageValueInvalid: (v: string, m: string) =>
    new BackendError("usage_value_invalid", 403, `usage value "${v}" for metric "${m}" is invalid`),
  applicationIdMissing: () => new BackendError("application_not_found", 404, "application id is missing"),
  applicationNotFound: (id: string) =>
    new BackendError("application_not_found", 404, `application with id="${id}" was not found`),
  metricInvalid: (m: string) => new BackendError("metric_invalid", 404, `metric "${m}" is invalid`),
  timestampTooOld: () =>
    new BackendError(
      "transaction_timestamp_too_old",
      409,
      "reporting transactions older than 86400 seconds is not allowed",
    ),
  timestampTooNew: () =>
    new BackendError(
      "transaction_timestamp_too_new",
      409,
      "reporting transactions more than 3600 seconds in the future is not allowed",
    ),
};

/** A validator's rejection: 409 with `<reason>` = message and the code as rejection reason. */
export interface Rejection {
  code: string;
  message: string;
}

export const reject = {
  keyMissing: (): Rejection => ({ code: "application_key_invalid", message: "application key is missing" }),
  keyInvalid: (k: string): Rejection => ({ code: "application_key_invalid", message: `application key "${k}" is invalid` }),
  referrerMissing: (): Rejection => ({ code: "referrer_not_allowed", message: "referrer is missing" }),
  referrerNotAllowed: (r: string): Rejection => ({ code: "referrer_not_allowed", message: `referrer "${r}" is not allowed` }),
  appNotActive: (): Rejection => ({ code: "application_not_active", message: "application is not active" }),
  serviceNotActive: (): Rejection => ({ code: "service_not_active", message: "service is not active" }),
  limitsExceeded: (): Rejection => ({ code: "limits_exceeded", message: "usage limits are exceeded" }),
  oauthNotEnabled: (): Rejection => ({ code: "oauth_not_enabled", message: "oauth is not enabled" }),
  redirectInvalid: (tag: "redirect_url" | "redirect_uri", u: string): Rejection => ({
    code: `${tag}_invalid`,
    message: `${tag} "${u}" is invalid`,
  }),
};
