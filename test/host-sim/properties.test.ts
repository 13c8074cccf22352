// Properties (docs/host-simulator.md): path encoding, lookup, Envoy's value serialization.
import { describe, expect, it } from "vitest";
import { encodeMetadata, serializeHeaderPairs, WasmResult } from "../../src-host-sim/index.js";
import { GET, result, started } from "./scripted.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(n);
  return b.toString("hex");
};
const f64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b.toString("hex");
};

const METADATA = {
  "envoy.filters.http.jwt_authn": { verified: { sub: "user-1", azp: "app-9", aud: ["a", "b"], exp: 1700000000, admin: true } },
};

async function streamProperty(cmd: string, options: Parameters<typeof started>[1] = {}, headers = GET) {
  const sim = await started({ request_headers: cmd }, options);
  sim.newHttpStream({ metadata: METADATA, source: { address: "10.0.0.7", port: 51234 } }).sendRequestHeaders(headers);
  return result(sim, cmd);
}

describe("path encoding and wasm tokens", () => {
  it.each([
    { name: "without a trailing NUL (Go SDK)", cmd: "get_property plugin_root_id" },
    { name: "with a trailing NUL (Rust SDK)", cmd: "get_property_nul plugin_root_id" },
  ])("reads plugin_root_id $name", async ({ cmd }) => {
    expect(await streamProperty(cmd)).toBe("0 conformance (size 11)");
  });

  it("answers an empty plugin_root_id with Ok and size 0 (no malloc)", async () => {
    const sim = await started({ configure: "get_property plugin_root_id" }, { rootId: "" });
    expect(result(sim, "get_property plugin_root_id")).toBe("0  (size 0)");
  });

  it.each([
    { path: "plugin_name", options: { pluginName: "auth-plugin" }, expected: "0 auth-plugin (size 11)" },
    { path: "plugin_vm_id", options: { vmId: "vm-7" }, expected: "0 vm-7 (size 4)" },
  ])("answers $path on the root context", async ({ path, options, expected }) => {
    const sim = await started({ configure: `get_property ${path}` }, options);
    expect(result(sim, `get_property ${path}`)).toBe(expected);
  });
});

describe("stream attributes", () => {
  it.each([
    { path: "request/path", expected: "0 /resource?x=1 (size 13)" },
    { path: "request/url_path", expected: "0 /resource (size 9)" },
    { path: "request/query", expected: "0 x=1 (size 3)" },
    { path: "request/host", expected: "0 api.example.com (size 15)" },
    { path: "request/method", expected: "0 GET (size 3)" },
    { path: "request/headers/:authority", expected: "0 api.example.com (size 15)" },
    { path: "request/headers/x-missing", expected: String(WasmResult.NotFound) },
    { path: "source/address", expected: "0 10.0.0.7:51234 (size 14)" },
    { path: "nothing/here", expected: String(WasmResult.NotFound) },
    { path: "request", expected: String(WasmResult.SerializationFailure) },
    { path: "metadata/filter_metadata/envoy.filters.http.jwt_authn/verified/sub", expected: "0 user-1 (size 6)" },
    { path: "metadata/filter_metadata/envoy.filters.http.jwt_authn/verified/aud/1", expected: "0 b (size 1)" },
  ])("$path → $expected", async ({ path, expected }) => {
    expect(await streamProperty(`get_property ${path}`)).toBe(expected);
  });

  it.each([
    { name: "int64 as 8 bytes LE (source.port)", path: "source/port", expected: i64(51234n) },
    { name: "bool as 1 byte (connection.mtls)", path: "connection/mtls", expected: "00" },
    { name: "a Struct number as a double (8 bytes LE)", path: "metadata/filter_metadata/envoy.filters.http.jwt_authn/verified/exp", expected: f64(1700000000) },
    { name: "a Struct bool as 1 byte", path: "metadata/filter_metadata/envoy.filters.http.jwt_authn/verified/admin", expected: "01" },
    { name: "a list in the pairs format with empty values", path: "metadata/filter_metadata/envoy.filters.http.jwt_authn/verified/aud", expected: hex(serializeHeaderPairs([["a", ""], ["b", ""]])) },
    { name: "a map (request.headers) in the pairs format", path: "request/headers", expected: hex(serializeHeaderPairs(GET)) },
    { name: "metadata as binary envoy.config.core.v3.Metadata", path: "metadata", expected: hex(encodeMetadata(METADATA)) },
  ])("serializes $name", async ({ path, expected }) => {
    const r = await streamProperty(`get_property_hex ${path}`);
    expect(r.split(" ").slice(0, 2)).toEqual(["0", expected]);
  });

  it("serializes request.time as int64 nanoseconds from the virtual clock", async () => {
    const sim = await started({ request_headers: "get_property_hex request/time" });
    const ns = sim.clock.nowNs();
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "get_property_hex request/time").split(" ")[1]).toBe(i64(ns));
  });

  it("answers metadata with Ok and size 0 when no filter set dynamic metadata", async () => {
    const sim = await started({ request_headers: "get_property_hex metadata" });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "get_property_hex metadata")).toBe("0  (size 0)");
  });

  it("has no stream info on the root context: request.* is NotFound there", async () => {
    const sim = await started({ configure: "get_property request/path; set_property my.key v" });
    expect(result(sim, "get_property request/path")).toBe(String(WasmResult.NotFound));
    expect(result(sim, "set_property")).toBe(String(WasmResult.NotFound));
  });

  it("stores proxy_set_property as stream filter state readable by the same path", async () => {
    const sim = await started({ request_headers: "set_property my_key my-value; get_property my_key", "request_headers@3": "get_property my_key" });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "set_property")).toBe("0");
    expect(result(sim, "get_property my_key")).toBe("0 my-value (size 8)");
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "get_property my_key")).toBe(String(WasmResult.NotFound));
  });

  it("lets tests override or add properties per stream and per simulator", async () => {
    const sim = await started(
      { request_headers: "get_property xds/cluster_name; get_property_hex upstream/port" },
      { properties: { "xds.cluster_name": "outbound|443||api" } },
    );
    sim.newHttpStream({ properties: { "upstream\0port": { int64: 443 } } }).sendRequestHeaders(GET);
    expect(result(sim, "get_property xds")).toBe("0 outbound|443||api (size 17)");
    expect(result(sim, "get_property_hex upstream").split(" ")[1]).toBe(i64(443n));
  });
});

describe("response attributes in the access-log phase", () => {
  it("exposes response.code (int64), code_details and request.duration from the virtual clock", async () => {
    const sim = await started({ log: "get_property_hex response/code; get_property response/code_details; get_property_hex request/duration" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    sim.advanceTime(250);
    s.sendResponseHeaders([[":status", "201"]], { endOfStream: true });
    s.complete();
    expect(result(sim, "get_property_hex response/code").split(" ")[1]).toBe(i64(201n));
    expect(result(sim, "get_property response/code_details")).toBe("0 via_upstream (size 12)");
    expect(result(sim, "get_property_hex request/duration").split(" ")[1]).toBe(i64(250_000_000n));
  });

  it("reports the local reply's details as response.code_details", async () => {
    const sim = await started({ request_headers: "local_reply 403 access%20denied - -", log: "get_property response/code_details" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.complete();
    expect(result(sim, "get_property response/code_details")).toBe("0 access_denied (size 13)");
  });
});
