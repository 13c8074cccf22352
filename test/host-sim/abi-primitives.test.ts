// The exported ABI primitives: enum values, header-pairs format, property paths and the
// metadata protobuf encoder.
import { describe, expect, it } from "vitest";
import {
  BufferType,
  decodePropertyPath,
  deserializeHeaderPairs,
  encodeMetadata,
  encodePropertyPath,
  encodeProtoValue,
  FilterHeadersStatus,
  MapType,
  serializeHeaderPairs,
  WasmResult,
} from "../../src-host-sim/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("enums", () => {
  it("uses the spec/Envoy values", () => {
    expect([WasmResult.Ok, WasmResult.NotFound, WasmResult.BadArgument, WasmResult.InvalidMemoryAccess, WasmResult.Empty, WasmResult.CasMismatch, WasmResult.BrokenConnection, WasmResult.Unimplemented]).toEqual([0, 1, 2, 6, 7, 8, 11, 12]);
    expect([BufferType.HttpCallResponseBody, BufferType.VmConfiguration, BufferType.PluginConfiguration, BufferType.CallData]).toEqual([4, 6, 7, 8]);
    expect([MapType.HttpCallResponseHeaders, MapType.HttpCallResponseTrailers]).toEqual([6, 7]);
    expect(FilterHeadersStatus.StopAllIterationAndWatermark).toBe(4);
  });
});

describe("header pairs", () => {
  it("serializes the spec example (`:status: 200`, `a: b`) to 36 bytes", () => {
    const b = serializeHeaderPairs([[":status", "200"], ["a", "b"]]);
    expect(b.length).toBe(36);
    expect(hex(b)).toBe("02000000" + "0700000003000000" + "0100000001000000" + hex(new TextEncoder().encode([":status", "200", "a", "b", ""].join("\u0000"))));
  });

  it.each([
    { name: "an empty buffer", bytes: [] as number[], expected: [] },
    { name: "u32 0 (proxy-runtime's empty map)", bytes: [0, 0, 0, 0], expected: [] },
    { name: "a missing NUL", bytes: [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 97, 1, 98, 0], expected: [] },
    { name: "trailing bytes", bytes: [...serializeHeaderPairs([["a", "b"]]), 0], expected: [] },
    { name: "a count larger than the data", bytes: [9, 0, 0, 0], expected: [] },
    { name: "a valid buffer", bytes: [...serializeHeaderPairs([["k", ""], ["x", "yz"]])], expected: [["k", ""], ["x", "yz"]] },
  ])("deserializes $name", ({ bytes, expected }) => {
    expect(deserializeHeaderPairs(Uint8Array.from(bytes))).toEqual(expected);
  });
});

describe("property paths", () => {
  it("joins segments with NUL, with or without the trailing NUL, and decodes both", () => {
    expect(hex(encodePropertyPath(["request", "path"]))).toBe(hex(new TextEncoder().encode("request\0path")));
    expect(hex(encodePropertyPath(["request", "path"], true))).toBe(hex(new TextEncoder().encode("request\0path\0")));
    expect(decodePropertyPath(encodePropertyPath(["a", "b"], true))).toEqual(["a", "b"]);
  });
});

describe("metadata encoder", () => {
  it("encodes Value kinds with their field numbers (null=1 number=2 string=3 bool=4 struct=5 list=6)", () => {
    expect(hex(encodeProtoValue(null))).toBe("0800");
    expect(hex(encodeProtoValue(1.5))).toBe("11000000000000f83f");
    expect(hex(encodeProtoValue("hi"))).toBe("1a026869");
    expect(hex(encodeProtoValue(true))).toBe("2001");
    expect(hex(encodeProtoValue({}))).toBe("2a00");
    expect(hex(encodeProtoValue([]))).toBe("3200");
  });

  it("encodes Metadata.filter_metadata as map<string, Struct> entries (key=1, value=2)", () => {
    // filter_metadata { "ns": Struct { fields { "k": Value { string_value "v" } } } }
    const value = "1a0176"; // Value.string_value (3) "v"
    const field = "0a016b" + "1203" + value; // entry: key "k" (1), value (2)
    const struct = "0a08" + field; // Struct.fields (1)
    const entry = "0a026e73" + "120a" + struct; // entry: key "ns" (1), value Struct (2)
    expect(hex(encodeMetadata({ ns: { k: "v" } }))).toBe("0a10" + entry); // Metadata.filter_metadata (1)
  });
});
