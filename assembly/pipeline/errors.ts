// Local replies with per-service error responses (docs/features.md "Error responses"): the
// spec's exact replies (docs/behaviour.md) unless the service customises auth_failed,
// auth_missing, no_match or limits_exceeded, statically or (opted in) from system. Replies are
// prepared once per snapshot; sending one is a single host call.
import { sendLocalResponse } from "../host/hostcalls";
import { serializePairs } from "../host/headers";
import { ErrorKind, ErrorResponse } from "../config/features-model";
import { countVerdict } from "../runtime/metrics";
import { RateLimit } from "./ratelimit";
import { Verdict, verdictDetails, verdictStatus, verdictText } from "./verdict";

export const VERDICT_COUNT: i32 = 8;

/** PreparedReply: everything proxy_send_local_response needs, encoded. */
@final
export class PreparedReply {
  headers: ArrayBuffer;
  constructor(
    public readonly status: u32,
    public readonly details: ArrayBuffer,
    public readonly body: ArrayBuffer,
    public readonly headerNames: Array<string>,
    public readonly headerValues: Array<string>,
  ) {
    this.headers = serializePairs(headerNames, headerValues);
  }
}

/** errorKindOf: the customisable kind of a verdict, or -1 (bad request, unknown service, 502). */
export function errorKindOf(v: Verdict): i32 {
  switch (v) {
    case Verdict.AuthFailed: return ErrorKind.AuthFailed;
    case Verdict.CredentialsMissing: return ErrorKind.AuthMissing;
    case Verdict.NoMappingRule: return ErrorKind.NoMatch;
    case Verdict.LimitsExceeded: return ErrorKind.LimitsExceeded;
  }
  return -1;
}

// The spec's replies, built on first use (allocation only, but kept off the start section).
let DEFAULTS: StaticArray<PreparedReply> | null = null;

function defaults(): StaticArray<PreparedReply> {
  let d = DEFAULTS;
  if (d === null) {
    d = new StaticArray<PreparedReply>(VERDICT_COUNT);
    for (let i = 0; i < VERDICT_COUNT; i++) {
      const v = <Verdict>i;
      unchecked(d[i] = new PreparedReply(verdictStatus(v), String.UTF8.encode(verdictDetails(v)),
        String.UTF8.encode(verdictText(v) + "\n"), [], []));
    }
    DEFAULTS = d;
  }
  return d;
}

export function defaultReply(v: Verdict): PreparedReply {
  const i = <i32>v;
  return unchecked(defaults()[i >= 0 && i < VERDICT_COUNT ? i : <i32>Verdict.BackendUnavailable]);
}

/**
 * prepareReply merges one kind part by part: the static part when set, else the system part
 * (`fetched`, already null unless the service opted in), else the spec's. Static extra headers
 * are always added; the content type, when set, is sent as `content-type`.
 */
export function prepareReply(v: Verdict, statik: ErrorResponse | null, fetched: ErrorResponse | null): PreparedReply | null {
  if (statik === null && fetched === null) return null;
  const base = defaultReply(v);
  let status = base.status;
  let body: string | null = null;
  let contentType: string | null = null;
  if (fetched !== null) {
    if (fetched.status != 0) status = fetched.status;
    if (fetched.body !== null) body = fetched.body;
    if (fetched.contentType !== null) contentType = fetched.contentType;
  }
  const names = new Array<string>();
  const values = new Array<string>();
  if (statik !== null) {
    if (statik.status != 0) status = statik.status;
    if (statik.body !== null) body = statik.body;
    if (statik.contentType !== null) contentType = statik.contentType;
    for (let i = 0, n = statik.headerNames.length; i < n && i < statik.headerValues.length; i++) {
      names.push(unchecked(statik.headerNames[i]));
      values.push(unchecked(statik.headerValues[i]));
    }
  }
  if (contentType !== null) {
    names.push("content-type");
    values.push(contentType);
  }
  return new PreparedReply(status, base.details, body !== null ? String.UTF8.encode(body) : base.body, names, values);
}

/**
 * sendVerdictReply sends the local reply of `v` (the service's when `custom` has one), with the
 * RateLimit-* headers when given, and counts the request.
 */
export function sendVerdictReply(v: Verdict, custom: StaticArray<PreparedReply | null> | null, rateLimit: RateLimit | null): void {
  countVerdict(<i32>v);
  let reply: PreparedReply | null = null;
  const i = <i32>v;
  if (custom !== null && i >= 0 && i < custom.length) reply = unchecked(custom[i]);
  if (reply === null) reply = defaultReply(v);
  let headers = reply.headers;
  if (rateLimit !== null) headers = serializePairs(reply.headerNames.concat(rateLimit.names()), reply.headerValues.concat(rateLimit.values()));
  sendLocalResponse(reply.status, reply.details, reply.body, headers);
}
