// Little-endian byte writer/reader for shared-data values. The reader never traps: any read past
// the end (a value written by another module version, or corrupted) marks it failed.

@final
export class ByteWriter {
  private buf: ArrayBuffer = new ArrayBuffer(64);
  private len: i32 = 0;

  private ensure(extra: i32): void {
    const need = this.len + extra;
    if (need <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < need) cap *= 2;
    const next = new ArrayBuffer(cap);
    memory.copy(changetype<usize>(next), changetype<usize>(this.buf), <usize>this.len);
    this.buf = next;
  }

  u8(v: u8): ByteWriter {
    this.ensure(1);
    store<u8>(changetype<usize>(this.buf) + <usize>this.len, v);
    this.len += 1;
    return this;
  }

  u32(v: u32): ByteWriter {
    this.ensure(4);
    store<u32>(changetype<usize>(this.buf) + <usize>this.len, v);
    this.len += 4;
    return this;
  }

  u64(v: u64): ByteWriter {
    this.ensure(8);
    store<u64>(changetype<usize>(this.buf) + <usize>this.len, v);
    this.len += 8;
    return this;
  }

  str(s: string): ByteWriter {
    const b = String.UTF8.encode(s);
    this.u32(<u32>b.byteLength);
    this.ensure(b.byteLength);
    memory.copy(changetype<usize>(this.buf) + <usize>this.len, changetype<usize>(b), <usize>b.byteLength);
    this.len += b.byteLength;
    return this;
  }

  finish(): ArrayBuffer {
    return this.buf.slice(0, this.len);
  }
}

@final
export class ByteReader {
  private pos: i32 = 0;
  failed: bool = false;

  constructor(private readonly buf: ArrayBuffer) {}

  private take(n: i32): usize {
    if (this.failed || n < 0 || this.pos + n > this.buf.byteLength) {
      this.failed = true;
      return 0;
    }
    const at = changetype<usize>(this.buf) + <usize>this.pos;
    this.pos += n;
    return at;
  }

  u8(): u8 {
    const at = this.take(1);
    return this.failed ? 0 : load<u8>(at);
  }

  u32(): u32 {
    const at = this.take(4);
    return this.failed ? 0 : load<u32>(at);
  }

  u64(): u64 {
    const at = this.take(8);
    return this.failed ? 0 : load<u64>(at);
  }

  str(): string {
    const n = this.u32();
    if (this.failed || n > <u32>(this.buf.byteLength - this.pos)) {
      this.failed = true;
      return "";
    }
    const at = this.take(<i32>n);
    if (this.failed) return "";
    return String.UTF8.decodeUnsafe(at, <usize>n);
  }

  /** offset: bytes read so far (-1 once a read failed). */
  get offset(): i32 {
    return this.failed ? -1 : this.pos;
  }

  get atEnd(): bool {
    return !this.failed && this.pos == this.buf.byteLength;
  }
}
