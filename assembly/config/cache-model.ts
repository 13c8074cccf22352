// The caching and failure-mode settings of `backend` (docs/cache.md): a documented
// extension of the v1 configuration. Defaults keep the reference behaviour (no cache, fail closed).

/** What the filter does when no decision can be had from 3scale (no answer, 5xx, timeout). */
export const enum FailureMode {
  /** 502 Bad Gateway, as without caching. */
  Closed = 0,
  /** Allow the request; its usage is kept and reported once 3scale answers again. */
  Open = 1,
  /** Reuse the last verdict known for that key (whatever its age); none known → closed. */
  Resilient = 2,
}

export const CACHE_TTL_DEFAULT: u64 = 60;
export const CACHE_REPORT_INTERVAL_DEFAULT: u64 = 10;
export const CACHE_MAX_ENTRIES_DEFAULT: i32 = 1000;

@final
export class CachePolicy {
  /** Whether authorizations are cached and usage batched (`backend.cache.enabled`). */
  enabled: bool = false;
  /** Seconds an authorization verdict is reused (`backend.cache.ttl`). */
  ttlSeconds: u64 = CACHE_TTL_DEFAULT;
  /** Seconds between batched reports (`backend.cache.report_interval`). */
  reportIntervalSeconds: u64 = CACHE_REPORT_INTERVAL_DEFAULT;
  /** Number of cache slots in shared data (`backend.cache.max_entries`). */
  maxEntries: i32 = CACHE_MAX_ENTRIES_DEFAULT;
  /** `backend.failure_mode`. */
  failureMode: FailureMode = FailureMode.Closed;

  /** active: the shared store and the reporter are needed (cache on, or a failure mode that keeps usage). */
  get active(): bool {
    return this.enabled || this.failureMode != FailureMode.Closed;
  }
}
