// `convert`: the JSON the module receives, plain and as a StringValue, from YAML or WasmPlugin.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { cli, tempFile } from "./helpers.js";

const userKey = parse(readFileSync("examples/user-key.yaml", "utf8")) as unknown;

describe("convert", () => {
  it("--format json prints the YAML configuration as JSON", async () => {
    const r = await cli("convert", "examples/user-key.yaml", "--format", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(userKey);
    expect(r.err).toBe("");
  });

  it("--format string prints one JSON string literal holding the compact JSON", async () => {
    const r = await cli("convert", "examples/user-key.yaml", "--format", "string");
    const value = JSON.parse(r.out) as string;
    expect(value).toBe(JSON.stringify(userKey));
  });

  it("--format envoy prints a StringValue configuration block whose value is the JSON", async () => {
    const r = await cli("convert", "examples/user-key.yaml", "--format", "envoy");
    const block = parse(r.out) as { configuration: { "@type": string; value: string } };
    expect(block.configuration["@type"]).toBe("type.googleapis.com/google.protobuf.StringValue");
    expect(JSON.parse(block.configuration.value)).toEqual(userKey);
  });

  it("uses spec.pluginConfig of a WasmPlugin manifest", async () => {
    const r = await cli("convert", "examples/wasmplugin/user-key.yaml", "--format", "json");
    expect(JSON.parse(r.out)).toEqual(userKey);
  });

  it("prints every form by default", async () => {
    const r = await cli("convert", "examples/basic-auth.yaml");
    expect(r.code).toBe(0);
    expect(r.out).toContain("# JSON configuration");
    expect(r.out).toContain("# as a JSON string value");
    expect(r.out).toContain('"@type": type.googleapis.com/google.protobuf.StringValue');
  });

  it("converts each WasmPlugin of a multi-document manifest under its own header", async () => {
    const docs = parseAllDocuments(readFileSync("examples/wasmplugin/user-key.yaml", "utf8"));
    const one = docs[0].toString();
    const two = one.replace("threescale-wasm-auth-user-key", "second").replace("id: \"2555417834780\"", "id: \"2\"");
    const r = await cli("convert", tempFile("two.yaml", `${one}---\n${two}`), "--format", "string");
    expect(r.out).toContain("# WasmPlugin bookinfo/threescale-wasm-auth-user-key (document 1)\n");
    expect(r.out).toContain("# WasmPlugin bookinfo/second (document 2)\n");
    expect(r.out).toContain('\\"id\\":\\"2\\"');
  });

  it("keeps YAML's reading of an unquoted id (a number) and notes the schema problem", async () => {
    const r = await cli("convert", tempFile("num.yaml", "api: v1\nbackend: {upstream: {name: b, url: 'http://h/'}}\nservices: [{id: 2555417834780, token: t, credentials: {user_key: [{header: {keys: [k]}}]}}]\n"), "--format", "string");
    expect(r.code).toBe(0);
    expect(r.out).toContain('\\"id\\":2555417834780');
    expect(r.err).toContain("has 1 schema problem(s)");
  });

  it("exits 1 on a YAML syntax error", async () => {
    const r = await cli("convert", tempFile("bad.yaml", "a: [\n"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml:\d+:\d+: error: syntax error/);
  });
});
