// Rate-limit headers (docs/features.md "Rate-limit headers"): the backend's `limit_headers`
// extension answers with 3scale-limit-max-value / -remaining / -reset; clients get them as
// RateLimit-Limit / -Remaining / -Reset, as APIcast's Rate Limit Headers policy sends them.
// The backend's values are untrusted: only plain decimal integers are passed on.
import { getHeaderValueBytes, MAP_HTTP_CALL_RESPONSE_HEADERS } from "../host/hostcalls";
import { decodeUtf8LossyBuffer } from "../util/utf8lossy";

const MAX_VALUE_KEY = String.UTF8.encode("3scale-limit-max-value");
const REMAINING_KEY = String.UTF8.encode("3scale-limit-remaining");
const RESET_KEY = String.UTF8.encode("3scale-limit-reset");

export const RATELIMIT_LIMIT = "ratelimit-limit";
export const RATELIMIT_REMAINING = "ratelimit-remaining";
export const RATELIMIT_RESET = "ratelimit-reset";

/** RateLimit: the header values to send; `reset` is "" when the limit never resets. */
@final
export class RateLimit {
  constructor(public readonly limit: string, public readonly remaining: string, public readonly reset: string) {}

  names(): Array<string> {
    return this.reset.length > 0 ? [RATELIMIT_LIMIT, RATELIMIT_REMAINING, RATELIMIT_RESET] : [RATELIMIT_LIMIT, RATELIMIT_REMAINING];
  }

  values(): Array<string> {
    return this.reset.length > 0 ? [this.limit, this.remaining, this.reset] : [this.limit, this.remaining];
  }
}

/**
 * rateLimitFrom maps the backend's three values (null = header absent). The backend sends no
 * max-value and remaining -1 when the application is unlimited: then nothing is sent. A reset of
 * -1 (an eternity period) sends Limit and Remaining only.
 */
export function rateLimitFrom(maxValue: string | null, remaining: string | null, reset: string | null): RateLimit | null {
  if (maxValue === null || remaining === null) return null;
  if (!isNonNegativeInteger(maxValue) || !isNonNegativeInteger(remaining)) return null;
  const r = reset !== null && isNonNegativeInteger(reset) ? reset : "";
  return new RateLimit(maxValue, remaining, r);
}

/**
 * rateLimitFromCounts: the headers for what the authorization cache knows of a limit (the limit,
 * the calls left, the seconds until the period ends; -1 = unknown). Like rateLimitFrom, nothing
 * when the limit or the calls left are unknown (an unlimited application); no Reset when it is.
 */
export function rateLimitFromCounts(maxValue: i64, remaining: i64, resetSeconds: i64): RateLimit | null {
  if (maxValue < 0 || remaining < 0) return null;
  return new RateLimit(maxValue.toString(), remaining.toString(), resetSeconds >= 0 ? resetSeconds.toString() : "");
}

/** readRateLimit reads the limit headers of the current http-call answer. */
export function readRateLimit(): RateLimit | null {
  return rateLimitFrom(readAnswerHeader(MAX_VALUE_KEY), readAnswerHeader(REMAINING_KEY), readAnswerHeader(RESET_KEY));
}

function readAnswerHeader(key: ArrayBuffer): string | null {
  const raw = getHeaderValueBytes(MAP_HTTP_CALL_RESPONSE_HEADERS, key);
  return raw === null ? null : decodeUtf8LossyBuffer(raw).trim();
}

/** isNonNegativeInteger: 1 to 19 ASCII digits (fits an i64; no sign, no spaces). */
export function isNonNegativeInteger(s: string): bool {
  const n = s.length;
  if (n == 0 || n > 19) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
