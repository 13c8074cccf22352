// One HTTP stream: reads the request headers once, runs the pipeline (docs/behaviour.md,
// pipeline/decide.ts) on the snapshot it was created with, dispatches the authrep call, and
// applies the verdict when the root hands it the answer. Only glue: every decision is in pipeline/.
import { logAt, LOG_DEBUG, LOG_WARN } from "../host/log";
import {
  hostLogLevel, getHeaderPairs, getHeaderValueBytes, getProperty, getBufferBytes, nowMillis, BUFFER_HTTP_CALL_RESPONSE_BODY, httpCall, sendLocalResponse, continueRequest,
  setEffectiveContext, replaceHeader, HTTP_CALL_TOKEN, STATUS_OK, MAP_REQUEST_HEADERS,
  MAP_RESPONSE_HEADERS, MAP_HTTP_CALL_RESPONSE_HEADERS,
} from "../host/hostcalls";
import { HeaderMap, serializePairs } from "../host/headers";
import { buildRequestView, MetadataSource, RequestView } from "../pipeline/request";
import { decide } from "../pipeline/decide";
import { buildAuthrepPath, buildAuthrepPathFrom, authrepHeaderNames, authrepHeaderValues } from "../pipeline/authrep";
import { Verdict, verdictStatus, verdictText, verdictDetails, classifyAnswer, parseStatus, answerIsOutage } from "../pipeline/verdict";
import { decodeUtf8LossyBuffer } from "../util/utf8lossy";
import { Snapshot } from "./snapshot";
import { AuthRoot } from "./root";
// Gateway features (docs/features.md): error replies, rate-limit headers, upstream changes, metrics.
import { sendVerdictReply } from "../pipeline/errors";
import { RateLimit, readRateLimit, RATELIMIT_LIMIT, RATELIMIT_REMAINING, RATELIMIT_RESET } from "../pipeline/ratelimit";
import { prepareUpstream } from "../pipeline/identity";
import { ResolvedCredentials } from "../pipeline/credentials";
import { countVerdict, metricsEnabled, nowNanos, recordBackendLatency } from "./metrics";
import { EffectiveService } from "./snapshot";
import { maskedCallPath } from "./service-features";
// Cache (docs/cache.md): authorization cache, batched reports, failure modes.
import { CacheTicket } from "../cache/cache";
// Rejection reasons: the reason of a refusal, in debug lines and (for configuration problems) at warn.
import { configurationHint, configurationWarning, ConfigWarnings, describeRefusal, ERROR_BODY_PREFIX_BYTES, hasNoBody, rejectionReason } from "../pipeline/rejection";
import { cacheAfterAnswer, cachedRateLimit, cacheRequest, maskedAuthorizePath, STEP_ALLOW, STEP_DENY } from "../cache/flow";

const HEADERS_CONTINUE: u32 = 0;
const HEADERS_STOP_ITERATION: u32 = 1;

// Encoded once (no host call at top level: these only allocate).
const POWERED_BY_KEY = String.UTF8.encode("powered-by");
const POWERED_BY_VALUE = String.UTF8.encode("3scale");
const METADATA_PROPERTY = String.UTF8.encode("metadata");
const STATUS_KEY = String.UTF8.encode(":status");
const REJECTION_REASON_KEY = String.UTF8.encode("3scale-rejection-reason");
/** Empty header pairs, as proxy-runtime sends them (u32 count 0). */
const NO_HEADERS = new ArrayBuffer(4);
const AUTHREP_HEADER_NAMES = authrepHeaderNames();
/** One configuration warning per service per minute, for the whole VM. */
const CONFIG_WARNINGS = new ConfigWarnings();

/** REPLY_BODIES/DETAILS[verdict]: the exact local-reply bytes. */
const REPLY_BODIES = new StaticArray<ArrayBuffer>(8);
const REPLY_DETAILS = new StaticArray<ArrayBuffer>(8);
for (let v = 0; v < 8; v++) {
  REPLY_BODIES[v] = String.UTF8.encode(verdictText(<Verdict>v) + "\n");
  REPLY_DETAILS[v] = String.UTF8.encode(verdictDetails(<Verdict>v));
}

/** HostMetadata reads the `metadata` property; NotFound and Ok-with-no-data both mean none. */
class HostMetadata extends MetadataSource {
  read(): ArrayBuffer | null {
    return getProperty(METADATA_PROPERTY);
  }
}
const HOST_METADATA = new HostMetadata();

export class AuthStream {
  /** Token of the authrep call in flight, 0 when none. */
  pendingToken: u32 = 0;
  /** Debug summary of the decision so far (secrets masked); built only when `debug`. */
  private summary: string = "";
  /** Whether the host keeps debug lines (asked once per request; Envoy's default is info). */
  private debug: bool = false;
  /** The selected service and resolved credentials (error replies, upstream changes). */
  private service: EffectiveService | null = null;
  private creds: ResolvedCredentials | null = null;
  /** RateLimit-* for the response of an allowed request, null when none. */
  private rateLimit: RateLimit | null = null;
  /** When the authrep call was dispatched (host clock, ns) for the latency histogram. */
  private sentAtNs: u64 = 0;
  /** The request's cache identity while its call is in flight, null when uncached. */
  private ticket: CacheTicket | null = null;

  constructor(
    public readonly id: u32,
    public readonly root: AuthRoot,
    /** The effective configuration at creation; null if no configuration was ever accepted. */
    public readonly snapshot: Snapshot | null,
  ) {}

  onRequestHeaders(): u32 {
    const snapshot = this.snapshot;
    this.debug = hostLogLevel() <= LOG_DEBUG;
    const headers = new HeaderMap(getHeaderPairs(MAP_REQUEST_HEADERS));
    const view = buildRequestView(headers, HOST_METADATA);
    if (view === null) return this.reject(Verdict.BadRequest, this.debug ? "request: missing :method or :path" : "");
    if (snapshot === null) return this.reject(Verdict.BackendUnavailable, this.debug ? "request: no configuration accepted" : "");
    return this.authorize(snapshot, view);
  }

  private authorize(snapshot: Snapshot, view: RequestView): u32 {
    const d = decide(snapshot, view, this.debug);
    this.summary = d.summary;
    const selected = d.service;
    const creds = d.creds;
    this.service = selected;
    this.creds = creds;
    const usage = d.usage;
    if (d.verdict != Verdict.Allow || selected === null || creds === null || usage === null) {
      return this.reject(d.verdict == Verdict.Allow ? Verdict.BackendUnavailable : d.verdict, d.summary);
    }
    // Step 6: authrep.
    const backend = snapshot.config.backend;
    let cachedPath: string | null = null;
    if (backend.caching.active) {
      // A cached verdict decides with no call; a miss asks authorize.xml instead.
      const step = cacheRequest(snapshot, selected, creds, usage);
      if (step.kind == STEP_ALLOW) {
        if (this.debug) logAt(LOG_DEBUG, d.summary + " → allowed (cached)");
        this.rateLimit = step.rateLimit;
        this.allowUpstream(step.verified);
        return HEADERS_CONTINUE;
      }
      if (step.kind == STEP_DENY) {
        return this.reject(step.verdict, this.debug ? d.summary + " (cached)" : "", step.verdict == Verdict.LimitsExceeded ? step.rateLimit : null);
      }
      this.ticket = step.ticket;
      cachedPath = step.path;
    }
    const path = cachedPath !== null ? cachedPath : buildAuthrepPathFrom(selected.authrepPrefix, backend.upstream.query, creds, usage, false);
    const pairs = serializePairs(AUTHREP_HEADER_NAMES, authrepHeaderValues(backend, path));
    const status = httpCall(snapshot.backendCluster, pairs, backend.upstream.timeoutMs);
    if (status != STATUS_OK) {
      logAt(LOG_WARN, "backend: authrep failed: dispatch failed (cluster \"" + backend.upstream.name + "\")");
      const failed = cacheAfterAnswer(snapshot, this.ticket, Verdict.BackendUnavailable, true);
      this.ticket = null;
      if (failed.verdict == Verdict.Allow) {
        this.allowUpstream(failed.verified);
        return HEADERS_CONTINUE;
      }
      return this.reject(failed.verdict, d.summary);
    }
    this.pendingToken = HTTP_CALL_TOKEN;
    this.root.trackAuthrep(HTTP_CALL_TOKEN, this.id);
    if (metricsEnabled()) this.sentAtNs = nowNanos();
    if (this.debug) {
      logAt(LOG_DEBUG, (cachedPath !== null ? "authorize: cluster " : "authrep: cluster ") + backend.upstream.name + ", path " +
        (cachedPath !== null ? maskedAuthorizePath(snapshot, selected, creds, usage)
          : maskedCallPath(backend.upstream, selected, creds, usage)));
    }
    // Step 7: pause until the answer (Envoy turns 1 into StopAllIterationAndWatermark).
    return HEADERS_STOP_ITERATION;
  }

  /** reject sends the local reply of `v` and logs the decision at debug (`summary` is "" unless debug). */
  private reject(v: Verdict, summary: string, rateLimit: RateLimit | null = null): u32 {
    if (this.debug) logAt(LOG_DEBUG, summary + " → " + verdictStatus(v).toString() + " " + verdictText(v));
    this.reply(v, rateLimit);
    return HEADERS_STOP_ITERATION;
  }

  /** reply sends the local reply of `v`: the service's custom one if any, else the spec's (counted). */
  reply(v: Verdict, rateLimit: RateLimit | null): void {
    const selected = this.service;
    sendVerdictReply(v, selected !== null ? selected.features.replies : null, rateLimit);
  }

  /**
   * allowUpstream prepares an allowed request for upstream (credential stripping, identity
   * headers) and counts it; call it with the stream as effective context, before continuing.
   * `verified`: 3scale vouched for the credentials; without that no identity header is set.
   */
  allowUpstream(verified: bool): void {
    countVerdict(<i32>Verdict.Allow);
    const selected = this.service;
    if (selected !== null && selected.features.mutatesUpstream) prepareUpstream(selected.features, selected.service.id, this.creds, verified);
  }

  /** onAuthrepAnswer runs inside the root's proxy_on_http_call_response ( step 8). */
  onAuthrepAnswer(numHeaders: u32, bodySize: u32): void {
    this.pendingToken = 0;
    if (setEffectiveContext(this.id) != STATUS_OK) {
      logAt(LOG_DEBUG, "authrep answer dropped: stream " + this.id.toString() + " is gone");
      return;
    }
    let status: i32 = -1;
    let reason: string | null = null;
    let refusal: string | null = null;
    if (numHeaders > 0) {
      const raw = getHeaderValueBytes(MAP_HTTP_CALL_RESPONSE_HEADERS, STATUS_KEY);
      status = parseStatus(raw === null ? null : decodeUtf8LossyBuffer(raw));
      if (status == 409) {
        const r = getHeaderValueBytes(MAP_HTTP_CALL_RESPONSE_HEADERS, REJECTION_REASON_KEY);
        if (r !== null) reason = decodeUtf8LossyBuffer(r);
      }
      if (status >= 400 && status <= 499) refusal = rejectionReason(status, reason, status != 409 ? readErrorBody(bodySize) : null);
    }
    let v = classifyAnswer(numHeaders, status, reason);
    if (refusal !== null) this.warnIfConfiguration(refusal);
    const sentAt = this.sentAtNs;
    if (sentAt > 0) {
      const now = nowNanos();
      if (now >= sentAt) recordBackendLatency((now - sentAt) / 1000000);
    }
    let rateLimit: RateLimit | null = null;
    const snapshot = this.snapshot;
    if (snapshot !== null && snapshot.config.backend.rateLimitHeaders && (v == Verdict.Allow || v == Verdict.LimitsExceeded)) {
      rateLimit = readRateLimit();
    }
    const outage = answerIsOutage(numHeaders, status);
    if (v == Verdict.BackendUnavailable) {
      logAt(LOG_WARN, numHeaders == 0 ? "backend: authrep failed: no response"
        : status < 0 ? "backend: authrep failed: invalid status"
        : !outage ? "backend: authrep failed: unexpected status " + status.toString() + " (not an answer of 3scale's API; check backend.upstream.url); no failure mode applies"
        : "backend: authrep failed: status " + status.toString());
    }
    // Record the verdict; with no decision during an outage, the failure mode chooses.
    const ticket = this.ticket;
    const outcome = cacheAfterAnswer(this.snapshot, ticket, v, outage);
    v = outcome.verdict;
    this.ticket = null;
    // With the cache, 3scale was asked authorize (which counts nothing): the headers come from
    // what the slot recorded, so a miss and the hits after it count down alike.
    if (snapshot !== null && ticket !== null && !ticket.reportsItself) rateLimit = cachedRateLimit(snapshot, ticket);
    if (v == Verdict.Allow) {
      if (this.debug) logAt(LOG_DEBUG, this.summary + " → allowed");
      this.rateLimit = rateLimit;
      this.allowUpstream(outcome.verified);
      if (continueRequest() != STATUS_OK && this.debug) logAt(LOG_DEBUG, "request: continue failed");
      return;
    }
    if (this.debug) {
      const noBody = snapshot !== null && hasNoBody(snapshot.config.backend.optionsHeader);
      const why = status >= 400 && status <= 499 ? describeRefusal(status, refusal, noBody) : "";
      logAt(LOG_DEBUG, this.summary + " → " + verdictStatus(v).toString() + " " + verdictText(v) + why);
    }
    this.reply(v, v == Verdict.LimitsExceeded ? rateLimit : null);
  }

  /** warnIfConfiguration logs a refusal caused by the operator's configuration, rate-limited per service. */
  private warnIfConfiguration(reason: string): void {
    const hint = configurationHint(reason);
    if (hint.length == 0) return;
    const selected = this.service;
    if (selected === null) return;
    const serviceId = selected.service.id;
    if (CONFIG_WARNINGS.due(serviceId, nowMillis())) logAt(LOG_WARN, configurationWarning(serviceId, reason, hint));
  }

  /** onResponseHeaders adds `powered-by: 3scale` (replace semantics). */
  onResponseHeaders(): u32 {
    const status = replaceHeader(MAP_RESPONSE_HEADERS, POWERED_BY_KEY, POWERED_BY_VALUE);
    if (status != STATUS_OK) logAt(LOG_DEBUG, "response: powered-by not set (status " + status.toString() + ")");
    const rateLimit = this.rateLimit;
    if (rateLimit !== null) addRateLimitHeaders(rateLimit);
    return HEADERS_CONTINUE;
  }

  /** onDelete forgets a call still in flight, so a late answer finds no stream. */
  onDelete(): void {
    if (this.pendingToken != 0) {
      this.root.forgetAuthrep(this.pendingToken);
      this.pendingToken = 0;
    }
  }
}

/** readErrorBody reads the head of the answer's body (where an error's code is), or null. */
function readErrorBody(bodySize: u32): string | null {
  if (bodySize == 0) return null;
  const bytes = getBufferBytes(BUFFER_HTTP_CALL_RESPONSE_BODY, 0, bodySize < ERROR_BODY_PREFIX_BYTES ? bodySize : ERROR_BODY_PREFIX_BYTES);
  return bytes === null ? null : decodeUtf8LossyBuffer(bytes);
}

function sendReply(v: Verdict): void {
  sendLocalResponse(verdictStatus(v), unchecked(REPLY_DETAILS[<i32>v]), unchecked(REPLY_BODIES[<i32>v]), NO_HEADERS);
}

/** addRateLimitHeaders sets RateLimit-* on the response (replace semantics). */
function addRateLimitHeaders(r: RateLimit): void {
  replaceHeader(MAP_RESPONSE_HEADERS, String.UTF8.encode(RATELIMIT_LIMIT), String.UTF8.encode(r.limit));
  replaceHeader(MAP_RESPONSE_HEADERS, String.UTF8.encode(RATELIMIT_REMAINING), String.UTF8.encode(r.remaining));
  if (r.reset.length > 0) replaceHeader(MAP_RESPONSE_HEADERS, String.UTF8.encode(RATELIMIT_RESET), String.UTF8.encode(r.reset));
}
