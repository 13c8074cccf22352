// Filter metrics through the Proxy-Wasm metrics ABI (docs/features.md "Metrics"). Raw imports
// with status checks: the SDK's metric classes abort on a non-Ok status. Every metric is defined
// once per VM, on the first configuration or first use (never at top level: module start code
// must make no host calls). Envoy exposes each as the stat `wasmcustom.<name>`.
// Other parts call the count*/record* hooks below; a failed define or increment is ignored.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";

const COUNTER: i32 = 0;
const HISTOGRAM: i32 = 2;

export const METRIC_PREFIX = "threescale_wasm_auth.";

// Metric indexes. REQUESTS_* are indexed by pipeline/verdict.ts's Verdict (0..7).
const REQUESTS_BASE: i32 = 0;
const BACKEND_LATENCY: i32 = 8;
const SYSTEM_FETCH_SUCCESS: i32 = 9;
const SYSTEM_FETCH_FAILURE: i32 = 10;
const CACHE_HITS: i32 = 11;
const CACHE_MISSES: i32 = 12;
const CACHE_EVICTIONS: i32 = 13;
const REPORTS_SENT: i32 = 14;
const REPORTS_FAILED: i32 = 15;
const METRIC_COUNT: i32 = 16;

/** metricName is the name defined for index `i` (without Envoy's `wasmcustom.` prefix). */
export function metricName(i: i32): string {
  switch (i) {
    case 0: return METRIC_PREFIX + "requests.allowed";
    case 1: return METRIC_PREFIX + "requests.bad_request";
    case 2: return METRIC_PREFIX + "requests.unknown_service";
    case 3: return METRIC_PREFIX + "requests.missing_credentials";
    case 4: return METRIC_PREFIX + "requests.no_mapping_rule";
    case 5: return METRIC_PREFIX + "requests.denied";
    case 6: return METRIC_PREFIX + "requests.limits_exceeded";
    case 7: return METRIC_PREFIX + "requests.backend_error";
    case 8: return METRIC_PREFIX + "backend.latency_ms";
    case 9: return METRIC_PREFIX + "system.fetch_success";
    case 10: return METRIC_PREFIX + "system.fetch_failure";
    case 11: return METRIC_PREFIX + "cache.hits";
    case 12: return METRIC_PREFIX + "cache.misses";
    case 13: return METRIC_PREFIX + "cache.evictions";
    case 14: return METRIC_PREFIX + "reports.sent";
    case 15: return METRIC_PREFIX + "reports.failed";
  }
  return METRIC_PREFIX + "unknown";
}

// Allocation only (no host call) at top level.
const IDS = new StaticArray<u32>(METRIC_COUNT);
/** Whether the accepted configuration has `metrics: true`; off, every hook is a no-op (no host call). */
let enabled = false;
/** VALID[i]: the define of metric i succeeded (ids are opaque: any value, 0 included, may be valid). */
const VALID = new StaticArray<bool>(METRIC_COUNT);
let defined = false;
// @ts-ignore: decorator
@lazy const ID_OUT = memory.data(4);

/**
 * configureMetrics applies an accepted configuration's `metrics` switch; the first time it is on,
 * every metric is defined (once per VM: a later configuration keeps the ids and the counts).
 */
export function configureMetrics(on: bool): void {
  enabled = on;
  if (on) defineMetrics();
}

/** metricsEnabled: whether hooks record anything (callers skip clock reads when not). */
export function metricsEnabled(): bool {
  return enabled;
}

/** defineMetrics defines every metric once per VM; later calls do nothing. */
export function defineMetrics(): void {
  if (defined) return;
  defined = true;
  for (let i = 0; i < METRIC_COUNT; i++) {
    const name = String.UTF8.encode(metricName(i));
    store<u32>(ID_OUT, 0);
    const status = imports.proxy_define_metric(i == BACKEND_LATENCY ? HISTOGRAM : COUNTER, changetype<usize>(name), name.byteLength, ID_OUT);
    unchecked(IDS[i] = load<u32>(ID_OUT));
    unchecked(VALID[i] = status == 0);
  }
}

function increment(i: i32): void {
  if (!enabled) return;
  if (!defined) defineMetrics();
  if (i < 0 || i >= METRIC_COUNT) return;
  if (unchecked(VALID[i])) imports.proxy_increment_metric(unchecked(IDS[i]), 1);
}

/** countVerdict counts one request by its verdict (pipeline/verdict.ts Verdict, 0..7). */
export function countVerdict(verdict: i32): void {
  if (verdict >= 0 && verdict < 8) increment(REQUESTS_BASE + verdict);
}

/** recordBackendLatency records one authrep round trip in milliseconds. */
export function recordBackendLatency(ms: u64): void {
  if (!enabled) return;
  if (!defined) defineMetrics();
  if (unchecked(VALID[BACKEND_LATENCY])) imports.proxy_record_metric(unchecked(IDS[BACKEND_LATENCY]), ms);
}

/** countSystemFetch counts one system (porta) fetch outcome. */
export function countSystemFetch(success: bool): void {
  increment(success ? SYSTEM_FETCH_SUCCESS : SYSTEM_FETCH_FAILURE);
}

// Hooks for the authorization cache and batched reporting.
export function countCacheHit(): void { increment(CACHE_HITS); }
export function countCacheMiss(): void { increment(CACHE_MISSES); }
export function countCacheEviction(): void { increment(CACHE_EVICTIONS); }
export function countReportSent(): void { increment(REPORTS_SENT); }
export function countReportFailed(): void { increment(REPORTS_FAILED); }

/** nowNanos is the host's wall clock in nanoseconds (0 if the host fails). */
export function nowNanos(): u64 {
  store<u64>(NS_OUT, 0);
  const status = imports.proxy_get_current_time_nanoseconds(NS_OUT);
  return status == 0 ? load<u64>(NS_OUT) : 0;
}
// @ts-ignore: decorator
@lazy const NS_OUT = memory.data(8);
