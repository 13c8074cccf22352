// HeaderMap: an Envoy-shaped header map. The behaviours it reproduces are listed in envoy.ts;
// in short: keys are lower-cased, pseudo-headers iterate first, get returns the first value,
// add appends (duplicates allowed), replace replaces all values or adds, remove removes all.

import type { HeaderPair } from "../abi/pairs.js";
import { utf8Length } from "../abi/utf8.js";

export type HeaderInput = ReadonlyArray<readonly [string, string]> | Record<string, string | readonly string[]>;

export class HeaderMap {
  private entries: HeaderPair[] = [];
  private pseudoCount = 0;

  /** from builds a map from test input; HTTP/1 `host` becomes `:authority` (as Envoy's codec). */
  static from(input: HeaderInput | undefined): HeaderMap {
    const map = new HeaderMap();
    if (input) map.addInput(input);
    return map;
  }

  /**
   * addInput adds test input as `from` does (host → :authority, a second :authority dropped),
   * except keys `skip` (lower-case) — used for an http-call answer whose :status comes first.
   */
  addInput(input: HeaderInput, skip?: string): void {
    if (Array.isArray(input)) {
      const pairs = input as ReadonlyArray<readonly [string, string]>;
      for (let i = 0; i < pairs.length; i++) this.addInputPair(pairs[i]![0], pairs[i]![1], skip);
      return;
    }
    for (const [k, v] of Object.entries(input as Record<string, string | readonly string[]>)) {
      if (Array.isArray(v)) for (const x of v as string[]) this.addInputPair(k, x, skip);
      else this.addInputPair(k, v as string, skip);
    }
  }

  private addInputPair(k: string, v: string, skip: string | undefined): void {
    const lower = k.toLowerCase();
    // Only an exact ":authority" (or any-case "host") is de-duplicated, as before the map lower-cases.
    const key = lower === "host" ? ":authority" : k;
    if (skip !== undefined && (lower === "host" ? key : lower) === skip) return;
    if (key === ":authority" && this.get(":authority") !== undefined) return;
    this.add(key, v);
  }

  static fromPairs(pairs: ReadonlyArray<readonly [string, string]>): HeaderMap {
    const map = new HeaderMap();
    for (const [k, v] of pairs) map.add(k, v);
    return map;
  }

  get size(): number {
    return this.entries.length;
  }

  /** byteSize: Σ key bytes + value bytes (what proxy_get_header_map_size returns). */
  get byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries) n += utf8Length(k) + utf8Length(v);
    return n;
  }

  pairs(): HeaderPair[] {
    const out: HeaderPair[] = new Array(this.entries.length);
    for (let i = 0; i < out.length; i++) {
      const e = this.entries[i]!;
      out[i] = [e[0], e[1]];
    }
    return out;
  }

  /** @internal The entries themselves, for serializing without a copy; must not be modified. */
  view(): ReadonlyArray<HeaderPair> {
    return this.entries;
  }

  get(key: string): string | undefined {
    const k = key.toLowerCase();
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) if (entries[i]![0] === k) return entries[i]![1];
    return undefined;
  }

  getAll(key: string): string[] {
    const k = key.toLowerCase();
    return this.entries.filter(([ek]) => ek === k).map(([, v]) => v);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  add(key: string, value: string): void {
    const k = key.toLowerCase();
    if (k.charCodeAt(0) === 0x3a /* ':' */) {
      if (this.pseudoCount === this.entries.length) this.entries.push([k, value]);
      else this.entries.splice(this.pseudoCount, 0, [k, value]);
      this.pseudoCount++;
    } else {
      this.entries.push([k, value]);
    }
  }

  replace(key: string, value: string): void {
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
  setPairs(pairs: ReadonlyArray<readonly [string, string]>): void {
    this.entries = [];
    this.pseudoCount = 0;
    for (const [k, v] of pairs) this.add(k, v);
  }

  clone(): HeaderMap {
    const m = new HeaderMap();
    m.entries = this.pairs();
    m.pseudoCount = this.pseudoCount;
    return m;
  }

  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    for (const [k, v] of this.entries) if (!(k in o)) o[k] = v;
    return o;
  }

  private removeAt(i: number): void {
    if (this.entries[i]![0].startsWith(":")) this.pseudoCount--;
    this.entries.splice(i, 1);
  }
}
