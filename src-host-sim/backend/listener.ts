// apisonator's HTTP layer as a pure function: route, parse, run, and render the reply with the
// exact status, headers and body (3scale's backend API–2).
import { BackendError, EmptyForbidden, InternalError, err } from "./errors.js";
import type { Clock } from "./periods.js";
import { type ParamHash, parseNestedQuery } from "./query.js";
import { type ReportJob, acceptReport } from "./report.js";
import type { BackendStore } from "./store.js";
import { type Endpoint, authorizeCall, extensionsFrom } from "./transactor.js";
import { errorXml } from "./xml.js";

export interface BackendRequest {
  method: string;
  /** request target as sent: path and optional `?query`, raw bytes as latin1 */
  url: string;
  /** lower-case names */
  headers: Record<string, string | undefined>;
  body?: Uint8Array;
}

export interface BackendResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const XML_CONTENT_TYPE = "application/vnd.3scale-v2.0+xml";

const ERROR_HEADERS = {
  "content-type": XML_CONTENT_TYPE,
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "ETag, Link, 3scale-rejection-reason",
};
const LISTENER_HEADERS = { ...ERROR_HEADERS, "content-security-policy": "default-src 'self'" };

const AUTH_ROUTES: Record<string, Endpoint> = {
  "/transactions/authorize.xml": "authorize",
  "/transactions/authrep.xml": "authrep",
  "/transactions/oauth_authorize.xml": "oauth_authorize",
  "/transactions/oauth_authrep.xml": "oauth_authrep",
};

function errorResponse(e: BackendError, noBody: boolean): BackendResponse {
  return {
    status: e.status,
    headers: { ...ERROR_HEADERS },
    body: noBody && !e.bodyAlways ? "" : errorXml(e.code, e.message),
  };
}

const INTERNAL: BackendResponse = { status: 500, headers: {}, body: "Internal Server Error\n" };

type Parsed =
  | { ok: true; params: ParamHash; validUtf8: boolean }
  | { ok: false; error: BackendError }
  | { ok: false; error: null; response: BackendResponse };

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/**
 * Rack's parse; invalid UTF-8 is reported, not raised, because the report route checks it late.
 * Sinatra turns Rack's parameter-type errors into a plain 400 "Invalid query parameters: …";
 * apisonator's exception catcher rewrites only "expected Hash (got Array)" (e.g.
 * `usage[]=1&usage[hits]=1`) and invalid %-encoding into XML bad_request errors.
 */
function parseRaw(raw: string | Uint8Array): Parsed {
  const q = parseNestedQuery(raw);
  if (!q.ok) {
    if (q.kind === "invalid-encoding") return { ok: false, error: err.badRequest("Invalid query parameters: invalid %-encoding") };
    if (q.kind === "syntax" && q.message.startsWith("expected Hash (got Array)")) return { ok: false, error: err.syntax() };
    if (q.kind === "syntax") {
      return {
        ok: false,
        error: null,
        response: { status: 400, headers: { ...LISTENER_HEADERS }, body: `Invalid query parameters: ${escapeHtml(q.message)}` },
      };
    }
    if (q.kind === "too-deep") return { ok: false, error: err.syntax() };
    return { ok: false, error: err.badRequest(q.message) };
  }
  return { ok: true, params: q.params, validUtf8: q.validUtf8 };
}

function parseParams(raw: string | Uint8Array): Parsed {
  const q = parseRaw(raw);
  if (q.ok && !q.validUtf8) return { ok: false, error: err.notValidData() };
  return q;
}

function parseFailure(p: Exclude<Parsed, { ok: true }>, noBody: boolean): BackendResponse {
  return p.error === null ? p.response : errorResponse(p.error, noBody);
}

function optionsHeader(headers: Record<string, string | undefined>): ParamHash {
  const v = headers["3scale-options"];
  if (!v) return Object.create(null) as ParamHash;
  const q = parseNestedQuery(v);
  return q.ok ? q.params : (Object.create(null) as ParamHash);
}

export interface ListenerContext {
  store: BackendStore;
  clock: Clock;
  enqueue(job: ReportJob): void;
}

export function handleBackendRequest(ctx: ListenerContext, req: BackendRequest): BackendResponse {
  try {
    return route(ctx, req);
  } catch {
    return INTERNAL;
  }
}

function route(ctx: ListenerContext, req: BackendRequest): BackendResponse {
  const q = req.url.indexOf("?");
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? "" : req.url.slice(q + 1);
  const method = req.method.toUpperCase();

  if (method === "OPTIONS") {
    return {
      status: 204,
      headers: {
        ...LISTENER_HEADERS,
        "access-control-max-age": "86400",
        "access-control-allow-methods": "GET, POST, PATCH, PUT, DELETE",
        "access-control-allow-headers":
          "Authorization, Accept-Encoding, Content-Type, Cache-Control, Accept, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, X-Requested-With, X-HTTP-Method-Override, 3scale-options",
      },
      body: "",
    };
  }
  // Sinatra's before filter sets the XML type, CORS and CSP on every route; text/* gets a charset.
  if (path === "/available" && method === "HEAD") return { status: 200, headers: { ...LISTENER_HEADERS }, body: "" };
  if (path === "/check.txt" && (method === "GET" || method === "HEAD")) {
    return { status: 200, headers: { ...LISTENER_HEADERS, "content-type": "text/plain;charset=utf-8" }, body: "ok" };
  }
  if (path === "/status" && (method === "GET" || method === "HEAD")) {
    return {
      status: 200,
      headers: { ...LISTENER_HEADERS, "content-type": "application/json" },
      body: '{"status":"ok","version":{"backend":"3.4.3"}}',
    };
  }
  const endpoint = AUTH_ROUTES[path];
  if (endpoint && (method === "GET" || method === "HEAD")) return authRoute(ctx, req, endpoint, rawQuery);
  if (path === "/transactions.xml" && method === "POST") return reportRoute(ctx, req, rawQuery);
  return { status: 404, headers: { ...LISTENER_HEADERS }, body: "" };
}

function authRoute(ctx: ListenerContext, req: BackendRequest, endpoint: Endpoint, rawQuery: string): BackendResponse {
  const options = optionsHeader(req.headers);
  const parsed = parseParams(rawQuery);
  const early = extensionsFrom(options, Object.create(null) as ParamHash);
  if (!parsed.ok) return parseFailure(parsed, early.noBody);
  const ext = extensionsFrom(options, parsed.params);
  try {
    const out = authorizeCall({ store: ctx.store, clock: ctx.clock, endpoint, params: parsed.params, ext });
    return { status: out.status, headers: { ...LISTENER_HEADERS, ...out.headers }, body: out.body };
  } catch (e) {
    if (e instanceof BackendError) return errorResponse(e, ext.noBody);
    if (e instanceof EmptyForbidden) return { status: 403, headers: { ...LISTENER_HEADERS }, body: "" };
    if (e instanceof InternalError) return INTERNAL;
    throw e;
  }
}

function contentTypeAllowed(ct: string | undefined): boolean {
  if (ct === undefined || ct.trim() === "") return true;
  const media = ct.split(";")[0]!.trim().toLowerCase();
  return media === "application/x-www-form-urlencoded" || media === "multipart/form-data";
}

/** Minimal multipart/form-data reader: `name="…"` parts become `name=value` pairs. */
function multipartToQuery(ct: string, body: Uint8Array): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ct);
  if (!m) return null;
  const boundary = `--${(m[1] ?? m[2])!.trim()}`;
  const text = Buffer.from(body).toString("latin1");
  const pairs: string[] = [];
  for (const part of text.split(boundary).slice(1)) {
    if (part.startsWith("--")) break;
    const sep = part.indexOf("\r\n\r\n");
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    const value = part.slice(sep + 4).replace(/\r\n$/, "");
    pairs.push(`${encodeLatin1(name)}=${encodeLatin1(value)}`);
  }
  return pairs.join("&");
}

function encodeLatin1(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += /[A-Za-z0-9_.~-]/.test(s[i]!) ? s[i] : `%${c.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function reportRoute(ctx: ListenerContext, req: BackendRequest, rawQuery: string): BackendResponse {
  const ct = req.headers["content-type"];
  const options = optionsHeader(req.headers);
  const ext0 = extensionsFrom(options, Object.create(null) as ParamHash);
  if (!contentTypeAllowed(ct)) return errorResponse(err.contentTypeInvalid(ct!), ext0.noBody);
  const body = req.body ?? new Uint8Array(0);
  let form: string | null = Buffer.from(body).toString("latin1");
  if (ct && /^\s*multipart\/form-data/i.test(ct)) form = multipartToQuery(ct, body);
  if (form === null) return errorResponse(err.syntax(), ext0.noBody);
  // Sinatra merges query and form parameters; the form wins on a clash.
  const combined = [rawQuery, form].filter((s) => s !== "").join("&");
  const parsed = parseRaw(combined);
  if (!parsed.ok) return parseFailure(parsed, ext0.noBody);
  const ext = extensionsFrom(options, parsed.params);
  try {
    const job = acceptReport(ctx.store, ctx.clock, parsed.params, parsed.validUtf8, ext.flatUsage);
    if (job) ctx.enqueue(job);
    return { status: 202, headers: { ...LISTENER_HEADERS }, body: "" };
  } catch (e) {
    if (e instanceof BackendError) return errorResponse(e, ext.noBody);
    if (e instanceof InternalError) return INTERNAL;
    throw e;
  }
}
