// Node's fetch reports every transport failure as "fetch failed" and keeps the reason in
// `cause` (an errno or OpenSSL code). explainFetchFailure turns it into one sentence with a hint,
// because "fetch failed" alone cannot tell a TLS mismatch from a stopped registry.

interface Cause {
  code?: string;
  message?: string;
  cause?: Cause;
}

/** transportCause digs the innermost error code and message out of a fetch TypeError. */
export function transportCause(e: unknown): { code: string; message: string } | null {
  let c = (e as { cause?: Cause } | null)?.cause;
  if (!c) return null;
  // undici sometimes wraps once more (e.g. a SocketError around the system error)
  while (c.cause && !c.code) c = c.cause;
  return { code: c.code ?? "", message: c.message ?? String(c) };
}

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (nothing listens there)",
  ENOTFOUND: "host not found (DNS)",
  EAI_AGAIN: "host name could not be resolved (no network or DNS?)",
  ENETUNREACH: "network unreachable",
  EHOSTUNREACH: "host unreachable",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset by the registry",
  UND_ERR_SOCKET: "the registry closed the connection",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the registry's TLS certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the registry's TLS certificate chain is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the registry's TLS certificate cannot be verified",
  CERT_HAS_EXPIRED: "the registry's TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the registry's TLS certificate does not name this host",
};

function looksLikeTlsToPlainHttp(code: string, message: string): boolean {
  return code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "EPROTO" || /wrong version number|packet length too long|http request/i.test(message);
}

/** explainFetchFailure: `<what> failed: <cause> (<code>)` and, when it fits, how to fix it. */
export function explainFetchFailure(e: unknown, url: URL, plainHttp: boolean): string {
  const cause = transportCause(e);
  const what = `cannot reach ${url.protocol}//${url.host}`;
  if (!cause) return `${what}: ${(e as Error)?.message ?? String(e)}`;
  const { code, message } = cause;
  if (!plainHttp && looksLikeTlsToPlainHttp(code, message)) {
    return `${what}: TLS handshake failed (${code || message}); the registry seems to speak plain HTTP: add --plain-http`;
  }
  const described = DESCRIPTIONS[code] ?? message;
  let hint = "";
  if (!plainHttp && (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "UND_ERR_SOCKET")) {
    hint = "; if the registry serves plain HTTP (e.g. a local registry on port 5000), add --plain-http";
  } else if (plainHttp && (code === "ECONNRESET" || code === "UND_ERR_SOCKET")) {
    hint = "; if the registry requires HTTPS, drop --plain-http";
  } else if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    hint = "; check the registry host name and the network";
  }
  return `${what}: ${described}${code && !described.includes(code) ? ` (${code})` : ""}${hint}`;
}
