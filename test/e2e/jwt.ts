// Signs RS256 JWTs for the OIDC case of the compose example with the test key whose public half
// is envoy/oidc-jwks.json (the key Envoy's jwt_authn provider trusts). Test-only key material.
import { createSign, createVerify, createPublicKey, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/modules.js";

export const OIDC_ISSUER = "https://sso.example.com/auth/realms/compose";
export const OIDC_AUDIENCE = "compose-client";
const KID = "compose-test-key";

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function signJwt(claims: Record<string, unknown>, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const header = { alg: "RS256", typ: "JWT", kid: KID };
  const payload = { iss: OIDC_ISSUER, aud: OIDC_AUDIENCE, iat: nowSeconds, exp: nowSeconds + 600, ...claims };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = createSign("RSA-SHA256").update(input).sign(readFileSync(join(ROOT, "test/e2e/fixtures/oidc-test-key.pem")));
  return `${input}.${b64url(signature)}`;
}

/** Verifies a token against envoy/oidc-jwks.json as jwt_authn would (kid lookup, RS256). */
export function verifyWithComposeJwks(token: string): Record<string, unknown> | null {
  const [h, p, s] = token.split(".");
  if (!h || !p || !s) return null;
  const header = JSON.parse(Buffer.from(h, "base64url").toString()) as { kid?: string; alg?: string };
  const jwks = JSON.parse(readFileSync(join(ROOT, "envoy/oidc-jwks.json"), "utf8")) as { keys: Array<JsonWebKey & { kid?: string }> };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== "RS256") return null;
  const ok = createVerify("RSA-SHA256").update(`${h}.${p}`).verify(createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(s, "base64url"));
  return ok ? (JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>) : null;
}
