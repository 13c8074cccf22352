// Credential configurations of docs/configuration.md and the compose example of docs/behaviour.md,
// as JSON objects.
import { Json } from "./harness.js";
import { BASIC_EXTENDED_OPS, BASIC_SIMPLE_OPS } from "../support/basic-auth-ops.js";

export const CREDENTIALS: Record<string, Json> = {
  userKeyQueryThenHeader: {
    user_key: [{ query_string: { keys: ["user_key"] } }, { header: { keys: ["user_key"] } }],
  },
  appIdAppKeyHeadersFirst: {
    app_id: [{ header: { keys: ["app_id"] } }, { query_string: { keys: ["app_id"] } }],
    app_key: [{ header: { keys: ["app_key"] } }, { query_string: { keys: ["app_key"] } }],
  },
  basicSimple: {
    app_id: [{ header: { keys: ["authorization"], ops: BASIC_SIMPLE_OPS } }],
    app_key: [{ header: { keys: ["app_key"] } }],
  },
  basicExtended: {
    app_id: [{ header: { keys: ["authorization"], ops: BASIC_EXTENDED_OPS } }],
  },
  oidcFilter: {
    app_id: [{ filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"], ops: [{ take: { head: 1 } }] } }],
  },
  jwtPayloadHeader: {
    app_id: [{ header: { keys: ["x-jwt-payload"], ops: ["base64_urlsafe", { json: [{ keys: ["azp", "aud"] }] }, { take: { head: 1 } }] } }],
  },
};

export const COMPOSE_SYSTEM = {
  upstream: { name: "outbound|443||multitenant.3scale.net", url: "https://istiodevel-admin.3scale.net/", timeout: 5000 },
  token: "atoken",
  ttl: 180,
};

export const COMPOSE_CONFIG: Json = {
  api: "v1",
  system: COMPOSE_SYSTEM,
  backend: { upstream: { name: "outbound|443||su1.3scale.net", url: "https://su1.3scale.net/", timeout: 5000 }, extensions: ["no_body"] },
  services: [
    {
      id: "2555417834780",
      token: "service_token",
      authorities: ["*"],
      credentials: {
        app_id: [
          { header: { keys: ["authorization"], ops: BASIC_EXTENDED_OPS } },
          { query_string: { keys: ["app_id", "application_id"] } },
          { filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"], ops: [{ take: { head: 1 } }] } },
          { header: { keys: ["x-jwt-payload"], ops: ["base64_urlsafe", { json: { path: [], keys: ["azp", "aud"] } }, { take: { head: 1 } }] } },
          { header: { keys: ["authorization"], ops: [{ split: { separator: " ", max: 2, indexes: [1] } }, "base64_urlsafe", { split: { separator: ":", max: 2, indexes: [0, 1] } }] } },
        ],
        app_key: [{ header: { keys: ["x-app-key"] } }, { query_string: { keys: ["app_key", "application_key"] } }],
        user_key: [{ query_string: { keys: ["api_key"], ops: [{ split: { separator: ":", max: 2 } }, { indexes: [0] }] } }],
      },
      mapping_rules: [
        { method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] },
        { method: "GET", pattern: "/o{*}c", usages: [{ name: "oidc", delta: 1 }, { name: "hits", delta: 1 }] },
        { method: "any", pattern: "/{anything}?bigsale={*}", usages: [{ name: "sale", delta: 5 }] },
      ],
    },
  ],
};
