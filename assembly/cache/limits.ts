// The limit headers of an authorize answer (3scale's backend API; the cache asks for them with
// limit_headers=1): how many more calls of this usage fit, and when the period ends. Untrusted:
// anything but an optional "-" and 1..18 digits reads as absent.
import { getHeaderValueBytes, MAP_HTTP_CALL_RESPONSE_HEADERS } from "../host/hostcalls";
import { decodeUtf8LossyBuffer } from "../util/utf8lossy";
import { AnswerLimits } from "./cache";

const MAX_VALUE_KEY = String.UTF8.encode("3scale-limit-max-value");
const REMAINING_KEY = String.UTF8.encode("3scale-limit-remaining");
const RESET_KEY = String.UTF8.encode("3scale-limit-reset");

/** parseLimitValue: a decimal integer ≥ -1, or -1 when absent or malformed. */
export function parseLimitValue(s: string | null): i64 {
  if (s === null) return -1;
  const t = s.trim();
  const n = t.length;
  if (n == 2 && t == "-1") return -1;
  if (n == 0 || n > 18) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + <i64>(c - 48);
  }
  return v;
}

function header(key: ArrayBuffer): string | null {
  const raw = getHeaderValueBytes(MAP_HTTP_CALL_RESPONSE_HEADERS, key);
  return raw === null ? null : decodeUtf8LossyBuffer(raw);
}

/** readAnswerLimits reads the current http-call answer's limit headers. */
export function readAnswerLimits(): AnswerLimits {
  const l = new AnswerLimits();
  l.maxValue = parseLimitValue(header(MAX_VALUE_KEY));
  l.remaining = parseLimitValue(header(REMAINING_KEY));
  l.resetSeconds = parseLimitValue(header(RESET_KEY));
  return l;
}
