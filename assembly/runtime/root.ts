// The root context: configuration (docs/behaviour.md), the current snapshot, call tokens, and the
// system (porta) fetch schedule. Every http-call answer arrives here and is routed by token.
import { logAt, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } from "../host/log";
import {
  hostLogLevel, getBufferBytes, getHeaderValueBytes, getProperty, httpCall, setTickPeriod, nowMillis,
  HTTP_CALL_TOKEN, STATUS_OK, BUFFER_PLUGIN_CONFIGURATION, BUFFER_HTTP_CALL_RESPONSE_BODY,
  MAP_HTTP_CALL_RESPONSE_HEADERS,
} from "../host/hostcalls";
import { serializePairs } from "../host/headers";
import { compileConfig } from "../config/compile";
import { parsePortaAnswer } from "../config/porta";
import { Diagnostics } from "../config/diagnostics";
import { Config } from "../config/model";
import { buildSystemPath } from "../pipeline/system";
import { decodeUtf8LossyBuffer } from "../util/utf8lossy";
import { Snapshot, buildSnapshot } from "./snapshot";
import { FetchEntry, SystemFetcher } from "./fetcher";
import { findStream } from "./registry";
import { AuthStream } from "./stream";
import { configureMetrics, countSystemFetch } from "./metrics";
import { cacheConfigChanging, cacheInstalled, cacheNeedsTick, cacheOnAnswer, cacheOwnsAnswer, cacheTick } from "../cache/hooks";

export const TICK_PERIOD_MS: u32 = 1000;

const ROOT_ID_PROPERTY = String.UTF8.encode("plugin_root_id");
const STATUS_KEY = String.UTF8.encode(":status");
const FETCH_HEADER_NAMES: Array<string> = [":method", ":path", ":authority", ":scheme"];

export class AuthRoot {
  /** The host's plugin_root_id ("" in Istio); the module serves any. */
  readonly rootId: string;
  /** The accepted configuration's effective snapshot; null before the first accepted one. */
  snapshot: Snapshot | null = null;
  private config: Config | null = null;
  private fetcher: SystemFetcher | null = null;
  /** authrep call token → stream context id. */
  private readonly authrepCalls: Map<u32, u32> = new Map();

  constructor(public readonly id: u32) {
    const raw = getProperty(ROOT_ID_PROPERTY);
    this.rootId = raw === null ? "" : decodeUtf8LossyBuffer(raw);
  }

  newStream(id: u32): AuthStream {
    return new AuthStream(id, this, this.snapshot);
  }

  // ---- configuration ------------------------------------------------------------------------

  /**
   * readConfiguration reads buffer 7 (size 0 or unavailable → empty). It is the first allocation
   * of a configure: a large document then lands in the block the previous one left free, before
   * small allocations can split that block.
   */
  private readConfiguration(size: u32): ArrayBuffer {
    let bytes: ArrayBuffer | null = null;
    if (size > 0) bytes = getBufferBytes(BUFFER_PLUGIN_CONFIGURATION, 0, size);
    return bytes === null ? new ArrayBuffer(0) : bytes;
  }

  /** validate: proxy_validate_configuration (no logging, nothing installed). */
  validate(size: u32): bool {
    const bytes = this.readConfiguration(size);
    const diag = new Diagnostics();
    const accepted = compileConfig(bytes, diag) !== null && diag.ok;
    __collect();
    return accepted;
  }

  /**
   * configure: proxy_on_configure. Invalid → false, and the previous model stays in force.
   * A configure allocates the document's text and trees and, when accepted, replaces the model:
   * a full collection afterwards (off the request path) frees all of it at once, so the next
   * configure reuses that memory instead of growing it while the incremental collector catches up.
   */
  configure(size: u32): bool {
    const accepted = this.configureNow(size);
    __collect();
    return accepted;
  }

  private configureNow(size: u32): bool {
    const bytes = this.readConfiguration(size);
    const diag = new Diagnostics();
    const config = compileConfig(bytes, diag);
    const warnings = diag.warnings;
    for (let i = 0, n = warnings.length; i < n; i++) {
      logAt(LOG_WARN, "configuration warning: " + unchecked(warnings[i]));
    }
    if (config === null || !diag.ok) {
      const errors = diag.errors;
      for (let i = 0, n = errors.length; i < n; i++) {
        logAt(LOG_ERROR, "invalid configuration: " + unchecked(errors[i]));
      }
      const count = errors.length > 0 ? errors.length : 1;
      logAt(LOG_ERROR, "configuration rejected: " + count.toString() + " problem(s)");
      return false;
    }
    this.install(config);
    return true;
  }

  private install(config: Config): void {
    configureMetrics(config.metrics); // defined once per VM, when first enabled
    cacheConfigChanging(this.snapshot, nowMillis()); // report pending usage first
    this.config = config;
    // A new generation: fetched state is discarded, answers to earlier fetches are ignored
    // (their tokens are no longer known).
    const system = config.system;
    this.fetcher = system !== null ? new SystemFetcher(config, system) : null;
    this.snapshot = buildSnapshot(config, null);
    logAt(LOG_INFO, "configuration accepted: api v1, " + config.services.length.toString() + " service(s), system " +
      (system !== null ? "enabled" : "disabled"));
    cacheInstalled(config, nowMillis());
    // One 1000 ms tick serves both the system fetch schedule and the batched reports.
    setTickPeriod(system !== null || cacheNeedsTick(config) ? TICK_PERIOD_MS : 0);
    const fetcher = this.fetcher;
    if (fetcher !== null) {
      const now = nowMillis();
      const entries = fetcher.entries;
      for (let i = 0, n = entries.length; i < n; i++) this.dispatchFetch(fetcher, unchecked(entries[i]), now);
    }
  }

  // ---- system fetch --------------------------------------------------------------------

  /** tick: proxy_on_tick. Fetches every service that is due and not in flight. */
  tick(): void {
    cacheTick(this.snapshot, nowMillis());
    const fetcher = this.fetcher;
    if (fetcher === null) return;
    const now = nowMillis();
    const entries = fetcher.entries;
    for (let i = 0, n = entries.length; i < n; i++) {
      const e = unchecked(entries[i]);
      if (!e.inFlight && now >= e.dueAtMs) this.dispatchFetch(fetcher, e, now);
    }
  }

  private dispatchFetch(fetcher: SystemFetcher, entry: FetchEntry, now: u64): void {
    const up = fetcher.system.upstream;
    const path = buildSystemPath(fetcher.system, entry.serviceId, entry.environment, false);
    const pairs = serializePairs(FETCH_HEADER_NAMES, ["GET", path, up.authority, up.scheme]);
    const status = httpCall(String.UTF8.encode(up.name), pairs, up.timeoutMs);
    if (status != STATUS_OK) {
      this.fetchFailed(fetcher, entry, now, "dispatch failed");
      return;
    }
    entry.inFlight = true;
    fetcher.calls.set(HTTP_CALL_TOKEN, entry);
    if (hostLogLevel() <= LOG_DEBUG) {
      logAt(LOG_DEBUG, "system: service " + entry.serviceId + ": fetching from cluster " + up.name + ", path " +
        buildSystemPath(fetcher.system, entry.serviceId, entry.environment, true));
    }
  }

  private fetchFailed(fetcher: SystemFetcher, entry: FetchEntry, now: u64, why: string): void {
    entry.inFlight = false;
    entry.dueAtMs = now + fetcher.failureDelayMs();
    countSystemFetch(false);
    logAt(LOG_WARN, "system: service " + entry.serviceId + ": fetch failed: " + why);
  }

  private onSystemAnswer(fetcher: SystemFetcher, entry: FetchEntry, numHeaders: u32, bodySize: u32): void {
    const now = nowMillis();
    entry.inFlight = false;
    if (numHeaders == 0) { this.fetchFailed(fetcher, entry, now, "no response"); return; }
    const raw = getHeaderValueBytes(MAP_HTTP_CALL_RESPONSE_HEADERS, STATUS_KEY);
    const status = raw === null ? "" : decodeUtf8LossyBuffer(raw);
    if (status != "200") {
      this.fetchFailed(fetcher, entry, now, status.length > 0 ? "status " + status : "no status");
      return;
    }
    let body: ArrayBuffer | null = null;
    if (bodySize > 0) body = getBufferBytes(BUFFER_HTTP_CALL_RESPONSE_BODY, 0, bodySize);
    const parsed = parsePortaAnswer(body === null ? new ArrayBuffer(0) : body);
    const answer = parsed.answer;
    if (answer === null) {
      this.fetchFailed(fetcher, entry, now, "invalid answer: " + parsed.error);
      return;
    }
    const prefix = "system: service " + entry.serviceId + ": ";
    for (let i = 0, n = answer.warnings.length; i < n; i++) logAt(LOG_WARN, prefix + unchecked(answer.warnings[i]));
    fetcher.fetched.set(entry.serviceId, answer);
    countSystemFetch(true);
    entry.dueAtMs = now + fetcher.successDelayMs();
    const config = this.config;
    if (config !== null) this.snapshot = buildSnapshot(config, fetcher.fetched);
    logAt(LOG_INFO, prefix + "configuration fetched (" + answer.rules.length.toString() + " rule(s), " +
      tokenNote(config, entry.serviceId, answer.token) + ")");
  }

  // ---- http call answers --------------------------------------------------------------------

  trackAuthrep(token: u32, streamId: u32): void {
    this.authrepCalls.set(token, streamId);
  }

  forgetAuthrep(token: u32): void {
    this.authrepCalls.delete(token);
  }

  /** onHttpCallResponse: proxy_on_http_call_response, always delivered to the root. */
  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32): void {
    if (this.authrepCalls.has(token)) {
      const streamId = this.authrepCalls.get(token);
      this.authrepCalls.delete(token);
      const stream = findStream(streamId);
      if (stream === null) {
        logAt(LOG_DEBUG, "authrep answer dropped: stream " + streamId.toString() + " is gone");
        return;
      }
      stream.onAuthrepAnswer(numHeaders, bodySize);
      return;
    }
    const fetcher = this.fetcher;
    if (fetcher !== null && fetcher.calls.has(token)) {
      const entry = fetcher.calls.get(token);
      fetcher.calls.delete(token);
      this.onSystemAnswer(fetcher, entry, numHeaders, bodySize);
      return;
    }
    if (cacheOwnsAnswer(token)) {
      cacheOnAnswer(token, numHeaders, bodySize);
      return;
    }
    logAt(LOG_DEBUG, "http call answer dropped: unknown token " + token.toString());
  }
}

function tokenNote(config: Config | null, serviceId: string, fetchedToken: string): string {
  if (config !== null) {
    const services = config.services;
    for (let i = 0, n = services.length; i < n; i++) {
      const s = unchecked(services[i]);
      if (s.id == serviceId && s.token.length > 0) return "static token kept";
    }
  }
  return fetchedToken.length > 0 ? "token fetched" : "token not fetched";
}
