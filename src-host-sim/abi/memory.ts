// Guest linear memory access for host functions (docs/host-simulator.md).
// - The byte view of the memory is cached and re-created only when the memory grew: growing
//   detaches the previous ArrayBuffer, which leaves the cached view with length 0. A call into the
//   guest (malloc) may grow it, so every access goes through view().
// - Out-of-bounds ranges are reported (InvalidMemoryAccess), never thrown.
// - Variable-size results use the exact-size malloc protocol: size 0 → no malloc, ptr=0,size=0.

import { WasmResult } from "./enums.js";
import { headerPairsByteLength, writeHeaderPairs, deserializeHeaderPairsAt, type HeaderPair, type PairList } from "./pairs.js";
import { decodeUtf8, utf8Length, writeUtf8 } from "./utf8.js";

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const NO_BYTES = new Uint8Array(0);

export class GuestMemory {
  private memory: WebAssembly.Memory | null = null;
  /** the memory as a Buffer (what strings are decoded from) and as a plain Uint8Array (copies) */
  private u8: Uint8Array = NO_BYTES;
  private raw: Uint8Array = NO_BYTES;
  private dv: DataView = new DataView(NO_BYTES.buffer);
  /** a shared memory grows without detaching: its view is re-created on every access */
  private shared = false;

  /** allocate is the guest's `malloc` (or `proxy_on_memory_allocate`), called with exactly `size`. */
  constructor(private readonly allocate: (size: number) => number) {}

  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    this.refresh();
  }

  get attached(): boolean {
    return this.memory !== null;
  }

  /** view: the current bytes of the memory (re-created after a growth detached the old buffer). */
  private view(): Uint8Array {
    if ((this.u8.byteLength === 0 || this.shared) && this.memory) this.refresh();
    return this.u8;
  }

  private refresh(): void {
    const buf = this.memory!.buffer;
    // A Buffer (a Uint8Array) so that decodeUtf8 can take its ASCII fast path.
    this.u8 = Buffer.from(buf);
    this.raw = new Uint8Array(buf);
    this.dv = new DataView(buf);
  }

  get byteLength(): number {
    return this.view().byteLength;
  }

  get pages(): number {
    return this.byteLength / 65536;
  }

  inBounds(ptr: number, size: number): boolean {
    return ptr >= 0 && size >= 0 && ptr + size <= this.view().byteLength;
  }

  /** read copies [ptr, ptr+size) or returns null when out of bounds. */
  read(ptr: number, size: number): Uint8Array | null {
    ptr >>>= 0;
    size >>>= 0;
    if (size === 0) return NO_BYTES; // nothing can be written to an empty array: safe to share
    if (!this.memory || !this.inBounds(ptr, size)) return null;
    return this.raw.slice(ptr, ptr + size);
  }

  readString(ptr: number, size: number): string | null {
    ptr >>>= 0;
    size >>>= 0;
    if (size === 0) return "";
    if (!this.memory || !this.inBounds(ptr, size)) return null;
    return decodeUtf8(this.u8, ptr, ptr + size);
  }

  /**
   * readHeaderValue reads a header value the guest writes (add/replace): text when the bytes are
   * valid UTF-8, otherwise the raw bytes, so a value Envoy would forward byte for byte (obs-text)
   * is not altered by the simulator. Null when out of bounds.
   */
  readHeaderValue(ptr: number, size: number): string | Uint8Array | null {
    ptr >>>= 0;
    size >>>= 0;
    if (size === 0) return "";
    if (!this.memory || !this.inBounds(ptr, size)) return null;
    const bytes = this.u8.subarray(ptr, ptr + size);
    let ascii = true;
    for (let i = 0; i < size; i++) {
      if (bytes[i] >= 0x80) { ascii = false; break; }
    }
    if (ascii) return decodeUtf8(this.u8, ptr, ptr + size);
    try {
      return STRICT_UTF8.decode(bytes);
    } catch {
      return bytes.slice();
    }
  }

  /** readPairs decodes a header-pairs buffer in place (malformed → []), null when out of bounds. */
  readPairs(ptr: number, size: number): HeaderPair[] | null {
    ptr >>>= 0;
    size >>>= 0;
    if (size === 0) return [];
    if (!this.memory || !this.inBounds(ptr, size)) return null;
    return deserializeHeaderPairsAt(this.u8, ptr, size);
  }

  writeU32(ptr: number, value: number): boolean {
    ptr >>>= 0;
    if (!this.memory || !this.inBounds(ptr, 4)) return false;
    this.dv.setUint32(ptr, value >>> 0, true);
    return true;
  }

  writeU64(ptr: number, value: bigint): boolean {
    ptr >>>= 0;
    if (!this.memory || !this.inBounds(ptr, 8)) return false;
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }

  writeBytes(ptr: number, bytes: Uint8Array): boolean {
    ptr >>>= 0;
    if (!this.memory || !this.inBounds(ptr, bytes.length)) return false;
    this.u8.set(bytes, ptr);
    return true;
  }

  /**
   * returnBytes hands a variable-size result to the guest: malloc(exactly len) unless len is 0,
   * copy, then write the u32 pointer and size at the two return addresses.
   */
  returnBytes(retPtrPtr: number, retSizePtr: number, bytes: Uint8Array): WasmResult {
    const ptr = this.allocateResult(retPtrPtr, retSizePtr, bytes.length);
    if (ptr <= 0) return ptr === 0 ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    this.u8.set(bytes, ptr);
    return this.finishResult(retPtrPtr, retSizePtr, ptr, bytes.length);
  }

  /** returnString: returnBytes of the UTF-8 encoding of `s`, encoded straight into guest memory. */
  returnString(retPtrPtr: number, retSizePtr: number, s: string): WasmResult {
    const len = utf8Length(s);
    const ptr = this.allocateResult(retPtrPtr, retSizePtr, len);
    if (ptr <= 0) return ptr === 0 ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    writeUtf8(s, this.u8, ptr);
    return this.finishResult(retPtrPtr, retSizePtr, ptr, len);
  }

  /** returnPairs: returnBytes of serializeHeaderPairs(pairs), serialized straight into guest memory. */
  returnPairs(retPtrPtr: number, retSizePtr: number, pairs: PairList): WasmResult {
    const len = headerPairsByteLength(pairs);
    const ptr = this.allocateResult(retPtrPtr, retSizePtr, len);
    if (ptr <= 0) return ptr === 0 ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    writeHeaderPairs(pairs, this.u8, ptr);
    return this.finishResult(retPtrPtr, retSizePtr, ptr, len);
  }

  /**
   * allocateResult: the first half of the protocol. Returns the guest pointer of `len` bytes
   * (the view is then current), 0 when len is 0 (both return slots written with 0), or -1 for
   * InvalidMemoryAccess.
   */
  private allocateResult(retPtrPtr: number, retSizePtr: number, len: number): number {
    retPtrPtr >>>= 0;
    retSizePtr >>>= 0;
    if (!this.inBounds(retPtrPtr, 4) || !this.inBounds(retSizePtr, 4)) return -1;
    if (len === 0) {
      this.writeU32(retPtrPtr, 0);
      this.writeU32(retSizePtr, 0);
      return 0;
    }
    const ptr = this.allocate(len) >>> 0;
    if (ptr === 0 || !this.inBounds(ptr, len)) return -1;
    return ptr;
  }

  private finishResult(retPtrPtr: number, retSizePtr: number, ptr: number, len: number): WasmResult {
    if (!this.writeU32(retPtrPtr, ptr) || !this.writeU32(retSizePtr, len)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  }
}
