// The request view (behaviour.md §2 step 0–1, §3, §5.1): everything the pipeline derives from the
// request headers, read once. Derived values are computed lazily, on first use.
import { HeaderMap } from "../host/headers";
import { toLowerAscii, toUpperAscii } from "../util/ascii";
import { formDecode } from "../util/percent";
import { normalizeRequestPath } from "./rules";
import { percentEncodeNonVisible } from "../util/percent";

/** MetadataSource reads the stream's dynamic metadata (property `metadata`) on demand. */
export abstract class MetadataSource {
  /** read returns the serialised Metadata, or null when the host has none (NotFound, Ok-empty). */
  abstract read(): ArrayBuffer | null;
}

/** NoMetadata is a source that never has metadata (tests, hosts without the property). */
export class NoMetadata extends MetadataSource {
  read(): ArrayBuffer | null {
    return null;
  }
}

@final
export class RequestView {
  headers: HeaderMap;
  /** `:method`, upper-cased. */
  method: string = "";
  /** `:path` as received. */
  rawPath: string = "";
  scheme: string = "https";
  /** Normalised authority (§3). */
  authority: string = "";
  private metadataSource: MetadataSource;
  private metadataRead: bool = false;
  private metadata: ArrayBuffer | null = null;
  private queryParsed: bool = false;
  private queryNames: Array<string> = [];
  private queryValues: Array<string> = [];
  private pathDone: bool = false;
  private normPath: string = "";
  private ruleQuery: Array<string> | null = null;

  constructor(headers: HeaderMap, metadataSource: MetadataSource) {
    this.headers = headers;
    this.metadataSource = metadataSource;
  }

  /** metadataBytes reads the metadata property once per request. */
  metadataBytes(): ArrayBuffer | null {
    if (!this.metadataRead) {
      this.metadataRead = true;
      const m = this.metadataSource.read();
      this.metadata = m !== null && m.byteLength > 0 ? m : null;
    }
    return this.metadata;
  }

  /** queryParam returns the decoded value of the first item whose decoded name equals `name`, or null. */
  queryParam(name: string): string | null {
    if (!this.queryParsed) this.parseQuery();
    const names = this.queryNames;
    for (let i = 0, n = names.length; i < n; i++) {
      if (unchecked(names[i]) == name) return unchecked(this.queryValues[i]);
    }
    return null;
  }

  private parseQuery(): void {
    this.queryParsed = true;
    const p = this.rawPath;
    const q = p.indexOf("?");
    if (q < 0) return;
    let end = p.indexOf("#", q + 1);
    if (end < 0) end = p.length;
    let start = q + 1;
    while (start <= end) {
      let amp = p.indexOf("&", start);
      if (amp < 0 || amp > end) amp = end;
      if (amp > start) {
        let eq = p.indexOf("=", start);
        if (eq < 0 || eq > amp) eq = -1;
        if (eq < 0) {
          this.queryNames.push(formDecode(p, start, amp));
          this.queryValues.push("");
        } else {
          this.queryNames.push(formDecode(p, start, eq));
          this.queryValues.push(formDecode(p, eq + 1, amp));
        }
      }
      start = amp + 1;
    }
  }

  private derivePath(): void {
    this.pathDone = true;
    let p = this.rawPath;
    const hash = p.indexOf("#");
    if (hash >= 0) p = p.substring(0, hash);
    const q = p.indexOf("?");
    if (q < 0) {
      this.normPath = normalizeRequestPath(p);
      this.ruleQuery = null;
    } else {
      this.normPath = normalizeRequestPath(p.substring(0, q));
      this.ruleQuery = percentEncodeNonVisible(p.substring(q + 1)).split("&");
    }
  }

  /** path is P of §5.1: normalised, without query or fragment. */
  get path(): string {
    if (!this.pathDone) this.derivePath();
    return this.normPath;
  }

  /** queryItems is Q of §5.1 split on "&", or null when `:path` has no "?". */
  get queryItems(): Array<string> | null {
    if (!this.pathDone) this.derivePath();
    return this.ruleQuery;
  }
}

/**
 * buildRequestView reads the pseudo-headers (step 0–1). Returns null when `:method` or `:path`
 * is missing or empty (400).
 */
export function buildRequestView(headers: HeaderMap, metadata: MetadataSource): RequestView | null {
  const method = headers.get(":method");
  if (method === null || method.length == 0) return null;
  const path = headers.get(":path");
  if (path === null || path.length == 0) return null;
  const v = new RequestView(headers, metadata);
  v.method = toUpperAscii(method);
  v.rawPath = path;
  let scheme = headers.get(":scheme");
  if (scheme === null) scheme = headers.get("x-forwarded-proto");
  v.scheme = scheme === null ? "https" : toLowerAscii(scheme);
  const authority = headers.get(":authority");
  v.authority = normalizeAuthority(authority === null ? "" : authority, v.scheme);
  return v;
}

/** normalizeAuthority lower-cases and drops the scheme's default port (§3). */
export function normalizeAuthority(authority: string, scheme: string): string {
  const a = toLowerAscii(authority);
  if (scheme == "http" && a.endsWith(":80")) return stripPort(a, 3);
  if (scheme == "https" && a.endsWith(":443")) return stripPort(a, 4);
  return a;
}

function stripPort(a: string, suffixLen: i32): string {
  const hostEnd = a.length - suffixLen;
  // "[::1]:443" → "[::1]"; a bare "::80" (an unbracketed IPv6 tail) is not a port.
  if (hostEnd > 0 && a.charCodeAt(0) != 91 && a.lastIndexOf(":", hostEnd - 1) >= 0) return a;
  return a.substring(0, hostEnd);
}
