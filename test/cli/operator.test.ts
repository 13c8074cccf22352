// What an operator meets with the CLI: a WasmPlugin's own fields are checked as Istio reads them,
// a ServiceMeshExtension is recognised, typos get a "did you mean", --strict makes warnings fail,
// and trace shows values consistently, accepts curl's `-X METHOD URL` and explains its exit codes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli, tempFile } from "./helpers.js";

const CONFIG = `
    api: v1
    backend:
      upstream: {name: b, url: "https://su1.3scale.net/", timeout: 5000}
    services:
      - id: "1"
        token: t
        authorities: ["*"]
        credentials: {user_key: [{query_string: {keys: [user_key]}}]}
        mapping_rules: [{method: GET, pattern: /, usages: [{name: hits, delta: 1}]}]`;

function plugin(spec: string, config = CONFIG): string {
  return `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: p, namespace: ns}
spec:
${spec}
  pluginConfig:${config}
`;
}

const problems = (out: string) => out.split("\n").filter((l) => / (error|warning): /.test(l));

describe("validate: a WasmPlugin's Istio fields", () => {
  it("a correct manifest has no problem", async () => {
    const r = await cli("validate", tempFile("ok.yaml", plugin("  selector: {matchLabels: {app: a}}\n  url: oci://quay.io/x/y:1\n  phase: AUTHZ\n  priority: 10")));
    expect(problems(r.out)).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("phase PostAuthZ (a ServiceMeshExtension phase) is an error naming Istio's phases", async () => {
    const r = await cli("validate", tempFile("p.yaml", plugin("  url: oci://quay.io/x/y:1\n  phase: PostAuthZ")));
    expect(r.code).toBe(1);
    expect(problems(r.out)).toEqual([
      expect.stringMatching(/:6:10: error: spec\.phase: invalid value "PostAuthZ": expected one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS \(that is a ServiceMeshExtension phase; .*STATS.*AUTHZ\) \[schema\]$/),
    ]);
  });

  it("a url without scheme is a warning (Istio reads it as oci://); an unknown scheme is an error", async () => {
    const bare = await cli("validate", tempFile("u.yaml", plugin("  url: quay.io/x/y:1")));
    expect(bare.code).toBe(0);
    expect(problems(bare.out)).toEqual([expect.stringMatching(/warning: spec\.url: no scheme: Istio reads it as oci:\/\/quay\.io\/x\/y:1/)]);
    const ftp = await cli("validate", tempFile("u.yaml", plugin("  url: ftp://h/x.wasm")));
    expect(ftp.code).toBe(1);
    expect(problems(ftp.out)).toEqual([expect.stringMatching(/error: spec\.url: unsupported URL scheme: use oci:\/\/, file:\/\/, http:\/\/ or https:\/\//)]);
    for (const url of ["oci://r/x:1", "file:///opt/x.wasm", "https://h/x.wasm", "http://h/x.wasm"]) {
      expect((await cli("validate", tempFile("u.yaml", plugin(`  url: ${url}`)))).code, url).toBe(0);
    }
  });

  it("workloadSelector is a warning: Istio ignores it, so the plugin would apply to the whole namespace", async () => {
    const r = await cli("validate", tempFile("w.yaml", plugin("  url: oci://r/x:1\n  workloadSelector: {labels: {app: a}}")));
    expect(r.code).toBe(0);
    expect(problems(r.out)).toEqual([
      expect.stringMatching(/:6:3: warning: spec\.workloadSelector: unknown WasmPlugin field: Istio ignores it \(WasmPlugin calls it selector \(with matchLabels\); without a selector the plugin applies to every workload in the namespace\)/),
    ]);
    expect((await cli("validate", "--strict", tempFile("w.yaml", plugin("  url: oci://r/x:1\n  workloadSelector: {labels: {app: a}}")))).code).toBe(1);
  });

  it("an unknown spec field gets a did-you-mean; a known one of another type is an error", async () => {
    const r = await cli("validate", tempFile("f.yaml", plugin("  url: oci://r/x:1\n  priorty: 5\n  failStrategy: FAIL_OPENED")));
    expect(problems(r.out)).toEqual([
      expect.stringMatching(/warning: spec\.priorty: unknown WasmPlugin field: Istio ignores it \(did you mean "priority"\?\)/),
      expect.stringMatching(/error: spec\.failStrategy: invalid value "FAIL_OPENED": expected one of FAIL_CLOSE, FAIL_OPEN \(did you mean "FAIL_OPEN"\?\)/),
    ]);
  });

  it("at most one of selector, targetRef and targetRefs", async () => {
    const r = await cli("validate", tempFile("t.yaml", plugin("  url: oci://r/x:1\n  selector: {matchLabels: {app: a}}\n  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: gw}")));
    expect(r.code).toBe(1);
    expect(problems(r.out)).toEqual([expect.stringMatching(/error: spec: at most one of selector, targetRef and targetRefs/)]);
  });

  it("a missing url and a wrong apiVersion are errors", async () => {
    const r = await cli("validate", tempFile("m.yaml", plugin("  phase: AUTHZ").replace("extensions.istio.io/v1alpha1", "extensions.istio.io/v1")));
    expect(r.code).toBe(1);
    expect(problems(r.out)).toEqual([
      expect.stringMatching(/:1:13: error: apiVersion: expected "extensions\.istio\.io\/v1alpha1"/),
      expect.stringMatching(/error: spec\.url: missing required field/),
    ]);
  });

  it("every example manifest stays free of problems", async () => {
    for (const f of ["user-key", "oidc-jwt-authn", "multi-service"]) {
      const r = await cli("validate", "--strict", `examples/wasmplugin/${f}.yaml`);
      expect([r.code, problems(r.out)], f).toEqual([0, []]);
    }
  });
});

describe("validate: a Maistra ServiceMeshExtension", () => {
  const sme = `apiVersion: maistra.io/v1
kind: ServiceMeshExtension
metadata: {name: auth, namespace: bookinfo}
spec:
  image: quay.io/3scale/threescale-wasm-auth:qe
  phase: PostAuthZ
  workloadSelector: {labels: {app: productpage}}
  config:${CONFIG}
`;

  it("is recognised: spec.config is checked as the configuration, with one note on moving to a WasmPlugin", async () => {
    const r = await cli("validate", tempFile("sme.yaml", sme));
    expect(r.code).toBe(0);
    expect(problems(r.out)).toEqual([
      expect.stringMatching(/:2:7: warning: kind: ServiceMeshExtension \(maistra\.io\/v1\) is deprecated; its spec\.config was checked .*spec\.config → spec\.pluginConfig.*convert --format wasmplugin/),
    ]);
    expect(r.out).not.toMatch(/missing required field/);
    expect(r.out).toMatch(/\(ServiceMeshExtension bookinfo\/auth\): valid \(0 error\(s\), 1 warning\(s\)\); module: configuration accepted/);
  });

  it("its configuration's problems are reported at their lines", async () => {
    const r = await cli("validate", tempFile("sme.yaml", sme.replace("timeout: 5000", "timout: 5000")));
    expect(problems(r.out)).toContainEqual(expect.stringMatching(/:11:59: warning: backend\.upstream\.timout: unknown field \(did you mean "timeout"\?\)/));
  });

  it("convert --format wasmplugin writes the WasmPlugin, which validates cleanly", async () => {
    const r = await cli("convert", "--format", "wasmplugin", tempFile("sme.yaml", sme));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^apiVersion: extensions\.istio\.io\/v1alpha1\nkind: WasmPlugin\nmetadata:\n {2}name: auth\n {2}namespace: bookinfo\n/);
    expect(r.out).toContain("url: oci://quay.io/3scale/threescale-wasm-auth:qe");
    expect(r.out).toMatch(/selector:\n {4}matchLabels:\n {6}app: productpage/);
    expect(r.out).toContain("phase: AUTHZ");
    const v = await cli("validate", "--strict", tempFile("plugin.yaml", r.out));
    expect([v.code, problems(v.out)]).toEqual([0, []]);
  });
});

describe("validate: suggestions, methods, --strict", () => {
  const bare = (config: string) => tempFile("c.yaml", config.replace(/^ {4}/gm, ""));

  it("misspelt fields and operations get a did-you-mean", async () => {
    const r = await cli("validate", bare(CONFIG.replace("authorities:", "authorites:").replace("timeout:", "timout:").replace("{keys: [user_key]}", "{keys: [user_key], ops: [len]}")));
    const lines = problems(r.out);
    expect(lines).toContainEqual(expect.stringMatching(/services\[0\]\.authorites: unknown field \(did you mean "authorities"\?\)/));
    expect(lines).toContainEqual(expect.stringMatching(/backend\.upstream\.timout: unknown field \(did you mean "timeout"\?\)/));
    expect(lines).toContainEqual(expect.stringMatching(/ops\[0\]: unknown operation "len" \(did you mean "length" or "strlen"\?\)/));
  });

  it("a field nothing resembles gets no suggestion", async () => {
    const r = await cli("validate", bare(CONFIG.replace("token: t", "token: t\n        zzqqx: 1")));
    expect(problems(r.out)).toEqual([expect.stringMatching(/services\[0\]\.zzqqx: unknown field \[module\]$/)]);
  });

  it.each([["GTE", ' \\(did you mean "GET"\\?\\)'], ["FETCH", " \\(did you mean \"PATCH\"\\?\\)"]])("a mapping rule with method %s is a never-matching warning", async (method, hint) => {
    const r = await cli("validate", bare(CONFIG.replace("method: GET", `method: ${method}`)));
    expect(r.code).toBe(0);
    expect(problems(r.out)).toEqual([
      expect.stringMatching(new RegExp(`services\\[0\\]\\.mapping_rules\\[0\\]\\.method: never matches in practice: "${method}" is not an HTTP method${hint} \\[schema\\]$`)),
    ]);
  });

  it.each(["get", "ANY", "PATCH", "PROPFIND"])("method %s is fine", async (method) => {
    const r = await cli("validate", bare(CONFIG.replace("method: GET", `method: ${method}`)));
    expect(problems(r.out)).toEqual([]);
  });

  it("--strict turns warnings into exit status 1; without warnings it changes nothing", async () => {
    const typo = bare(CONFIG.replace("timeout:", "timout:"));
    expect((await cli("validate", typo)).code).toBe(0);
    const strict = await cli("validate", "--strict", typo);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/: invalid with --strict \(0 error\(s\), 1 warning\(s\)\)/);
    expect((await cli("validate", "--strict", bare(CONFIG))).code).toBe(0);
    const json = JSON.parse((await cli("validate", "--strict", "--json", typo)).out) as { valid: boolean };
    expect(json.valid).toBe(false);
  });

  it("--help documents --strict and the exit statuses", async () => {
    const r = await cli("validate", "--help");
    expect(r.out).toMatch(/--strict +treat warnings as errors/);
    expect(r.out).toMatch(/Exit status: 0 valid \(warnings allowed unless --strict\), 1 invalid/);
  });
});

describe("trace", () => {
  it("an app_id is shown the same way in the header line, the source and the credentials; keys are masked", async () => {
    const r = await cli("trace", "examples/app-id-app-key.yaml", "-X", "GET", "http://h/", "-H", "app_id: aladdin", "-H", "app_key: opensesame");
    expect(r.code).toBe(0);
    expect(r.out).toContain("             app_id: aladdin\n");
    expect(r.out).toContain('header "app_id": found → ["aladdin"]');
    expect(r.out).toContain('→ app_id "aladdin", app_key ***same');
    expect(r.out).toContain("             app_key: ***same\n");
    expect(r.out).not.toContain("opensesame");
  });

  it("an app_id source that decodes a header holding the key too stays masked", async () => {
    const r = await cli("trace", "examples/basic-auth.yaml", "http://h/", "-H", `authorization: Basic ${Buffer.from("aladdin:opensesame").toString("base64")}`);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("opensesame");
    expect(r.out).not.toContain(Buffer.from("aladdin:opensesame").toString("base64"));
  });

  it("accepts curl's -X METHOD URL, and a bare URL as GET", async () => {
    const post = await cli("trace", "examples/user-key.yaml", "-X", "POST", "http://h/x?user_key=k");
    expect(post.code).toBe(0);
    expect(post.out).toMatch(/^request {6}POST http:\/\/h\/x\?user_key=\*\*\*/);
    const get = await cli("trace", "examples/user-key.yaml", "http://h/x?user_key=k");
    expect(get.out).toMatch(/^request {6}GET http:\/\/h\/x/);
    const both = await cli("trace", "examples/user-key.yaml", "-X", "GET http://h/", "http://h/other");
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/either inside --request 'METHOD URL' or as an argument/);
  });

  it("--help says plainly what each exit status means", async () => {
    const r = await cli("trace", "--help");
    expect(r.out).toMatch(/Exit status:\n {2}0 {2}the request was traced, whether the module let it through or denied it/);
    expect(r.out).toMatch(/\n {2}1 {2}the configuration is invalid/);
    expect(r.out).toMatch(/\n {2}2 {2}usage error/);
    expect(r.out).toMatch(/-X METHOD\] URL/);
  });

  it("a denied request is still exit status 0", async () => {
    const r = await cli("trace", "examples/user-key.yaml", "http://h/x");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/verdict {6}local reply 403/);
  });
});

it("the WasmPlugin schema names Istio's phases without a default", () => {
  const schema = JSON.parse(readFileSync("schema/wasmplugin.schema.json", "utf8")) as { properties: { spec: { properties: { phase: Record<string, unknown> } } } };
  expect(schema.properties.spec.properties.phase.enum).toEqual(["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"]);
  expect(schema.properties.spec.properties.phase.default).toBeUndefined();
});
