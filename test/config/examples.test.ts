// docs/configuration.md: every example configuration is valid, converted from YAML the way
// Istio converts `spec.pluginConfig` to JSON.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { minimalConfig, minimalService, validate, type Json } from "./entry.js";

/** fragment turns a YAML fragment of a services[] item into a full configuration. */
function serviceWith(yaml: string): { [k: string]: Json } {
  const config = minimalConfig();
  const service = minimalService();
  Object.assign(service, parseYaml(yaml) as { [k: string]: Json });
  config.services = [service];
  return config;
}

const CREDENTIAL_EXAMPLES: Array<{ name: string; yaml: string }> = [
  {
    name: "13.1 API key in a query parameter or a header",
    yaml: `
credentials:
  user_key:
    - query_string:
        keys: [user_key]
    - header:
        keys: [user_key]
`,
  },
  {
    name: "13.2 application id and key",
    yaml: `
credentials:
  app_id:
    - query_string:
        keys: [app_id]
    - header:
        keys: [app_id]
  app_key:
    - query_string:
        keys: [app_key]
    - header:
        keys: [app_key]
`,
  },
  {
    name: "13.3 Authorization: Basic (simple)",
    yaml: `
credentials:
  app_id:
    - header:
        keys: [authorization]
        ops:
          - split:
              separator: " "
              max: 2
          - length:
              min: 2
          - drop:
              head: 1
          - base64_urlsafe
          - split:
              max: 2
  app_key:
    - header:
        keys: [app_key]
`,
  },
  {
    name: "13.4 Authorization: Basic (extended)",
    yaml: `
credentials:
  app_id:
    - header:
        keys: [authorization]
        ops:
          - split:
              separator: " "
              max: 2
          - length:
              min: 2
          - reverse
          - glob:
              - Basic
          - drop:
              tail: 1
          - base64_urlsafe
          - split:
              max: 2
          - test:
              if:
                length:
                  min: 2
              then:
                - strlen:
                    max: 63
                - or:
                    - strlen:
                        min: 1
                    - drop:
                        tail: 1
          - assert:
              - and:
                  - reverse
                  - or:
                      - strlen:
                          min: 8
                      - glob:
                          - aladdin
                          - admin
`,
  },
  {
    name: "13.5 OpenID Connect from jwt_authn filter metadata",
    yaml: `
credentials:
  app_id:
    - filter:
        path:
          - envoy.filters.http.jwt_authn
          - "0"
        keys:
          - azp
          - aud
        ops:
          - take:
              head: 1
`,
  },
  {
    name: "13.6 JWT payload forwarded in a header",
    yaml: `
credentials:
  app_id:
    - header:
        keys:
          - x-jwt-payload
        ops:
          - base64_urlsafe
          - json:
              - keys:
                  - azp
                  - aud
          - take:
              head: 1
`,
  },
];

describe("credential examples", () => {
  it.each(CREDENTIAL_EXAMPLES)("$name is valid, with no warning", async ({ yaml }) => {
    const r = await validate(serviceWith(yaml));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("13.5 keeps the filter namespace and the \"0\" path segment as strings", async () => {
    const r = await validate(serviceWith(CREDENTIAL_EXAMPLES[4].yaml));
    expect(r.config?.services[0].credentials.app_id).toMatchObject([
      { kind: "filter", path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"] },
    ]);
  });

  it("13.5 with an unquoted 0 in YAML is a type error", async () => {
    const r = await validate(serviceWith(CREDENTIAL_EXAMPLES[4].yaml.replace('- "0"', "- 0")));
    expect(r.errors).toEqual(["services[0].credentials.app_id[0].filter.path[1]: expected string, got integer"]);
  });
});

describe("mapping-rule example", () => {
  it("is valid and keeps the rules in order", async () => {
    const r = await validate(serviceWith(`
mapping_rules:
  - method: GET
    pattern: /
    usages:
      - name: hits
        delta: 1
  - method: GET
    pattern: /products/
    usages:
      - name: products
        delta: 1
  - method: ANY
    pattern: /products/{id}/sold
    usages:
      - name: sales
        delta: 1
      - name: products
        delta: 1
`));
    expect(r.errors).toEqual([]);
    expect(r.config?.services[0].mapping_rules.map((m) => [m.method, m.pattern, m.usages.length])).toEqual([
      ["GET", "/", 1],
      ["GET", "/products/", 1],
      ["ANY", "/products/{id}/sold", 2],
    ]);
  });
});

describe("full configurations", () => {
  it("13.8 the minimal WasmPlugin's pluginConfig is valid", async () => {
    const plugin = parseYaml(`
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: threescale-wasm-auth
  namespace: bookinfo
spec:
  selector:
    matchLabels:
      app: productpage
  url: oci://registry/threescale-wasm-auth:tag
  phase: AUTHZ
  priority: 100
  pluginConfig:
    api: v1
    system:
      name: system-name
      upstream:
        name: outbound|443||multitenant.3scale.net
        url: https://istiodevel-admin.3scale.net/
        timeout: 5000
      token: atoken
    backend:
      name: backend-name
      upstream:
        name: outbound|443||su1.3scale.net
        url: https://su1.3scale.net/
        timeout: 5000
      extensions:
        - no_body
    services:
      - id: '2555417834780'
        authorities:
          - "*"
        credentials:
          user_key:
            - query_string:
                keys: [user_key]
            - header:
                keys: [user_key]
          app_id:
            - query_string:
                keys: [app_id]
            - header:
                keys: [app_id]
          app_key:
            - query_string:
                keys: [app_key]
            - header:
                keys: [app_key]
`) as { spec: { pluginConfig: Json } };
    const r = await validate(plugin.spec.pluginConfig);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config).toMatchObject({
      backend: {
        upstream: { name: "outbound|443||su1.3scale.net", timeout: 5000, authority: "su1.3scale.net", basePath: "/" },
        optionsHeader: "rejection_reason_header=1&no_body=1",
      },
      system: { upstream: { name: "outbound|443||multitenant.3scale.net", authority: "istiodevel-admin.3scale.net" }, ttl: 600 },
      services: [{ id: "2555417834780", token: "", environment: "production", authorities: ["*"], mapping_rules: [] }],
    });
  });

  it("13.9 static authorities and a static token", async () => {
    const config = minimalConfig();
    config.services = (parseYaml(`
services:
  - id: "2555417834789"
    token: service_token
    authorities:
      - "*.app"
      - 0.0.0.0
      - "0.0.0.0:8443"
    credentials: { user_key: [ { query_string: { keys: [user_key] } } ] }
    mapping_rules:
      - { method: GET, pattern: /, usages: [ { name: hits, delta: 1 } ] }
`) as { services: Json }).services;
    const r = await validate(config);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config?.services[0]).toMatchObject({ id: "2555417834789", token: "service_token", authorities: ["*.app", "0.0.0.0", "0.0.0.0:8443"] });
  });

  it("14.1 the standalone Envoy configuration string is valid", async () => {
    const text = `{"api":"v1",
 "backend":{"upstream":{"name":"3scale-backend","url":"https://su1.3scale.net/","timeout":5000},
            "extensions":["no_body"]},
 "services":[{"id":"2555417834780","token":"<service token>","authorities":["*"],
              "credentials":{"user_key":[{"query_string":{"keys":["user_key"]}}]},
              "mapping_rules":[{"method":"GET","pattern":"/","usages":[{"name":"hits","delta":1}]}]}]}
`;
    const r = await validate(text);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config?.backend.upstream).toMatchObject({ name: "3scale-backend", timeout: 5000 });
  });
});
