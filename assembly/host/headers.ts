// Header pairs (docs/host-simulator.md): reading a serialised map once into an index over the
// host's buffer (no string per header), and serialising our own pairs for http calls.
import { decodeUtf8Lossy } from "../util/utf8lossy";

/**
 * HeaderMap indexes a serialised pairs buffer. Names and values stay bytes until asked for; a
 * malformed buffer is an empty map (as hosts treat it).
 */
@final
export class HeaderMap {
  private buf: ArrayBuffer;
  /** For pair i: [keyOff, keyLen, valOff, valLen] at 4i. */
  private idx: StaticArray<i32>;
  count: i32 = 0;

  constructor(buf: ArrayBuffer) {
    this.buf = buf;
    this.idx = new StaticArray<i32>(0);
    this.parse();
  }

  private parse(): void {
    const buf = this.buf;
    const total = buf.byteLength;
    if (total < 4) return;
    const base = changetype<usize>(buf);
    const n = <i64>load<u32>(base);
    if (n == 0) return;
    const dataStart = 4 + 8 * n;
    if (dataStart > <i64>total) return;
    const idx = new StaticArray<i32>(<i32>n * 4);
    let off: i64 = dataStart;
    for (let i: i32 = 0; i < <i32>n; i++) {
      const kl = <i64>load<u32>(base + 4 + <usize>i * 8);
      const vl = <i64>load<u32>(base + 8 + <usize>i * 8);
      if (off + kl + 1 + vl + 1 > <i64>total) return;
      if (load<u8>(base + <usize>(off + kl)) != 0) return;
      if (load<u8>(base + <usize>(off + kl + 1 + vl)) != 0) return;
      unchecked(idx[i * 4] = <i32>off);
      unchecked(idx[i * 4 + 1] = <i32>kl);
      unchecked(idx[i * 4 + 2] = <i32>(off + kl + 1));
      unchecked(idx[i * 4 + 3] = <i32>vl);
      off += kl + 1 + vl + 1;
    }
    this.idx = idx;
    this.count = <i32>n;
  }

  /** find returns the index of the first pair whose name equals `lowerName` ASCII-case-insensitively, or -1. */
  find(lowerName: string): i32 {
    const m = lowerName.length;
    const base = changetype<usize>(this.buf);
    for (let i = 0, n = this.count; i < n; i++) {
      if (unchecked(this.idx[i * 4 + 1]) != m) continue;
      const koff = <usize>unchecked(this.idx[i * 4]);
      let same = true;
      for (let k = 0; k < m; k++) {
        let b = <i32>load<u8>(base + koff + <usize>k);
        if (b >= 65 && b <= 90) b += 32;
        if (b != lowerName.charCodeAt(k)) { same = false; break; }
      }
      if (same) return i;
    }
    return -1;
  }

  /** value decodes the value of pair `i` (lossy UTF-8). */
  value(i: i32): string {
    if (i < 0 || i >= this.count) return "";
    return decodeUtf8Lossy(changetype<usize>(this.buf) + <usize>unchecked(this.idx[i * 4 + 2]), unchecked(this.idx[i * 4 + 3]));
  }

  /** get returns the first value of `lowerName`, or null when absent. */
  get(lowerName: string): string | null {
    const i = this.find(lowerName);
    return i < 0 ? null : this.value(i);
  }
}

/** serializePairs writes names[i]/values[i] in the host's pairs format (UTF-8, NUL-terminated). */
export function serializePairs(names: Array<string>, values: Array<string>): ArrayBuffer {
  const n = names.length;
  let size = 4;
  for (let i = 0; i < n; i++) {
    size += 8 + String.UTF8.byteLength(unchecked(names[i])) + 1 + String.UTF8.byteLength(unchecked(values[i])) + 1;
  }
  const buf = new ArrayBuffer(size);
  const base = changetype<usize>(buf);
  store<u32>(base, n);
  let off: usize = 4 + 8 * <usize>n;
  for (let i = 0; i < n; i++) {
    const k = unchecked(names[i]);
    const v = unchecked(values[i]);
    const kl = String.UTF8.encodeUnsafe(changetype<usize>(k), k.length, base + off);
    store<u8>(base + off + kl, 0);
    off += kl + 1;
    const vl = String.UTF8.encodeUnsafe(changetype<usize>(v), v.length, base + off);
    store<u8>(base + off + vl, 0);
    off += vl + 1;
    store<u32>(base + 4 + <usize>i * 8, <u32>kl);
    store<u32>(base + 8 + <usize>i * 8, <u32>vl);
  }
  return buf;
}
