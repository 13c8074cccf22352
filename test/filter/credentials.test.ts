// Credential resolution through the whole filter (docs/behaviour.md, acceptance table R1–R20b).
import { describe, expect, it } from "vitest";
import { b64, config, credentialsOf, expectReply, get, onlyAuthrep, REPLY, send, requestHeaders, startFilter, type Headers, type Json } from "./harness.js";
import { CREDENTIALS } from "./fixtures.js";

interface Case {
  name: string;
  credentials: Json;
  path?: string;
  headers?: Headers;
  metadata?: Record<string, Json>;
  expected: Record<string, string> | "missing";
}

const JWT_NS = "envoy.filters.http.jwt_authn";
const b64url = (s: string) => Buffer.from(s).toString("base64url");

const cases: Case[] = [
  { name: "R1 user_key from the query", credentials: CREDENTIALS.userKeyQueryThenHeader!, path: "/?user_key=K", expected: { user_key: "K" } },
  { name: "R2 user_key from a header", credentials: CREDENTIALS.userKeyQueryThenHeader!, headers: [["user_key", "H"]], expected: { user_key: "H" } },
  { name: "R3 the first source wins", credentials: CREDENTIALS.userKeyQueryThenHeader!, path: "/?user_key=K", headers: [["user_key", "H"]], expected: { user_key: "K" } },
  { name: "R4 no credential → 403 missing", credentials: CREDENTIALS.userKeyQueryThenHeader!, expected: "missing" },
  { name: "R4b header names are case-insensitive", credentials: CREDENTIALS.userKeyQueryThenHeader!, headers: [["User_Key", "H"]], expected: { user_key: "H" } },
  { name: "an empty header value is a valid value", credentials: CREDENTIALS.userKeyQueryThenHeader!, headers: [["user_key", ""]], expected: { user_key: "" } },
  { name: "?user_key= gives an empty user_key", credentials: CREDENTIALS.userKeyQueryThenHeader!, path: "/?user_key=", expected: { user_key: "" } },
  { name: "the first of repeated headers is used", credentials: CREDENTIALS.userKeyQueryThenHeader!, headers: [["user_key", "first"], ["user_key", "second"]], expected: { user_key: "first" } },
  { name: "R5 app_id and app_key from headers", credentials: CREDENTIALS.appIdAppKeyHeadersFirst!, headers: [["app_id", "A"], ["app_key", "B"]], expected: { app_id: "A", app_key: "B" } },
  { name: "R6 app_id alone", credentials: CREDENTIALS.appIdAppKeyHeadersFirst!, path: "/?app_id=A", expected: { app_id: "A" } },
  { name: "R7 app_key alone → 403 missing", credentials: CREDENTIALS.appIdAppKeyHeadersFirst!, path: "/?app_key=B", expected: "missing" },
  { name: "user_key beats app_id", credentials: { ...CREDENTIALS.userKeyQueryThenHeader!, ...CREDENTIALS.appIdAppKeyHeadersFirst! }, path: "/?user_key=U&app_id=A&app_key=B", expected: { user_key: "U" } },
  { name: "R8 Basic (simple)", credentials: CREDENTIALS.basicSimple!, headers: [["authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"]], expected: { app_id: "aladdin", app_key: "opensesame" } },
  { name: "R8 the app_key header is not consulted when Basic gives a key", credentials: CREDENTIALS.basicSimple!, headers: [["authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"], ["app_key", "other"]], expected: { app_id: "aladdin", app_key: "opensesame" } },
  { name: "R9 Basic without key + app_key header", credentials: CREDENTIALS.basicSimple!, headers: [["authorization", "Basic YWRtaW4="], ["app_key", "K"]], expected: { app_id: "admin", app_key: "K" } },
  { name: "R10 Basic (extended)", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"]], expected: { app_id: "aladdin", app_key: "opensesame" } },
  { name: "R11 Basic admin: drops the empty key", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Basic YWRtaW46"]], expected: { app_id: "admin" } },
  { name: "R12 Basic bob:secret fails the assert", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Basic Ym9iOnNlY3JldA=="]], expected: "missing" },
  { name: "R13 Basic with a long user name", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Basic bG9uZ2VudXNlcm5hbWU="]], expected: { app_id: "longenusername" } },
  { name: "R14 Bearer is not Basic", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Bearer abc.def.ghi"]], expected: "missing" },
  { name: "R14 lower-case basic is not Basic", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "basic YWxhZGRpbjpvcGVuc2VzYW1l"]], expected: "missing" },
  { name: "R15 a 64-character key is too long", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Basic " + b64("aladdin:" + "k".repeat(64))]], expected: "missing" },
  { name: "R15 a 63-character key is accepted", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Basic " + b64("aladdin:" + "k".repeat(63))]], expected: { app_id: "aladdin", app_key: "k".repeat(63) } },
  { name: "R15b unpadded base64", credentials: CREDENTIALS.basicExtended!, headers: [["authorization", "Basic YWRtaW46cGFzczE"]], expected: { app_id: "admin", app_key: "pass1" } },
  { name: "R16 OIDC azp from jwt_authn metadata", credentials: CREDENTIALS.oidcFilter!, metadata: { [JWT_NS]: { verified_jwt: { azp: "test", aud: ["test", "x"] } } }, expected: { app_id: "test" } },
  { name: "R17 OIDC aud list when azp is absent", credentials: CREDENTIALS.oidcFilter!, metadata: { [JWT_NS]: { verified_jwt: { aud: ["a", "b"] } } }, expected: { app_id: "a" } },
  { name: "R18 no jwt metadata", credentials: CREDENTIALS.oidcFilter!, expected: "missing" },
  { name: "R18 another namespace only", credentials: CREDENTIALS.oidcFilter!, metadata: { "envoy.filters.http.other": { x: { azp: "test" } } }, expected: "missing" },
  { name: "R19 x-jwt-payload (padded)", credentials: CREDENTIALS.jwtPayloadHeader!, headers: [["x-jwt-payload", "eyJhenAiOiJteS1hcHAiLCJhdWQiOiJ4In0="]], expected: { app_id: "my-app" } },
  { name: "R20 x-jwt-payload (unpadded)", credentials: CREDENTIALS.jwtPayloadHeader!, headers: [["x-jwt-payload", "eyJhenAiOiJteS1hcHAiLCJhdWQiOiJ4In0"]], expected: { app_id: "my-app" } },
  { name: "R20b x-jwt-payload garbage", credentials: CREDENTIALS.jwtPayloadHeader!, headers: [["x-jwt-payload", "!!!"]], expected: "missing" },
  { name: "x-jwt-payload with truncated JSON", credentials: CREDENTIALS.jwtPayloadHeader!, headers: [["x-jwt-payload", b64url('{"azp":')]], expected: "missing" },
  { name: "x-jwt-payload nested 1000 levels", credentials: CREDENTIALS.jwtPayloadHeader!, headers: [["x-jwt-payload", b64url("[".repeat(1000) + "]".repeat(1000))]], expected: "missing" },
];

describe("credential resolution (docs/behaviour.md)", () => {
  it.each(cases)("$name", async (c) => {
    const sim = await startFilter(config({}, { credentials: c.credentials }));
    const s = send(sim, requestHeaders("GET", c.path ?? "/", c.headers ?? []), c.metadata);
    if (c.expected === "missing") {
      expectReply(s, REPLY.credentialsMissing);
      expect(sim.httpCalls.all()).toHaveLength(0);
      expect(sim.vmState.status).toBe("ok");
      return;
    }
    expect(s.localResponse ?? null).toBeNull();
    expect(credentialsOf(onlyAuthrep(sim).authrep)).toEqual(c.expected);
  });
});

describe("query decoding in credentials reaches the authrep re-encoded", () => {
  it.each([
    ["/?user_key=a+b", "a%20b"],
    ["/?user_key=a%2Bb", "a%2Bb"],
    ["/?user_key=%FF", "%EF%BF%BD"],
    ["/?user_key=%zz", "%25zz"],
    ["/?user%5Fkey=x", "x"],
    ["/?user_key", ""],
    ["/?other=1&user_key=pa%20ss%26x%3D1%2B2%25", "pa%20ss%26x%3D1%2B2%25"],
  ])("%s → user_key=%s", async (path, sent) => {
    const sim = await startFilter(config());
    get(sim, path);
    expect(onlyAuthrep(sim).authrep.param("user_key")).toBe(sent);
  });
});
