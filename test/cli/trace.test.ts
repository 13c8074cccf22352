// `trace`: one request through the real module, explained step by step; secrets masked.
import { describe, expect, it } from "vitest";
import { cli, tempFile } from "./helpers.js";

const trace = (config: string, request: string, ...extra: string[]) => cli("trace", config, "--request", request, ...extra);

describe("trace", () => {
  it("explains an allowed user_key request and shows the authrep the module sent, secrets masked", async () => {
    const r = await trace("examples/user-key.yaml", "GET http://api.example.com/products/?user_key=user_key_demo");
    expect(r.code).toBe(0);
    expect(r.out).toContain('service      services[0] id "2555417834780": authorities ["*"] match → selected');
    expect(r.out).toContain('  user_key[0] query parameter "user_key": found → ["***demo"]');
    expect(r.out).toContain("  [0] GET /: match → hits +1");
    expect(r.out).toContain("  [1] GET /products/: match → products +1");
    expect(r.out).toContain("  → usage hits=1, products=1");
    expect(r.out).toContain("  authrep    cluster 3scale-backend, timeout 5000 ms");
    expect(r.out).toContain(":path: /transactions/authrep.xml?service_id=2555417834780&service_token=***oken&user_key=***demo&usage[hits]=1&usage[products]=1");
    expect(r.out).toContain("3scale-options: rejection_reason_header=1&no_body=1");
    expect(r.out).toContain("verdict      continue: the request goes upstream unchanged");
    expect(r.out).not.toContain("user_key_demo");
    expect(r.out).not.toContain("service_token=service_token");
  });

  it("--show-secrets prints the credentials and the token in clear", async () => {
    const r = await trace("examples/user-key.yaml", "GET http://h/?user_key=user_key_demo", "--show-secrets");
    expect(r.out).toContain("service_token=service_token&user_key=user_key_demo&usage[hits]=1");
  });

  it.each([
    { status: "409", verdict: 'local reply 429 "Usage limit exceeded\\n" (details threescale_limits_exceeded)' },
    { status: "403", verdict: 'local reply 403 "Authentication failed\\n" (details threescale_auth_failed)' },
    { status: "503", verdict: 'local reply 502 "Bad Gateway\\n" (details threescale_backend_unavailable)' },
  ])("--backend-status $status gives the module's verdict", async ({ status, verdict }) => {
    const r = await trace("examples/user-key.yaml", "GET http://h/?user_key=k", "--backend-status", status);
    expect(r.out).toContain(`  backend    answered ${status}`);
    expect(r.out).toContain(`verdict      ${verdict}`);
  });

  it("shows the stack after every op of a Basic pipeline and the resulting app_id/app_key", async () => {
    const r = await trace("examples/basic-auth-extended.yaml", "GET http://h/", "-H", "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "--show-secrets");
    const opLines = r.out.split("\n").filter((l) => /^ {6}ops\[\d+\] /.test(l));
    expect(opLines).toHaveLength(9);
    expect(opLines[0]).toBe('      ops[0] {"split":{"separator":" ","max":2}} → ["Basic", "YWxhZGRpbjpvcGVuc2VzYW1l"]');
    expect(opLines[5]).toBe('      ops[5] base64_urlsafe → ["aladdin:opensesame"]');
    expect(r.out).toContain('  → app_id "aladdin", app_key opensesame');
    expect(r.out).toContain("&app_id=aladdin&app_key=opensesame&usage[hits]=1");
  });

  it("shows where a failing pipeline stops and that the source fails", async () => {
    const r = await trace("examples/basic-auth-extended.yaml", "GET http://h/", "-H", "Authorization: Bearer abc", "--show-secrets");
    expect(r.out).toContain('      ops[3] {"glob":["Basic"]} → fail');
    expect(r.out).toContain("    app_id[0] fails; the next source is tried");
    expect(r.out).toContain("  authrep    none dispatched (the module decided locally)");
    expect(r.out).toContain('verdict      local reply 403 "Authentication parameters missing\\n"');
  });

  it("reads jwt_authn metadata from --metadata for a filter source", async () => {
    const metadata = tempFile("md.json", JSON.stringify({ "envoy.filters.http.jwt_authn": { verified_jwt: { aud: ["a", "b"] } } }));
    const r = await trace("examples/oidc-jwt-authn.yaml", "GET http://h/oidc", "--metadata", metadata);
    expect(r.out).toContain('  → app_id "a", no app_key');
    expect(r.out).toContain("&app_id=a&usage[hits]=1&usage[oidc]=1");
    expect(r.out).toContain("verdict      continue");
  });

  it("--system-answer answers the system fetch: its token and rules are used after the static ones", async () => {
    const answer = tempFile("porta.json", JSON.stringify({
      proxy_config: { content: { backend_authentication_type: "service_token", backend_authentication_value: "fetched_token", proxy: { proxy_rules: [
        { http_method: "GET", pattern: "/", metric_system_name: "hits", delta: 1 },
        { http_method: "GET", pattern: "/{oops", metric_system_name: "hits", delta: 1 },
      ] } } },
    }));
    const r = await trace("examples/system-fetched.yaml", "GET http://h/?user_key=user_key_demo", "--system-answer", answer);
    expect(r.code).toBe(0);
    expect(r.out).toContain("  system     GET /admin/api/services/2555417834780/proxy/configs/production/latest.json?access_token=***oken answered 200 from");
    expect(r.out).toContain("  [fetched 0] GET /: match → hits +1");
    expect(r.out).toContain("  [fetched 1] GET /{oops: invalid pattern (the module skips this rule)");
    expect(r.out).toContain("service_token=***oken&user_key=***demo&usage[hits]=1");
    expect(r.out).toContain("verdict      continue");
    expect(r.out).not.toContain("  note       ");
    expect(r.out).not.toContain("atoken");
  });

  it("without --system-answer, a system-only service has no rules yet (404)", async () => {
    const r = await trace("examples/system-fetched.yaml", "GET http://h/?user_key=user_key_demo");
    expect(r.out).toContain("mapping rules (static; none fetched from system)");
    expect(r.out).toContain('verdict      local reply 404 "No Mapping Rule matched\\n"');
  });

  it("explains an unknown service", async () => {
    const r = await trace("examples/multi-service.yaml", "GET https://other.example.org:443/");
    expect(r.out).toContain('authority    "other.example.org" (normalised)');
    expect(r.out).toContain("             no service matches → 403 Unknown service");
    expect(r.out).toContain('verdict      local reply 403 "Unknown service\\n"');
  });

  it("refuses a configuration the module rejects (exit 1)", async () => {
    const r = await trace(tempFile("bad.yaml", "api: v2\n"), "GET http://h/");
    expect(r.code).toBe(1);
    expect(r.err).toContain('  api: unsupported api version "v2" (expected "v1")');
  });
});

describe("trace explanation agrees with what the module did", () => {
  it.each([
    ["examples/user-key.yaml", "GET http://h/products/?user_key=user_key_demo"],
    ["examples/user-key.yaml", "GET http://h/", "-H", "User_Key: abc"],
    ["examples/app-id-app-key.yaml", "POST http://h/x?app_id=a&app_key=b"],
    ["examples/app-id-app-key.yaml", "GET http://h/", "-H", "app_id: a"],
    ["examples/basic-auth.yaml", "GET http://h/", "-H", "Authorization: Basic YWRtaW4=", "-H", "app_key: K"],
    ["examples/basic-auth-extended.yaml", "GET http://h/", "-H", "Authorization: Basic YWRtaW46"],
    ["examples/jwt-payload-header.yaml", "GET http://h/", "-H", "x-jwt-payload: eyJhdWQiOlsiYSIsImIiXX0"],
    ["examples/multi-service.yaml", "GET http://x.apps.example.com/?app_id=a&app_key=b"],
  ])("%s %s", async (config, request, ...extra) => {
    const r = await trace(config, request, ...extra);
    expect(r.code).toBe(0);
    expect(r.out).toContain("  authrep    cluster 3scale-backend");
    expect(r.out).not.toContain("  note       ");
  });
});
