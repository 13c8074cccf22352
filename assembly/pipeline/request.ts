// The request view (docs/behaviour.md step 0–1): everything the pipeline derives from the
// request headers, read once. Derived values are computed lazily, on first use.
import { HeaderMap } from "../host/headers";
import { asciiLower, asciiUpper } from "../util/ascii";
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
  /** Normalised authority. */
  authority: string = "";
  private metadataSource: MetadataSource;
  private metadataRead: bool = false;
  private metadata: ArrayBuffer | null = null;
  private pathDone: bool = false;
  private normPath: string = "";
  /** Index of the "?" in `:path` before any "#", or -1; set with the path. */
  private queryStart: i32 = -1;
  private queryEnd: i32 = 0;
  private queryDone: bool = false;
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

  /**
   * queryParam returns the decoded value of the first query item whose decoded name equals
   * `name`, or null. Scans `:path` in place: nothing is allocated for items that do not match
   * (names without `%`/`+` are compared without decoding).
   */
  queryParam(name: string): string | null {
    const p = this.rawPath;
    const q = p.indexOf("?");
    if (q < 0) return null;
    let end = p.indexOf("#", q + 1);
    if (end < 0) end = p.length;
    let start = q + 1;
    while (start <= end) {
      // One pass over the item: its end, its first "=", and whether the name needs decoding.
      let i = start;
      let eq = -1;
      let encodedName = false;
      while (i < end) {
        const c = p.charCodeAt(i);
        if (c == 38 /* & */) break;
        if (eq < 0) {
          if (c == 61 /* = */) eq = i;
          else if (c == 37 /* % */ || c == 43 /* + */) encodedName = true;
        }
        i++;
      }
      const amp = i;
      if (amp > start) {
        const nameEnd = eq < 0 ? amp : eq;
        if (nameMatches(p, start, nameEnd, encodedName, name)) return eq < 0 ? "" : formDecode(p, eq + 1, amp);
      }
      start = amp + 1;
    }
    return null;
  }

  private derivePath(): void {
    this.pathDone = true;
    const p = this.rawPath;
    let end = p.indexOf("#");
    if (end < 0) end = p.length;
    let q = p.indexOf("?");
    if (q > end) q = -1;
    this.queryStart = q;
    this.queryEnd = end;
    const pathEnd = q < 0 ? end : q;
    this.normPath = normalizeRequestPath(pathEnd == p.length ? p : p.substring(0, pathEnd));
  }

  /** path is P of: normalised, without query or fragment. */
  get path(): string {
    if (!this.pathDone) this.derivePath();
    return this.normPath;
  }

  /** queryItems is Q of split on "&", or null when `:path` has no "?". Split on first use. */
  get queryItems(): Array<string> | null {
    if (!this.pathDone) this.derivePath();
    if (!this.queryDone) {
      this.queryDone = true;
      const q = this.queryStart;
      this.ruleQuery = q < 0 ? null : percentEncodeNonVisible(this.rawPath.substring(q + 1, this.queryEnd)).split("&");
    }
    return this.ruleQuery;
  }
}

/** nameMatches: does the query item name p[start, end) decode to `name`? */
function nameMatches(p: string, start: i32, end: i32, encoded: bool, name: string): bool {
  if (encoded) return formDecode(p, start, end) == name;
  const n = end - start;
  if (n != name.length) return false;
  return memory.compare(changetype<usize>(p) + (<usize>start << 1), changetype<usize>(name), <usize>n << 1) == 0;
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
  v.method = asciiUpper(method);
  v.rawPath = path;
  let scheme = headers.get(":scheme");
  if (scheme === null) {
    // The first x-forwarded-proto value: a proxy chain may have appended more ("https, http").
    const xfp = headers.get("x-forwarded-proto");
    if (xfp !== null) scheme = firstListElement(xfp);
  }
  v.scheme = scheme === null ? "https" : asciiLower(scheme);
  const authority = headers.get(":authority");
  v.authority = normalizeAuthority(authority === null ? "" : authority, v.scheme);
  return v;
}

function firstListElement(v: string): string {
  const comma = v.indexOf(",");
  return comma < 0 ? v.trim() : v.substring(0, comma).trim();
}

/** normalizeAuthority lower-cases and drops the scheme's default port. */
export function normalizeAuthority(authority: string, scheme: string): string {
  const a = asciiLower(authority);
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
