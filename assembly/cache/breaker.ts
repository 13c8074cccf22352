// "3scale is down" as seen by every worker (docs/cache.md, "Failure modes"): after a call that got
// no decision (no answer, 5xx, timeout), requests that would ask 3scale are decided by the failure
// mode at once for DOWN_WINDOW_MS instead of each waiting for its own failure (with a timeout, that
// is the whole timeout per request). The next call after the window, or a report, probes again.
import { sharedGet, sharedSet } from "./shared";
import { KEY_PREFIX } from "./store";

const DOWN_KEY = KEY_PREFIX + "backend-down-until";
export const DOWN_WINDOW_MS: u64 = 5000;

function u64Bytes(v: u64): ArrayBuffer {
  const b = new ArrayBuffer(8);
  store<u64>(changetype<usize>(b), v);
  return b;
}

/** backendDown: a failure was seen less than DOWN_WINDOW_MS ago (by any worker). */
export function backendDown(now: u64): bool {
  const v = sharedGet(DOWN_KEY);
  const b = v.bytes;
  if (b === null || b.byteLength != 8) return false;
  return now < load<u64>(changetype<usize>(b));
}

/** markDown opens the window; markUp closes it (an answer with a decision, or an accepted report). */
export function markDown(now: u64): void {
  sharedSet(DOWN_KEY, u64Bytes(now + DOWN_WINDOW_MS), 0);
}

export function markUp(): void {
  const v = sharedGet(DOWN_KEY);
  const b = v.bytes;
  if (b !== null && b.byteLength == 8 && load<u64>(changetype<usize>(b)) != 0) sharedSet(DOWN_KEY, u64Bytes(0), v.cas);
}
