// The benchmark configurations: the three allowed cases and the denied case of `npm run bench`
// (user_key in the query; app_id/app_key through the extended Basic-auth pipeline of
// docs/configuration.md; OIDC app_id from jwt_authn metadata), and the large configurations for
// the configure-time figure. Credentials are taken from examples/*.yaml so the benchmark follows the
// documented pipelines; mapping rules are generated. `node dist/bench/run.js --write-configs`
// writes them to bench/configs/ for inspection.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { EXAMPLES_DIR } from "./paths.js";

export type Json = Record<string, unknown>;

export const BACKEND_CLUSTER = "3scale-backend";
/** Service ids and credentials known to examples/seed.yaml (the backend simulator's seed). */
export const USER_KEY_SERVICE = "2555417834780";
export const APP_SERVICE = "2555417834781";
/** An OpenID Connect service (backend_version oauth) added to the seed for the OIDC case. */
export const OIDC_SERVICE = "2555417834799";

/** benchSeed: examples/seed.yaml plus an OIDC copy of the app_id/app_key service. */
export function benchSeed(): Json {
  const seed = loadExample("seed.yaml");
  const services = seed["services"] as Json[];
  const app = services.find((s) => s["id"] === APP_SERVICE);
  if (app) services.push({ ...app, id: OIDC_SERVICE, name: "bench-oidc", backend_version: "oauth", default: false });
  return seed;
}

export function loadExample(name: string): Json {
  return parse(readFileSync(resolve(EXAMPLES_DIR, name), "utf8")) as Json;
}

function credentialsOf(example: string): Json {
  const services = loadExample(example)["services"] as Json[];
  return services[0]!["credentials"] as Json;
}

/** Metrics the seeded backend knows (a usage of an unknown metric is answered 404). */
const SEED_METRICS = ["hits", "products", "sales", "oidc", "sale"];

/**
 * mappingRules: `n` rules. The request path `/api/r<n-2>/42` matches two of them (the specific
 * rule next to last and the catch-all `/` rule last), so every rule is tried before the verdict.
 */
export function mappingRules(n: number): Json[] {
  const rules: Json[] = [];
  for (let i = 0; i < n - 1; i++) {
    rules.push({
      method: i % 2 === 0 ? "GET" : "POST",
      pattern: `/api/r${i}/{id}${i % 3 === 0 ? "$" : ""}`,
      usages: [{ name: SEED_METRICS[i % SEED_METRICS.length]!, delta: 1 + (i % 3) }],
    });
  }
  rules.push({ method: "ANY", pattern: "/", usages: [{ name: "hits", delta: 1 }] });
  return rules;
}

/** matchedPath: a path that makes `mappingRules(n)` match its rule n-2 (when GET) and `/`. */
export function matchedPath(n: number): string {
  const i = n >= 2 ? (n - 2) - ((n - 2) % 2) : 0; // an even index is a GET rule
  return `/api/r${i}/42`;
}

function backend(): Json {
  return { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/", timeout: 5000 }, extensions: ["no_body"] };
}

function document(services: Json[]): Json {
  return { api: "v1", backend: backend(), services };
}

export function userKeyConfig(rules: number): Json {
  return document([
    {
      id: USER_KEY_SERVICE,
      token: "service_token",
      authorities: ["*"],
      credentials: credentialsOf("user-key.yaml"),
      mapping_rules: mappingRules(rules),
    },
  ]);
}

export function basicAuthExtendedConfig(rules: number): Json {
  return document([
    { id: APP_SERVICE, token: "service_token", credentials: credentialsOf("basic-auth-extended.yaml"), mapping_rules: mappingRules(rules) },
  ]);
}

export function oidcConfig(rules: number): Json {
  return document([
    { id: OIDC_SERVICE, token: "service_token", credentials: credentialsOf("oidc-jwt-authn.yaml"), mapping_rules: mappingRules(rules) },
  ]);
}

/** A verified JWT payload as Envoy's jwt_authn filter stores it (payload_in_metadata "my_provider"). */
export const JWT_METADATA = {
  "envoy.filters.http.jwt_authn": {
    my_provider: {
      iss: "https://sso.example.com/auth/realms/api",
      sub: "f7a4c1d2-2a6b-4c8e-9b1f-0e5d3c2a1b00",
      aud: ["aladdin", "account"],
      azp: "aladdin",
      exp: 1893456000,
      iat: 1700000000,
      typ: "Bearer",
      scope: "openid profile email",
      email_verified: true,
      preferred_username: "aladdin",
    },
  },
};

/**
 * largeConfig: `services` services, each with `rules` mapping rules and three credential sources
 * (app_id from the Authorization header, a query parameter and jwt_authn metadata), each source
 * with a five-operation pipeline. Each service has its own authority so a lookup has to select it.
 */
export function largeConfig(services: number, rules = 50): Json {
  const items: Json[] = [];
  for (let s = 0; s < services; s++) {
    items.push({
      id: String(1000000000 + s),
      token: `token_${s}`,
      authorities: [`svc${s}.example.com`, `*.svc${s}.example.net`],
      credentials: {
        app_id: [
          { header: { keys: ["authorization"], ops: [{ split: { separator: " ", max: 2 } }, { length: { min: 2 } }, "reverse", { glob: ["Basic"] }, { drop: { tail: 1 } }] } },
          { query_string: { keys: ["app_id", "client_id"], ops: [{ strlen: { min: 1, max: 64 } }, { glob: ["app*", "cli*"] }, "reverse", { take: { head: 1 } }, { length: { min: 1 } }] } },
          { filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"], ops: [{ take: { head: 1 } }, { strlen: { min: 1 } }, { length: { min: 1 } }, "reverse", { take: { head: 1 } }] } },
        ],
      },
      mapping_rules: mappingRules(rules),
    });
  }
  return document(items);
}

/** The request of each benchmark case. */
export const CASE_REQUESTS = {
  userKey: (rules: number): Array<[string, string]> => [
    [":method", "GET"], [":path", `${matchedPath(rules)}?user_key=user_key_demo`], [":authority", "api.example.com"], [":scheme", "https"],
    ["user-agent", "bench/1.0"], ["accept", "*/*"],
  ],
  basicAuth: (rules: number): Array<[string, string]> => [
    [":method", "GET"], [":path", matchedPath(rules)], [":authority", "api.example.com"], [":scheme", "https"],
    ["authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"], ["user-agent", "bench/1.0"], ["accept", "*/*"],
  ],
  oidc: (rules: number): Array<[string, string]> => [
    [":method", "GET"], [":path", matchedPath(rules)], [":authority", "api.example.com"], [":scheme", "https"],
    ["user-agent", "bench/1.0"], ["accept", "*/*"],
  ],
  denied: (rules: number): Array<[string, string]> => [
    [":method", "GET"], [":path", matchedPath(rules)], [":authority", "api.example.com"], [":scheme", "https"],
    ["user-agent", "bench/1.0"], ["accept", "*/*"],
  ],
};
