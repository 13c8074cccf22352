// The root context's hooks into the cache (docs/cache.md): shared data preparation when a
// configuration is installed, the flush of pending usage when it is replaced, the report schedule
// on the shared 1000 ms tick, and the answers to report calls.
import { Config } from "../config/model";
import { Snapshot } from "../runtime/snapshot";
import { flushAll, onReportAnswer, prepareShared, reporterOwns, tickFlush } from "./batch";

/** cacheNeedsTick: the configuration reports batched usage, so the root must tick. */
export function cacheNeedsTick(config: Config): bool {
  return config.backend.caching.active;
}

/** cacheConfigChanging: send the pending usage under the configuration being replaced. */
export function cacheConfigChanging(previous: Snapshot | null, now: u64): void {
  if (previous !== null && previous.config.backend.caching.active) flushAll(previous, now, "configuration change");
}

/** cacheInstalled prepares shared data for a configuration that uses it. */
export function cacheInstalled(config: Config, now: u64): void {
  if (config.backend.caching.active) prepareShared(config.backend.caching, now);
}

export function cacheTick(snapshot: Snapshot | null, now: u64): void {
  if (snapshot !== null && snapshot.config.backend.caching.active) tickFlush(snapshot, now);
}

export function cacheOwnsAnswer(token: u32): bool {
  return reporterOwns(token);
}

export function cacheOnAnswer(token: u32, numHeaders: u32, bodySize: u32): void {
  onReportAnswer(token, numHeaders, bodySize);
}
