// Raw-byte header values (docs/host-simulator.md). Envoy's HTTP/1 codec passes obs-text bytes
// (0x80-0xFF) in header values through, so a guest can receive values that are not valid UTF-8.
// A test gives such a value as a Uint8Array; the guest must see exactly those bytes, through
// proxy_get_header_map_value and proxy_get_header_map_pairs alike.
import { describe, expect, it } from "vitest";
import { HeaderMap, ProxyWasmSimulator, type HeaderInput } from "../../src-host-sim/index.js";
import { deserializeHeaderPairsBytes } from "../../src-host-sim/abi/pairs.js";
import { op, WasmBuilder } from "./wasm-builder.js";
import { GET, result, started } from "./scripted.js";

const KEY_ADDR = 16; // "x-raw"
const NAMES_ADDR = 32; // "v" (the value) and "p" (the pairs): shared-data keys
const SLOT_PTR = 40;
const SLOT_SIZE = 44;

const load = (addr: number): number[] => [...op.i32(addr), 0x28, 2, 0];

/** le: the little-endian i32 of up to four ASCII characters. */
function le(s: string): number {
  let n = 0;
  for (let i = s.length - 1; i >= 0; i--) n = (n << 8) | s.charCodeAt(i);
  return n | 0;
}

/**
 * copyingModule: on request headers, reads `x-raw` with get_header_map_value and the whole map
 * with get_header_map_pairs, and copies each result verbatim into shared data ("v", "p"), which
 * keeps bytes as bytes: the test then sees exactly what the guest received.
 */
function copyingModule(): Uint8Array {
  const b = new WasmBuilder();
  const getValue = b.import("env", "proxy_get_header_map_value", ["i32", "i32", "i32", "i32", "i32"]);
  const getPairs = b.import("env", "proxy_get_header_map_pairs", ["i32", "i32", "i32"]);
  const setShared = b.import("env", "proxy_set_shared_data", ["i32", "i32", "i32", "i32", "i32"]);
  b.withBasics();
  const copyResultTo = (nameAddr: number) => [...op.i32(nameAddr), ...op.i32(1), ...load(SLOT_PTR), ...load(SLOT_SIZE), ...op.i32(0), ...op.call(setShared), ...op.drop];
  b.func(["i32", "i32", "i32"], ["i32"], [
    ...op.store(KEY_ADDR, le("x-ra")),
    ...op.store(KEY_ADDR + 4, le("w")),
    ...op.store(NAMES_ADDR, le("vp")),
    ...op.i32(0), ...op.i32(KEY_ADDR), ...op.i32(5), ...op.i32(SLOT_PTR), ...op.i32(SLOT_SIZE), ...op.call(getValue), ...op.drop,
    ...copyResultTo(NAMES_ADDR),
    ...op.i32(0), ...op.i32(SLOT_PTR), ...op.i32(SLOT_SIZE), ...op.call(getPairs), ...op.drop,
    ...copyResultTo(NAMES_ADDR + 1),
    ...op.i32(0), // Continue
  ], "proxy_on_request_headers");
  return b.build();
}

async function guestView(headers: HeaderInput): Promise<{ value: Uint8Array | undefined; pairs: Array<[string, number[]]> }> {
  const sim = await ProxyWasmSimulator.create(copyingModule(), { rootId: "raw" });
  expect(sim.start().ok).toBe(true);
  const r = sim.newHttpStream().sendRequestHeaders(headers);
  expect(r.trapped).toBeUndefined();
  const value = sim.sharedData.get(sim.vmId, "v")?.value;
  const pairsBuf = sim.sharedData.get(sim.vmId, "p")?.value ?? new Uint8Array(0);
  const decoded = deserializeHeaderPairsBytes(pairsBuf);
  expect(decoded.valid).toBe(true);
  return { value, pairs: decoded.pairs.map(([k, v]) => [new TextDecoder().decode(k), [...v]]) };
}

const INVALID_UTF8: Array<{ name: string; bytes: number[] }> = [
  { name: "a lone continuation byte 0x80", bytes: [0x80] },
  { name: "0xFF (never valid in UTF-8)", bytes: [0x61, 0xff, 0x62] },
  { name: "a truncated three-byte sequence E2 82", bytes: [0x6b, 0xe2, 0x82] },
  { name: "an overlong encoding of '/' C0 AF", bytes: [0xc0, 0xaf] },
  { name: "an encoded surrogate ED A0 80", bytes: [0xed, 0xa0, 0x80] },
  { name: "every obs-text byte 0x80-0xFF", bytes: Array.from({ length: 128 }, (_, i) => 0x80 + i) },
];

describe("raw-byte header values reach the guest byte-for-byte", () => {
  it.each(INVALID_UTF8)("get_header_map_value and get_header_map_pairs return $name unchanged", async ({ bytes }) => {
    const view = await guestView([...GET, ["x-raw", Uint8Array.from(bytes)], ["x-text", "é"]]);
    expect([...(view.value ?? [])]).toEqual(bytes);
    expect(view.pairs).toEqual([
      [":method", [...new TextEncoder().encode("GET")]],
      [":path", [...new TextEncoder().encode("/resource?x=1")]],
      [":authority", [...new TextEncoder().encode("api.example.com")]],
      ["x-raw", bytes],
      ["x-text", [0xc3, 0xa9]],
    ]);
  });

  it("accepts raw bytes in the record form too (single values and lists), keys lower-cased", async () => {
    const view = await guestView({ ":method": "GET", ":path": Uint8Array.from([0x2f, 0xff]), Host: "h", "X-Raw": [Uint8Array.from([0x80]), "two"] });
    expect(view.value).toEqual(Uint8Array.from([0x80]));
    expect(view.pairs).toEqual([
      [":method", [0x47, 0x45, 0x54]],
      [":path", [0x2f, 0xff]],
      [":authority", [0x68]],
      ["x-raw", [0x80]],
      ["x-raw", [...new TextEncoder().encode("two")]],
    ]);
  });

  it("copies the test's bytes when they are sent: changing the array afterwards changes nothing", async () => {
    const raw = Uint8Array.from([0xc0, 0xaf]);
    const map = HeaderMap.from([["x-raw", raw]]);
    raw[0] = 0x41;
    expect(map.getRaw("x-raw")).toEqual(Uint8Array.from([0xc0, 0xaf]));
  });
});

describe("raw-byte header values as the host reports them", () => {
  it("proxy_get_header_map_size counts raw bytes, not their lossy decoding", async () => {
    const sim = await started({ request_headers: "map_size 0" });
    sim.newHttpStream().sendRequestHeaders([[":path", "/"], ["x-raw", Uint8Array.from([0x80, 0xff])]]);
    // ":path" + "/" + "x-raw" + 2 raw bytes (U+FFFD would make it 6)
    expect(result(sim, "map_size 0")).toBe(`0 ${5 + 1 + 5 + 2}`);
  });

  it("an http-call answer's raw-byte header reaches the guest byte for byte", async () => {
    const sim = await started({
      request_headers: "http_call c :method=GET,:path=/,:authority=a 0; return 1",
      http_call_response: "get_pairs 6",
    });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.httpCalls.pending()[0]!.respond({ status: 200, headers: [["x-raw", Uint8Array.from([0xed, 0xa0, 0x80])]] });
    // 4 (count) + 2 × 8 (sizes) + ":status\0200\0" (12) + "x-raw\0" + 3 raw bytes + "\0" (10)
    expect(result(sim, "get_pairs 6")).toMatch(/^0 .*\(ptr set, size 42\)$/);
  });

  it("forwardedUpstream.rawHeaders holds the raw bytes sent upstream, and is absent when every value is text", async () => {
    const sim = await started({ request_headers: "map_size 0" });
    const raw = sim.newHttpStream();
    raw.sendRequestHeaders([...GET, ["x-raw", Uint8Array.from([0xf4, 0x90, 0x80, 0x80])]]);
    expect(raw.forwardedUpstream?.rawHeaders?.find(([k]) => k === "x-raw")).toEqual(["x-raw", Uint8Array.from([0xf4, 0x90, 0x80, 0x80])]);
    expect(raw.forwardedUpstream?.rawHeaders?.find(([k]) => k === ":method")).toEqual([":method", "GET"]);
    const text = sim.newHttpStream();
    text.sendRequestHeaders(GET);
    expect(text.forwardedUpstream?.headers).toBeTruthy();
    expect(text.forwardedUpstream?.rawHeaders).toBeUndefined();
  });

  it("the string views (stream.requestHeaders, HeaderMap.get) decode raw bytes lossily with U+FFFD", async () => {
    const sim = await started({ request_headers: "map_size 0" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders([...GET, ["x-raw", Uint8Array.from([0x61, 0xff, 0x62])]]);
    expect(s.requestHeaders.find(([k]) => k === "x-raw")).toEqual(["x-raw", "a\uFFFDb"]);
    const map = HeaderMap.from([["x-raw", Uint8Array.from([0xed, 0xa0, 0x80])]]);
    expect(map.get("x-raw")).toBe("\uFFFD\uFFFD\uFFFD");
    expect(map.getAll("x-raw")).toEqual(["\uFFFD\uFFFD\uFFFD"]);
    expect(map.toObject()).toEqual({ "x-raw": "\uFFFD\uFFFD\uFFFD" });
    expect(map.clone().getRaw("x-raw")).toEqual(Uint8Array.from([0xed, 0xa0, 0x80]));
  });
});
