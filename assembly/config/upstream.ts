// Upstream URL rules (docs/configuration.md): an absolute http/https URL, parsed by hand (no regex,
// no trap) into the values every call uses: scheme, authority (default port dropped), base path
// ending in "/", and the query.
import { asciiLower } from "../util/ascii";

/** UrlParts: the derived values, or `error` (the `<why>` of `invalid URL: <why>`). */
export class UrlParts {
  error: string = "";
  scheme: string = "";
  authority: string = "";
  basePath: string = "/";
  query: string = "";
}

export function parseUpstreamUrl(url: string): UrlParts {
  const r = new UrlParts();
  const n = url.length;
  if (n == 0) return failed(r, "empty URL");
  for (let i = 0; i < n; i++) {
    const c = url.charCodeAt(i);
    if (c == 32 || c == 9 || c == 10 || c == 13 || c == 12 || c == 11) return failed(r, "whitespace is not allowed");
    if (c < 32 || c == 127) return failed(r, "control characters are not allowed");
    if (c == 35) return failed(r, "a #fragment is not allowed");
  }
  const sep = url.indexOf("://");
  if (sep < 0) return failed(r, "expected an absolute http:// or https:// URL");
  const scheme = asciiLower(url.substring(0, sep));
  let defaultPort: i32;
  if (scheme == "http") defaultPort = 80;
  else if (scheme == "https") defaultPort = 443;
  else return failed(r, "unsupported scheme (expected http or https)");
  r.scheme = scheme;

  // authority = everything up to the first "/" or "?".
  const authStart = sep + 3;
  let authEnd = authStart;
  while (authEnd < n) {
    const c = url.charCodeAt(authEnd);
    if (c == 47 || c == 63) break;
    authEnd++;
  }
  const authority = url.substring(authStart, authEnd);
  if (authority.indexOf("@") >= 0) return failed(r, "userinfo is not allowed");

  let host: string;
  let portText = "";
  let hasPort = false;
  if (authority.startsWith("[")) {
    // IPv6 literal: [address] with an optional :port.
    const close = authority.indexOf("]");
    if (close < 0) return failed(r, "unterminated IPv6 address");
    host = authority.substring(0, close + 1);
    if (close == 1) return failed(r, "empty host");
    for (let i = 1; i < close; i++) {
      const c = host.charCodeAt(i);
      const ok = (c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c == 46;
      if (!ok) return failed(r, "invalid IPv6 address");
    }
    const rest = authority.substring(close + 1);
    if (rest.length > 0) {
      if (rest.charCodeAt(0) != 58) return failed(r, "unexpected characters after the IPv6 address");
      hasPort = true;
      portText = rest.substring(1);
    }
  } else {
    const colon = authority.indexOf(":");
    if (colon >= 0) {
      host = authority.substring(0, colon);
      hasPort = true;
      portText = authority.substring(colon + 1);
    } else {
      host = authority;
    }
    for (let i = 0, m = host.length; i < m; i++) {
      if (!isHostChar(host.charCodeAt(i))) return failed(r, "invalid character in host");
    }
  }
  if (host.length == 0) return failed(r, "empty host");

  let port = defaultPort;
  if (hasPort) {
    const len = portText.length;
    if (len == 0) return failed(r, "empty port");
    let value = 0;
    for (let i = 0; i < len; i++) {
      const d = portText.charCodeAt(i);
      if (d < 48 || d > 57) return failed(r, "invalid port");
      value = value * 10 + (d - 48);
      if (value > 65535) return failed(r, "port out of range (1..65535)");
    }
    if (value == 0) return failed(r, "port out of range (1..65535)");
    port = value;
  }
  const lowerHost = asciiLower(host);
  r.authority = port == defaultPort ? lowerHost : lowerHost + ":" + port.toString();

  // path up to "?", then the query.
  const q = url.indexOf("?", authEnd);
  const path = q < 0 ? url.substring(authEnd) : url.substring(authEnd, q);
  r.query = q < 0 ? "" : url.substring(q + 1);
  if (path.length == 0) r.basePath = "/";
  else r.basePath = path.endsWith("/") ? path : path + "/";
  return r;
}

function failed(r: UrlParts, why: string): UrlParts {
  r.error = why;
  return r;
}

/** isHostChar: RFC 3986 reg-name characters (unreserved, sub-delims, "%"); ASCII only. */
function isHostChar(c: i32): bool {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) return true;
  if (c == 45 || c == 46 || c == 95 || c == 126 || c == 37) return true;
  if (c == 33 || c == 36 || c == 38 || c == 39 || c == 40 || c == 41) return true;
  if (c == 42 || c == 43 || c == 44 || c == 59 || c == 61) return true;
  return false;
}
