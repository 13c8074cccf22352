// HeaderMap: an Envoy-shaped header map. The behaviours it reproduces are listed in envoy.ts;
// in short: keys are lower-cased, pseudo-headers iterate first, get returns the first value,
// add appends (duplicates allowed), replace replaces all values or adds, remove removes all.
// A value is a string (stored as its UTF-8) or raw bytes: Envoy's HTTP/1 codec passes obs-text
// (0x80-0xFF) through, so a client can send header values that are not valid UTF-8; a Uint8Array
// value reaches the guest byte-for-byte. The string accessors decode such a value lossily (U+FFFD).

import type { HeaderPair } from "../abi/pairs.js";
import { decodeUtf8, utf8Length } from "../abi/utf8.js";

/** A header value: text (sent as UTF-8) or raw bytes (sent as they are, e.g. invalid UTF-8). */
export type HeaderValue = string | Uint8Array;
/** A header as stored: the lower-case key and its value, text or raw bytes. */
export type RawHeaderPair = [string, HeaderValue];

export type HeaderInput =
  | ReadonlyArray<readonly [string, HeaderValue]>
  | Record<string, HeaderValue | readonly HeaderValue[]>;

/** headerValueText: the value as a string; raw bytes are decoded lossily (U+FFFD) as TextDecoder does. */
export function headerValueText(v: HeaderValue): string {
  return typeof v === "string" ? v : decodeUtf8(v);
}

function headerValueLength(v: HeaderValue): number {
  return typeof v === "string" ? utf8Length(v) : v.length;
}

// Envoy's inline headers (envoy/http/header_map.h, Envoy 1.28–1.36): each has one slot in its map,
// so adding a second value appends it to the first with "," (HeaderMapImpl::insertByKey →
// appendToHeader), and the HTTP codecs build maps the same way: a client's duplicates arrive as
// one entry "a,b". Headers that extensions register as inline at start-up (CustomInlineHeaderRegistry,
// e.g. authorization when ext_authz or oauth2 is linked) are not in these lists.
const INLINE_REQUEST_RESPONSE = [
  "connection", "content-length", "content-type", "keep-alive", "proxy-connection", "proxy-status",
  "transfer-encoding", "upgrade", "via", "x-envoy-decorator-operation", "x-request-id",
];
/** Inline headers of a request header map. */
export const INLINE_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  ...INLINE_REQUEST_RESPONSE,
  ":authority", ":method", ":path", ":protocol", ":scheme", "expect", "grpc-timeout", "te", "user-agent",
  "x-client-trace-id", "x-envoy-downstream-service-cluster", "x-envoy-downstream-service-node",
  "x-envoy-expected-rq-timeout-ms", "x-envoy-external-address", "x-envoy-force-trace",
  "x-envoy-hedge-on-per-try-timeout", "x-envoy-internal", "x-envoy-ip-tags", "x-envoy-is-timeout-retry",
  "x-envoy-max-retries", "x-envoy-original-path", "x-envoy-original-url", "x-envoy-retriable-header-names",
  "x-envoy-retriable-status-codes", "x-envoy-retry-grpc-on", "x-envoy-retry-on", "x-envoy-upstream-alt-stat-name",
  "x-envoy-upstream-rq-per-try-timeout-ms", "x-envoy-upstream-rq-timeout-alt-response",
  "x-envoy-upstream-rq-timeout-ms", "x-envoy-upstream-stream-duration-ms", "x-forwarded-client-cert",
  "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
]);
/** Inline headers of a response header map (downstream responses and call-out answers). */
export const INLINE_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  ...INLINE_REQUEST_RESPONSE,
  ":status", "date", "grpc-message", "grpc-status", "location", "server", "x-envoy-degraded",
  "x-envoy-immediate-health-check-fail", "x-envoy-overloaded", "x-envoy-ratelimited",
  "x-envoy-upstream-canary", "x-envoy-upstream-healthchecked-cluster", "x-envoy-upstream-service-time",
]);
/** Inline headers of a response trailer map. */
export const INLINE_RESPONSE_TRAILERS: ReadonlySet<string> = new Set(["grpc-message", "grpc-status"]);
const NO_INLINE: ReadonlySet<string> = new Set();

function appendValue(a: HeaderValue, b: HeaderValue): HeaderValue {
  if (typeof a === "string" && typeof b === "string") return a.length === 0 ? b : `${a},${b}`;
  const enc = new TextEncoder();
  const x = typeof a === "string" ? enc.encode(a) : a;
  const y = typeof b === "string" ? enc.encode(b) : b;
  if (x.length === 0) return y;
  const out = new Uint8Array(x.length + 1 + y.length);
  out.set(x, 0);
  out[x.length] = 0x2c;
  out.set(y, x.length + 1);
  return out;
}

export class HeaderMap {
  private entries: RawHeaderPair[] = [];
  private pseudoCount = 0;

  /** @param inline the keys that have a single slot in this kind of Envoy map (see above) */
  constructor(readonly inline: ReadonlySet<string> = NO_INLINE) {}

  /** from builds a map from test input; HTTP/1 `host` becomes `:authority` (as Envoy's codec). */
  static from(input: HeaderInput | undefined, inline?: ReadonlySet<string>): HeaderMap {
    const map = new HeaderMap(inline);
    if (input) map.addInput(input);
    return map;
  }

  /**
   * addInput adds test input as `from` does (host → :authority; inline headers joined),
   * except keys `skip` (lower-case) — used for an http-call answer whose :status comes first.
   */
  addInput(input: HeaderInput, skip?: string): void {
    if (Array.isArray(input)) {
      const pairs = input as ReadonlyArray<readonly [string, HeaderValue]>;
      for (let i = 0; i < pairs.length; i++) this.addInputPair(pairs[i]![0], pairs[i]![1], skip);
    } else {
      for (const [k, v] of Object.entries(input as Record<string, HeaderValue | readonly HeaderValue[]>)) {
        if (Array.isArray(v)) for (const x of v as HeaderValue[]) this.addInputPair(k, x, skip);
        else this.addInputPair(k, v as HeaderValue, skip);
      }
    }
    if (this.inline.size > 0) this.joinInlineDuplicates();
  }

  /**
   * joinInlineDuplicates: the codec's joining of a client's repeated inline headers, done once
   * after the map is built (a request rarely repeats a key, so no set lookup per header).
   */
  private joinInlineDuplicates(): void {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const k = entries[i]![0];
      for (let j = entries.length - 1; j > i; j--) {
        if (entries[j]![0] !== k || !this.inline.has(k)) continue;
        // Later values join the first one in order: walk forward from i.
        let joined = entries[i]![1];
        for (let m = i + 1; m < entries.length; m++) {
          if (entries[m]![0] === k) {
            joined = appendValue(joined, entries[m]![1]);
            this.removeAt(m);
            m--;
          }
        }
        entries[i] = [k, joined];
        break;
      }
    }
  }

  private addInputPair(k: string, v: HeaderValue, skip: string | undefined): void {
    const lower = k.toLowerCase();
    // Only an exact ":authority" (or any-case "host") is de-duplicated, as before the map lower-cases.
    const key = lower === "host" ? ":authority" : k;
    if (skip !== undefined && (lower === "host" ? key : lower) === skip) return;
    // A map without inline slots (a test's own map) keeps the first :authority; a request map
    // joins a second one into it as Envoy's codec does.
    if (key === ":authority" && !this.inline.has(":authority") && this.getRaw(":authority") !== undefined) return;
    // Raw bytes are copied: the test may reuse its array after sending it.
    this.append(key.toLowerCase(), typeof v === "string" ? v : v.slice());
  }

  static fromPairs(pairs: ReadonlyArray<readonly [string, HeaderValue]>, inline?: ReadonlySet<string>): HeaderMap {
    const map = new HeaderMap(inline);
    for (const [k, v] of pairs) map.add(k, v);
    return map;
  }

  get size(): number {
    return this.entries.length;
  }

  /** byteSize: Σ key bytes + value bytes (what proxy_get_header_map_size returns). */
  get byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries) n += utf8Length(k) + headerValueLength(v);
    return n;
  }

  /** pairs: a copy of the headers as strings (raw-byte values decoded lossily). */
  pairs(): HeaderPair[] {
    const out: HeaderPair[] = new Array(this.entries.length);
    for (let i = 0; i < out.length; i++) {
      const e = this.entries[i]!;
      out[i] = [e[0], headerValueText(e[1])];
    }
    return out;
  }

  /** rawPairs: a copy of the headers with raw-byte values kept as bytes. */
  rawPairs(): RawHeaderPair[] {
    const out: RawHeaderPair[] = new Array(this.entries.length);
    for (let i = 0; i < out.length; i++) {
      const e = this.entries[i]!;
      out[i] = [e[0], e[1]];
    }
    return out;
  }

  /** hasRawValues: does some value hold raw bytes (rather than a string)? */
  hasRawValues(): boolean {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) if (typeof entries[i]![1] !== "string") return true;
    return false;
  }

  /** @internal The entries themselves, for serializing without a copy; must not be modified. */
  view(): ReadonlyArray<readonly [string, HeaderValue]> {
    return this.entries;
  }

  /** get: the first value as a string (raw bytes decoded lossily); undefined when absent. */
  get(key: string): string | undefined {
    const v = this.getRaw(key);
    return v === undefined ? undefined : typeof v === "string" ? v : decodeUtf8(v);
  }

  /** getRaw: the first value as stored (a string or raw bytes); undefined when absent. */
  getRaw(key: string): HeaderValue | undefined {
    const k = key.toLowerCase();
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) if (entries[i]![0] === k) return entries[i]![1];
    return undefined;
  }

  getAll(key: string): string[] {
    const k = key.toLowerCase();
    return this.entries.filter(([ek]) => ek === k).map(([, v]) => headerValueText(v));
  }

  has(key: string): boolean {
    return this.getRaw(key) !== undefined;
  }

  add(key: string, value: HeaderValue): void {
    const k = key.toLowerCase();
    if (this.inline.size > 0 && this.inline.has(k)) {
      const entries = this.entries;
      for (let i = 0; i < entries.length; i++) {
        if (entries[i]![0] === k) {
          entries[i] = [k, appendValue(entries[i]![1], value)];
          return;
        }
      }
    }
    this.append(k, value);
  }

  /** append adds an entry (pseudo-headers kept first) without joining. */
  private append(k: string, value: HeaderValue): void {
    if (k.charCodeAt(0) === 0x3a /* ':' */) {
      if (this.pseudoCount === this.entries.length) this.entries.push([k, value]);
      else this.entries.splice(this.pseudoCount, 0, [k, value]);
      this.pseudoCount++;
    } else {
      this.entries.push([k, value]);
    }
  }

  replace(key: string, value: HeaderValue): void {
    const k = key.toLowerCase();
    const idx = this.entries.findIndex(([ek]) => ek === k);
    if (idx < 0) {
      this.add(k, value);
      return;
    }
    this.entries[idx] = [k, value];
    for (let i = this.entries.length - 1; i > idx; i--) {
      if (this.entries[i]![0] === k) this.removeAt(i);
    }
  }

  remove(key: string): void {
    const k = key.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]![0] === k) this.removeAt(i);
    }
  }

  /** setPairs: Envoy removes every key, then adds each pair in order. */
  setPairs(pairs: ReadonlyArray<readonly [string, HeaderValue]>): void {
    this.entries = [];
    this.pseudoCount = 0;
    for (const [k, v] of pairs) this.add(k, v);
  }

  clone(): HeaderMap {
    const m = new HeaderMap(this.inline);
    m.entries = this.rawPairs();
    m.pseudoCount = this.pseudoCount;
    return m;
  }

  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    for (const [k, v] of this.entries) if (!(k in o)) o[k] = headerValueText(v);
    return o;
  }

  private removeAt(i: number): void {
    if (this.entries[i]![0].startsWith(":")) this.pseudoCount--;
    this.entries.splice(i, 1);
  }
}
