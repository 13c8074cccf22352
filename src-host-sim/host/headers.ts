// HeaderMap: an Envoy-shaped header map. The behaviours it reproduces are listed in envoy.ts;
// in short: keys are lower-cased, pseudo-headers iterate first, get returns the first value,
// add appends (duplicates allowed), replace replaces all values or adds, remove removes all.

import type { HeaderPair } from "../abi/pairs.js";

export type HeaderInput = ReadonlyArray<readonly [string, string]> | Record<string, string | readonly string[]>;

const UTF8_ENCODER = new TextEncoder();

export class HeaderMap {
  private entries: HeaderPair[] = [];
  private pseudoCount = 0;

  /** from builds a map from test input; HTTP/1 `host` becomes `:authority` (as Envoy's codec). */
  static from(input: HeaderInput | undefined): HeaderMap {
    const map = new HeaderMap();
    if (!input) return map;
    const pairs: ReadonlyArray<readonly [string, string]> = Array.isArray(input)
      ? (input as ReadonlyArray<readonly [string, string]>)
      : Object.entries(input as Record<string, string | readonly string[]>).flatMap(([k, v]) =>
          (Array.isArray(v) ? (v as string[]) : [v as string]).map((x) => [k, x] as const),
        );
    for (const [k, v] of pairs) {
      const key = k.toLowerCase() === "host" ? ":authority" : k;
      if (key === ":authority" && map.get(":authority") !== undefined) continue;
      map.add(key, v);
    }
    return map;
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
    for (const [k, v] of this.entries) n += UTF8_ENCODER.encode(k).length + UTF8_ENCODER.encode(v).length;
    return n;
  }

  pairs(): HeaderPair[] {
    return this.entries.map(([k, v]) => [k, v]);
  }

  get(key: string): string | undefined {
    const k = key.toLowerCase();
    for (const [ek, ev] of this.entries) if (ek === k) return ev;
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
    if (k.startsWith(":")) {
      this.entries.splice(this.pseudoCount, 0, [k, value]);
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
