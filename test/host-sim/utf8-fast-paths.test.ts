// The host's own UTF-8 and header-pairs fast paths must produce exactly what TextEncoder /
// TextDecoder produce (the ABI moves bytes, so any difference would be visible to a module), and
// guest memory access must keep working after the memory grew (the cached view is re-created).
import { describe, expect, it } from "vitest";
import { GuestMemory } from "../../src-host-sim/abi/memory.js";
import { deserializeHeaderPairs, serializeHeaderPairs } from "../../src-host-sim/abi/pairs.js";
import { decodeUtf8, encodeUtf8, utf8Length } from "../../src-host-sim/abi/utf8.js";
import { WasmResult } from "../../src-host-sim/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const native = new TextEncoder();

const STRINGS = [
  { name: "an empty string", s: "" },
  { name: "ASCII", s: "user_key=demo&usage[hits]=2" },
  { name: "2-byte characters", s: "café ñ" },
  { name: "3-byte characters", s: "€ 中文 \ufeff" },
  { name: "a surrogate pair (4 bytes)", s: "a😀b" },
  { name: "a lone high surrogate (→ U+FFFD)", s: "x\ud800y" },
  { name: "a lone low surrogate (→ U+FFFD)", s: "x\udc00" },
  { name: "a high surrogate at the end", s: "end\ud83d" },
  { name: "a string past the native threshold", s: "ab€😀\ud800".repeat(80) },
];

describe("utf8 encoding", () => {
  it.each(STRINGS)("encodes $name as TextEncoder does", ({ s }) => {
    const want = native.encode(s);
    expect(utf8Length(s)).toBe(want.length);
    expect(hex(encodeUtf8(s))).toBe(hex(want));
  });
});

describe("utf8 decoding", () => {
  const decoder = new TextDecoder();
  const BYTES = [
    { name: "ASCII", bytes: native.encode("GET /path?x=1") },
    { name: "multi-byte UTF-8", bytes: native.encode("café € 😀") },
    { name: "invalid UTF-8 (→ U+FFFD)", bytes: Uint8Array.from([0x61, 0xff, 0xc3, 0x28, 0x62]) },
    { name: "a leading BOM (dropped as TextDecoder does)", bytes: Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]) },
  ];
  it.each(BYTES)("decodes $name from a Buffer range and a Uint8Array as TextDecoder does", ({ bytes }) => {
    const padded = Buffer.alloc(bytes.length + 4, 0x7a);
    padded.set(bytes, 2);
    expect(decodeUtf8(padded, 2, 2 + bytes.length)).toBe(decoder.decode(bytes));
    expect(decodeUtf8(Uint8Array.from(bytes))).toBe(decoder.decode(bytes));
  });
});

describe("header pairs with non-ASCII and byte values", () => {
  it("serializes string and byte items alike and reads them back", () => {
    const pairs: Array<[string, string]> = [["x-name", "café"], ["k", ""], ["emoji", "😀"]];
    const bytes = serializeHeaderPairs(pairs);
    expect(hex(serializeHeaderPairs(pairs.map(([k, v]) => [native.encode(k), native.encode(v)])))).toBe(hex(bytes));
    expect(deserializeHeaderPairs(bytes)).toEqual(pairs);
  });
});

describe("guest memory", () => {
  it("reads and writes through the new buffer after the memory grew", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    let next = 1024;
    const mem = new GuestMemory((size) => {
      // A guest malloc that grows the memory on every allocation, detaching the old buffer.
      memory.grow(1);
      const ptr = next;
      next += size;
      return ptr;
    });
    mem.attach(memory);
    expect(mem.writeBytes(16, native.encode("abc"))).toBe(true);
    expect(mem.returnString(0, 4, "héllo")).toBe(WasmResult.Ok);
    expect(mem.pages).toBe(2);
    const view = new DataView(memory.buffer);
    const ptr = view.getUint32(0, true);
    const len = view.getUint32(4, true);
    expect(mem.readString(ptr, len)).toBe("héllo");
    expect(mem.readString(16, 3)).toBe("abc");
    expect(mem.returnPairs(8, 12, [["a", "b"]])).toBe(WasmResult.Ok);
    expect(mem.pages).toBe(3);
    const grown = new DataView(memory.buffer);
    expect(mem.readPairs(grown.getUint32(8, true), grown.getUint32(12, true))).toEqual([["a", "b"]]);
    expect(mem.readString(mem.byteLength - 1, 2)).toBeNull();
  });
});
