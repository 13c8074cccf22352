// `trace` on an OIDC service (docs/features.md): the module ignores user_key sources there, so the
// explanation must too — otherwise it predicts a user_key the module never sends and prints a
// "note" about the difference.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";

const config = {
  api: "v1",
  backend: { upstream: { name: "3scale-backend", url: "http://127.0.0.1:3001/" } },
  services: [{
    id: "2555417834781",
    token: "service_token",
    authentication: "oidc",
    credentials: {
      user_key: [{ query_string: { keys: ["user_key"] } }],
      app_id: [{ filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp"] } }],
    },
    mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
  }],
};

describe("trace on an OIDC service", () => {
  const dir = mkdtempSync(join(tmpdir(), "trace-oidc-"));
  const configFile = join(dir, "oidc.json");
  const metadataFile = join(dir, "metadata.json");
  writeFileSync(configFile, JSON.stringify(config));
  writeFileSync(metadataFile, JSON.stringify({ "envoy.filters.http.jwt_authn": { verified_jwt: { azp: "my-client" } } }));

  it("ignores user_key like the module and agrees with the authrep it sent", async () => {
    const io = new BufferIo();
    const code = await runCli(["trace", configFile, "--request", "GET http://api.example.com/?user_key=k1234", "--metadata", metadataFile], io);
    expect(code).toBe(0);
    expect(io.stdout).toContain("user_key: ignored (OIDC service: the client id comes from app_id)");
    expect(io.stdout).toContain('→ app_id "my-client"');
    expect(io.stdout).toMatch(/oauth_authrep\.xml\?[^\n]*app_id=my-client/);
    expect(io.stdout).not.toMatch(/^note/m);
  });
});
