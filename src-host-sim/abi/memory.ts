// Guest linear memory access for host functions (reference/proxy-wasm-host.md §2).
// - Every read/write re-creates its view: a call into the guest (malloc) may grow memory and
//   detach the previous ArrayBuffer.
// - Out-of-bounds ranges are reported (InvalidMemoryAccess), never thrown.
// - Variable-size results use the exact-size malloc protocol: size 0 → no malloc, ptr=0,size=0.

import { WasmResult } from "./enums.js";

const UTF8_DECODER = new TextDecoder();

export class GuestMemory {
  private memory: WebAssembly.Memory | null = null;

  /** allocate is the guest's `malloc` (or `proxy_on_memory_allocate`), called with exactly `size`. */
  constructor(private readonly allocate: (size: number) => number) {}

  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  get attached(): boolean {
    return this.memory !== null;
  }

  get byteLength(): number {
    return this.memory ? this.memory.buffer.byteLength : 0;
  }

  get pages(): number {
    return this.byteLength / 65536;
  }

  inBounds(ptr: number, size: number): boolean {
    return ptr >= 0 && size >= 0 && ptr + size <= this.byteLength;
  }

  /** read copies [ptr, ptr+size) or returns null when out of bounds. */
  read(ptr: number, size: number): Uint8Array | null {
    ptr >>>= 0;
    size >>>= 0;
    if (size === 0) return new Uint8Array(0);
    if (!this.memory || !this.inBounds(ptr, size)) return null;
    return new Uint8Array(this.memory.buffer, ptr, size).slice();
  }

  readString(ptr: number, size: number): string | null {
    const bytes = this.read(ptr, size);
    return bytes === null ? null : UTF8_DECODER.decode(bytes);
  }

  writeU32(ptr: number, value: number): boolean {
    ptr >>>= 0;
    if (!this.memory || !this.inBounds(ptr, 4)) return false;
    new DataView(this.memory.buffer).setUint32(ptr, value >>> 0, true);
    return true;
  }

  writeU64(ptr: number, value: bigint): boolean {
    ptr >>>= 0;
    if (!this.memory || !this.inBounds(ptr, 8)) return false;
    new DataView(this.memory.buffer).setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }

  writeBytes(ptr: number, bytes: Uint8Array): boolean {
    ptr >>>= 0;
    if (!this.memory || !this.inBounds(ptr, bytes.length)) return false;
    new Uint8Array(this.memory.buffer, ptr, bytes.length).set(bytes);
    return true;
  }

  /**
   * returnBytes hands a variable-size result to the guest: malloc(exactly len) unless len is 0,
   * copy, then write the u32 pointer and size at the two return addresses.
   */
  returnBytes(retPtrPtr: number, retSizePtr: number, bytes: Uint8Array): WasmResult {
    retPtrPtr >>>= 0;
    retSizePtr >>>= 0;
    if (!this.inBounds(retPtrPtr, 4) || !this.inBounds(retSizePtr, 4)) return WasmResult.InvalidMemoryAccess;
    if (bytes.length === 0) {
      this.writeU32(retPtrPtr, 0);
      this.writeU32(retSizePtr, 0);
      return WasmResult.Ok;
    }
    const ptr = this.allocate(bytes.length) >>> 0;
    if (ptr === 0 || !this.inBounds(ptr, bytes.length)) return WasmResult.InvalidMemoryAccess;
    this.writeBytes(ptr, bytes);
    if (!this.writeU32(retPtrPtr, ptr) || !this.writeU32(retSizePtr, bytes.length)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  }
}
