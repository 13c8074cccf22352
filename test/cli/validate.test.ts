// `validate`: every problem with file:line:column, JSON path, reason and origin; exit 0/1.
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli, tempFile } from "./helpers.js";

const INVALID_YAML = `api: v1
backend:
  upstream:
    name: 3scale-backend
    url: http://127.0.0.1:3001/
services:
  - id: 2555417834780
    token: service_token
    colour: blue
    credentials:
      user_key:
        - query_string:
            keys: [user_key]
            ops: [len]
    mapping_rules:
      - method: GET
        pattern: /{
        usages: [{name: hits, delta: 1}]
`;

const VALID_JSON = JSON.stringify(
  {
    api: "v1",
    backend: { upstream: { name: "b", url: "http://127.0.0.1:3001/", timeout: 5000 } },
    services: [{ id: "1", token: "t", credentials: { user_key: [{ header: { keys: ["k"] } }] }, mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }] }],
  },
  null,
  2,
);

describe("validate", () => {
  it("reports every problem of a YAML file at its line and column, from schema and module", async () => {
    const file = tempFile("bad.yaml", INVALID_YAML);
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    expect(r.out.split("\n")).toEqual([
      `${file}:7:9: error: services[0].id: expected string, got integer (write the id in quotes, e.g. "2555417834780") [module, schema]`,
      `${file}:9:5: warning: services[0].colour: unknown field [module]`,
      `${file}:14:19: error: services[0].credentials.user_key[0].query_string.ops[0]: unknown operation "len" (did you mean "length" or "strlen"?) [module, schema]`,
      `${file}:17:18: error: services[0].mapping_rules[0].pattern: invalid pattern: unterminated placeholder [module, schema]`,
      `${file}: invalid (3 error(s), 1 warning(s)); module: configuration rejected: 3 problem(s)`,
      "",
    ]);
  });

  it("--schema-only reports the schema's problems without running the module", async () => {
    const file = tempFile("bad.yaml", INVALID_YAML);
    const r = await cli("validate", file, "--schema-only");
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:7:9: error: services[0].id: expected string, got integer (write the id in quotes, e.g. "2555417834780") [schema]\n`);
    expect(r.out).not.toContain("[module");
    expect(r.out).not.toContain("unknown field");
  });

  it("accepts a valid JSON file and exits 0", async () => {
    const r = await cli("validate", tempFile("ok.json", VALID_JSON));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: valid \(0 error\(s\), 0 warning\(s\)\); module: configuration accepted: api v1, 1 service\(s\), system disabled\n$/);
  });

  it("passes a JSON file's text to the module as is, so 5000.0 is caught (the schema cannot see it)", async () => {
    const file = tempFile("fraction.json", VALID_JSON.replace('"timeout": 5000', '"timeout": 5000.0'));
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:7:18: error: backend.upstream.timeout: expected integer, got number [module]\n`);
  });

  it("reports a duplicate member at the second name, from the reader and the module", async () => {
    const file = tempFile("dup.json", VALID_JSON.replace('"api": "v1",', '"api": "v1",\n  "api": "v1",'));
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:3:3: error: api: duplicate field [parse, module]\n`);
  });

  it("reports malformed JSON once, at the module's line and column", async () => {
    const file = tempFile("broken.json", '{\n  "api": "v1",\n  "backend": [\n}');
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    const errors = r.out.split("\n").filter((l) => l.includes(": error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:1: error: \\(root\\): malformed JSON at line 4, column 1`));
  });

  it("gives a JSON file's bytes to the module, so invalid UTF-8 is reported by it alone", async () => {
    const file = tempFile("latin1.json", "");
    writeFileSync(file, Buffer.concat([Buffer.from('{"api":"v1'), Buffer.from([0xff]), Buffer.from('"}')]));
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    const errors = r.out.split("\n").filter((l) => l.includes(": error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0].startsWith(`${file}:1:11: error: (root): `)).toBe(true);
    expect(errors[0].endsWith(" [module]")).toBe(true);
  });

  it("reports a YAML syntax error with its position and exits 1", async () => {
    const file = tempFile("syntax.yaml", "api: v1\nbackend: {upstream: [\n");
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/:\d+:\d+: error: \(root\): syntax error: /);
  });

  it("reports an empty file as an empty configuration", async () => {
    const file = tempFile("empty.yaml", "# nothing here\n");
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    expect(r.out).toContain("error: (root): empty configuration [module, schema]");
  });

  it("accepts a configuration with only warnings (exit 0) and points at the unknown member's name", async () => {
    const file = tempFile("warn.yaml", "api: v1\nbackend:\n  upstream: {name: b, url: 'http://h/'}\nservices:\n  - id: '1'\n    token: t\n    credentials: {user_key: [{header: {keys: [k]}}]}\n    mapping_rules: [{method: GET, pattern: /, usages: []}]\npassthrough_metadata: true\n");
    const r = await cli("validate", file);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${file}:9:1: warning: passthrough_metadata: unknown field [module]\n`);
    expect(r.out).toContain(": valid (0 error(s), 1 warning(s))");
  });

  it("checks every WasmPlugin document of a manifest, with positions in the whole file", async () => {
    const manifest = `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: se}
spec: {hosts: [su1.3scale.net]}
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: good, namespace: ns}
spec:
  url: oci://quay.io/x/y:1
  pluginConfig:
    api: v1
    backend: {upstream: {name: b, url: "http://h/"}}
    services: [{id: "1", token: t, credentials: {user_key: [{header: {keys: [k]}}]}, mapping_rules: [{method: GET, pattern: /, usages: []}]}]
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: bad, namespace: ns}
spec:
  url: oci://quay.io/x/y:1
  pluginConfig:
    api: v2
    backend: {upstream: {name: b, url: "ftp://h/"}}
    services: []
`;
    const file = tempFile("plugins.yaml", manifest);
    const r = await cli("validate", file);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split("\n");
    expect(lines).toContain(`${file} (WasmPlugin ns/good (document 2)): valid (0 error(s), 0 warning(s)); module: configuration accepted: api v1, 1 service(s), system disabled`);
    expect(lines).toContain(`${file}:22:10: error: api: unsupported api version "v2" (expected "v1") [module, schema]`);
    expect(lines.some((l) => l.startsWith(`${file}:23:40: error: backend.upstream.url: invalid URL: `))).toBe(true);
    expect(lines).toContain(`${file}:24:15: error: services: must not be empty [module, schema]`);
    expect(lines.at(-1)).toMatch(/\(WasmPlugin ns\/bad \(document 3\)\): invalid \(3 error\(s\), 0 warning\(s\)\)/);
  });

  it("reports a YAML alias bomb as a problem instead of expanding it", async () => {
    const bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n";
    const r = await cli("validate", tempFile("bomb.yaml", bomb));
    expect(r.code).toBe(1);
    expect(r.out).toContain("error: (root): cannot read the YAML document: ");
  });

  it("exits 2 when the file is a directory", async () => {
    const r = await cli("validate", "examples");
    expect(r.code).toBe(2);
    expect(r.err).toBe("threescale-wasm-auth validate: cannot read examples: is a directory\n");
  });

  it("--json prints a machine-readable report", async () => {
    const r = await cli("validate", tempFile("bad.yaml", INVALID_YAML), "--json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { valid: boolean; documents: Array<{ problems: Array<{ path: string; line: number; column: number; origins: string[] }> }> };
    expect(report.valid).toBe(false);
    expect(report.documents[0].problems[0]).toMatchObject({ path: "services[0].id", line: 7, column: 9, origins: ["module", "schema"] });
  });
});
