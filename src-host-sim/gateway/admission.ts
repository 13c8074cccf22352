// What Envoy's HTTP connection manager checks before any filter sees a request, so that the
// module under the gateway never gets a request Envoy would have refused: header size, one Host,
// the request target split into :authority and :path, CONNECT, and the request body limit.
import type { IncomingMessage } from "node:http";

/** Envoy's default max_request_headers_kb is 60. */
export const MAX_REQUEST_HEADERS_BYTES = 60 * 1024;
/** Envoy's default per-connection buffer limit: what a stopped filter chain may hold of a body. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** A reply the gateway itself sends before the filter runs. */
export interface GatewayRefusal {
  status: number;
  body: string;
  /** why, for the access log */
  details: string;
}

export const REFUSE = {
  duplicateHost: (): GatewayRefusal => ({ status: 400, body: "Bad Request", details: "duplicate_host_header" }),
  badTarget: (): GatewayRefusal => ({ status: 400, body: "Bad Request", details: "invalid_request_target" }),
  bodyTooLarge: (): GatewayRefusal => ({ status: 413, body: "Payload Too Large", details: "request_payload_too_large" }),
} as const;

export interface RequestTarget {
  authority: string;
  path: string;
}

/**
 * requestTarget gives :authority and :path. An absolute-form target (`GET http://h/p HTTP/1.1`,
 * as sent to proxies) is split as Envoy does: its host becomes :authority, whatever Host said.
 */
export function requestTarget(url: string, host: string | undefined): RequestTarget | null {
  if (url.startsWith("/")) return { authority: host ?? "", path: url };
  if (url === "*") return { authority: host ?? "", path: "*" };
  if (!/^https?:\/\//i.test(url)) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.host === "") return null;
  // URL would normalise the path (dot segments, escapes): keep the bytes the client sent.
  const afterScheme = url.slice(url.indexOf("//") + 2);
  const slash = afterScheme.search(/[/?]/);
  const rest = slash < 0 ? "" : afterScheme.slice(slash);
  return { authority: u.host, path: rest.startsWith("/") ? rest : `/${rest}` };
}

/** hostHeaderCount: how many Host fields the request carried (Envoy refuses more than one). */
export function hostHeaderCount(req: IncomingMessage): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === "host") n++;
  return n;
}

/** declaredBodyLength: Content-Length, or null when absent (chunked or no body). */
export function declaredBodyLength(req: IncomingMessage): number | null {
  const v = req.headers["content-length"];
  if (v === undefined || !/^\d+$/.test(v)) return null;
  return Number(v);
}

/** expectsBody: whether body bytes will follow the headers. */
export function expectsBody(req: IncomingMessage): boolean {
  const n = declaredBodyLength(req);
  if (n !== null) return n > 0;
  return req.headers["transfer-encoding"] !== undefined;
}

/**
 * CONNECT_REFUSAL is the raw answer to CONNECT: Envoy's default connection manager has no
 * CONNECT upgrade configured, so it refuses the upgrade with 403 and an empty body.
 */
export const CONNECT_REFUSAL = "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/** pathForLog: the path with every query value dropped (they may be credentials). */
export function pathForLog(path: string): string {
  const q = path.indexOf("?");
  if (q < 0) return path;
  const names = path
    .slice(q + 1)
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? p : `${p.slice(0, eq)}=…`;
    });
  return `${path.slice(0, q)}?${names.join("&")}`;
}
