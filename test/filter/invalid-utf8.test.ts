// Header values that are not UTF-8 (the engineering rule "nothing may trap"). Envoy's HTTP/1 codec
// passes obs-text bytes (0x80-0xFF) through, so any header — a credential, `:path`, `:authority` —
// can carry invalid UTF-8. The module decodes header values lossily, one U+FFFD per maximal
// invalid subpart (docs/behaviour.md says so for decoded query bytes; header values get the same
// decoding), and everything downstream works on that text: the authrep then carries the
// percent-encoded UTF-8 of U+FFFD, %EF%BF%BD, and decode ops refuse non-UTF-8 results
// (docs/operations.md), so a credential that only resolves through them is missing.
import { describe, expect, it } from "vitest";
import type { HeaderValue, ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { b64, BACKEND_CLUSTER, config, credentialsOf, expectReply, onlyAuthrep, REPLY, startFilter, type Json } from "./harness.js";
import { CREDENTIALS } from "./fixtures.js";

type RawHeaders = Array<[string, HeaderValue]>;

/** bytes concatenates ASCII text and single byte values. */
function bytes(...parts: Array<string | number>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else for (let i = 0; i < p.length; i++) out.push(p.charCodeAt(i));
  }
  return Uint8Array.from(out);
}

const FFFD = "%EF%BF%BD";

function request(path: HeaderValue, extra: RawHeaders = [], authority: HeaderValue = "api.example.com", method: HeaderValue = "GET"): RawHeaders {
  return [[":method", method], [":path", path], [":authority", authority], [":scheme", "http"], ...extra];
}

/** sendRaw opens a stream, sends the headers (end of stream) and asserts that nothing trapped. */
function sendRaw(sim: ProxyWasmSimulator, headers: RawHeaders) {
  const s = sim.newHttpStream();
  const phase = s.sendRequestHeaders(headers, { endOfStream: true });
  expect(phase.trapped).toBeUndefined();
  expect(sim.vmState.status).toBe("ok");
  return s;
}

async function filterWith(svc: Json = {}): Promise<ProxyWasmSimulator> {
  return startFilter(config({}, svc), { logLevel: "trace" });
}

/** authrepCredentials: the credentials of the only authrep; answers it 200 and checks the request went on. */
function authrepCredentials(sim: ProxyWasmSimulator, s: ReturnType<typeof sendRaw>): Record<string, string> {
  const { call, authrep } = onlyAuthrep(sim);
  call.respond({ status: 200 });
  expect(s.requestDecision).toBe("continued");
  return credentialsOf(authrep);
}

/** The invalid sequences, with the authrep value of "k" + sequence + "z" after lossy decoding. */
const INVALID: Array<{ name: string; seq: number[]; encoded: string }> = [
  { name: "a lone continuation byte 0x80", seq: [0x80], encoded: `k${FFFD}z` },
  { name: "0xFF", seq: [0xff], encoded: `k${FFFD}z` },
  { name: "a truncated three-byte sequence E2 82", seq: [0xe2, 0x82], encoded: `k${FFFD}z` },
  { name: "a truncated four-byte sequence F0 9F 98", seq: [0xf0, 0x9f, 0x98], encoded: `k${FFFD}z` },
  { name: "an overlong '/' C0 AF (two invalid bytes)", seq: [0xc0, 0xaf], encoded: `k${FFFD}${FFFD}z` },
  { name: "an overlong NUL E0 80 80", seq: [0xe0, 0x80, 0x80], encoded: `k${FFFD}${FFFD}${FFFD}z` },
  { name: "an encoded surrogate ED A0 80", seq: [0xed, 0xa0, 0x80], encoded: `k${FFFD}${FFFD}${FFFD}z` },
  { name: "a code point above U+10FFFF F4 90 80 80", seq: [0xf4, 0x90, 0x80, 0x80], encoded: `k${FFFD}${FFFD}${FFFD}${FFFD}z` },
];

describe("a user_key header with invalid UTF-8", () => {
  it.each(INVALID)("$name is decoded lossily and sent to backend as U+FFFD, percent-encoded", async ({ seq, encoded }) => {
    const sim = await filterWith();
    const s = sendRaw(sim, request("/", [["user_key", bytes("k", ...seq, "z")]]));
    expect(authrepCredentials(sim, s)).toEqual({ user_key: encoded });
  });

  it("valid multi-byte UTF-8 next to an invalid byte is kept (é then 0xFF)", async () => {
    const sim = await filterWith();
    const s = sendRaw(sim, request("/", [["user_key", bytes("k", 0xc3, 0xa9, 0xff)]]));
    expect(authrepCredentials(sim, s)).toEqual({ user_key: `k%C3%A9${FFFD}` });
  });

  it("never logs the key in clear, at trace level, through the answer", async () => {
    const sim = await filterWith();
    const s = sendRaw(sim, request("/", [["user_key", bytes("secret-user-key-", 0xff, "-tail-9876")]]));
    const { call } = onlyAuthrep(sim);
    call.respond({ status: 403, headers: [["3scale-rejection-reason", "user_key_invalid"]] });
    expectReply(s, REPLY.authFailed);
    expect(sim.logs.length).toBeGreaterThan(0);
    for (const line of sim.logs) {
      expect(line.message).not.toContain("secret-user-key");
      expect(line.message).not.toContain("\uFFFD-tail-9876");
    }
  });
});

describe("authorization: Basic with invalid UTF-8", () => {
  const ID_KEY = b64("aladdin:opensesame");
  it.each([
    {
      name: "simple ops, invalid byte in the scheme: the scheme is not checked, the credentials resolve",
      creds: CREDENTIALS.basicSimple,
      value: bytes("Basic", 0xff, " ", ID_KEY),
      expected: { app_id: "aladdin", app_key: "opensesame" },
    },
    {
      name: "extended ops, invalid byte in the scheme: the Basic glob fails",
      creds: CREDENTIALS.basicExtended,
      value: bytes("Basic", 0xff, " ", ID_KEY),
      expected: REPLY.credentialsMissing,
    },
    {
      name: "extended ops, invalid byte before the scheme",
      creds: CREDENTIALS.basicExtended,
      value: bytes(0xc0, 0xaf, "Basic ", ID_KEY),
      expected: REPLY.credentialsMissing,
    },
    {
      name: "simple ops, invalid byte inside the base64: U+FFFD is not base64",
      creds: CREDENTIALS.basicSimple,
      value: bytes("Basic ", ID_KEY.slice(0, 4), 0x80, ID_KEY.slice(4)),
      expected: REPLY.credentialsMissing,
    },
    {
      name: "extended ops, encoded surrogate inside the base64",
      creds: CREDENTIALS.basicExtended,
      value: bytes("Basic ", ID_KEY.slice(0, 8), 0xed, 0xa0, 0x80, ID_KEY.slice(8)),
      expected: REPLY.credentialsMissing,
    },
    {
      name: "simple ops, valid base64 whose decoded bytes are not UTF-8: base64 refuses to produce them",
      creds: CREDENTIALS.basicSimple,
      value: `Basic ${Buffer.from(bytes("id", 0xff, ":key")).toString("base64")}`,
      expected: REPLY.credentialsMissing,
    },
  ])("$name", async ({ creds, value, expected }) => {
    const sim = await filterWith({ credentials: creds });
    const s = sendRaw(sim, request("/", [["authorization", value], ["app_key", bytes("key", 0xff)]]));
    if ("app_id" in expected) {
      expect(authrepCredentials(sim, s)).toEqual(expected);
    } else {
      expect(sim.httpCalls.pending().filter((c) => c.cluster === BACKEND_CLUSTER)).toHaveLength(0);
      expectReply(s, expected);
    }
    for (const line of sim.logs) expect(line.message).not.toContain("opensesame");
  });
});

describe("x-jwt-payload with invalid UTF-8", () => {
  const payload = (json: string) => Buffer.from(json, "utf8").toString("base64url");
  it("the valid payload resolves (control)", async () => {
    const sim = await filterWith({ credentials: CREDENTIALS.jwtPayloadHeader });
    const s = sendRaw(sim, request("/", [["x-jwt-payload", bytes(payload('{"azp":"app"}'))]]));
    expect(authrepCredentials(sim, s)).toEqual({ app_id: "app" });
  });

  it.each([
    { name: "an invalid byte before the base64", value: bytes(0xff, payload('{"azp":"app"}')) },
    { name: "an invalid byte inside the base64", value: bytes(payload('{"azp":"app"}').slice(0, 6), 0x80, payload('{"azp":"app"}').slice(6)) },
    { name: "base64 of JSON whose string holds invalid UTF-8", value: Buffer.from(bytes('{"azp":"a', 0xff, '"}')).toString("base64url") },
  ])("$name → no credentials (403)", async ({ value }) => {
    const sim = await filterWith({ credentials: CREDENTIALS.jwtPayloadHeader });
    const s = sendRaw(sim, request("/", [["x-jwt-payload", value]]));
    expectReply(s, REPLY.credentialsMissing);
  });
});

describe(":path with invalid UTF-8", () => {
  it.each(INVALID)("a raw $name in the query value decodes like its %XX form", async ({ seq, encoded }) => {
    const sim = await filterWith();
    const raw = sendRaw(sim, request(bytes("/?user_key=k", ...seq, "z")));
    const viaRaw = authrepCredentials(sim, raw);
    const pct = sendRaw(sim, request(`/?user_key=k${seq.map((b) => `%${b.toString(16).toUpperCase()}`).join("")}z`));
    expect(viaRaw).toEqual({ user_key: encoded });
    expect(authrepCredentials(sim, pct)).toEqual(viaRaw);
  });

  it("an invalid byte in a query item's name makes it a different name: the next item wins", async () => {
    const sim = await filterWith();
    const s = sendRaw(sim, request(bytes("/?user", 0xed, 0xa0, 0x80, "_key=wrong&user_key=right")));
    expect(authrepCredentials(sim, s)).toEqual({ user_key: "right" });
  });

  const rule = (pattern: string) => [{ method: "GET", pattern, usages: [{ name: "hits", delta: 1 }] }];
  it.each([
    { name: "P is matched as %EF%BF%BD (0xFF)", path: bytes("/caf", 0xff), pattern: `/caf${FFFD}$`, matches: true },
    { name: "P never matches the valid spelling (overlong C0 AF is not '/')", path: bytes("/a", 0xc0, 0xaf, "b"), pattern: "/a/b", matches: false },
    { name: "a placeholder takes the encoded U+FFFD (truncated E2 82)", path: bytes("/x/", 0xe2, 0x82, "/y"), pattern: "/x/{id}/y$", matches: true },
    { name: "a placeholder takes encoded U+FFFDs (surrogate ED A0 80)", path: bytes("/x/", 0xed, 0xa0, 0x80, "/y"), pattern: `/x/${FFFD}${FFFD}${FFFD}/y$`, matches: true },
    { name: "Q is matched with U+FFFD percent-encoded (0x80)", path: bytes("/p?a=", 0x80), pattern: `/p?a=${FFFD}`, matches: true },
    { name: "Q items are prefixes: a=%EF matches the encoded U+FFFD", path: bytes("/p?a=", 0x80), pattern: "/p?a=%EF", matches: true },
    { name: "an invalid byte never matches the literal character it resembles (0xE9 is not é)", path: bytes("/p?a=caf", 0xe9), pattern: "/p?a=caf%C3%A9", matches: false },
  ])("mapping rules: $name", async ({ path, pattern, matches }) => {
    const sim = await filterWith({ mapping_rules: rule(pattern) });
    const s = sendRaw(sim, request(path, [["user_key", "k"]]));
    if (matches) expect(authrepCredentials(sim, s)).toEqual({ user_key: "k" });
    else expectReply(s, REPLY.noMappingRule);
  });

  it("an invalid byte in :method makes it no method a rule names", async () => {
    const sim = await filterWith();
    const s = sendRaw(sim, request("/", [["user_key", "k"]], "api.example.com", bytes("GET", 0xff)));
    expectReply(s, REPLY.noMappingRule);
  });
});

describe(":authority with invalid UTF-8", () => {
  it.each([
    { name: "an exact authority does not match the lossy decoding", authorities: ["api.example.com"], authrep: false },
    { name: "a glob's * matches the U+FFFD", authorities: ["api*.example.com"], authrep: true },
    { name: "* matches any authority", authorities: ["*"], authrep: true },
  ])("$name", async ({ authorities, authrep }) => {
    const sim = await filterWith({ authorities });
    const s = sendRaw(sim, request("/", [["user_key", "k"]], bytes("api", 0xff, ".example.com")));
    if (authrep) expect(authrepCredentials(sim, s)).toEqual({ user_key: "k" });
    else expectReply(s, REPLY.unknownService);
  });
});

describe("strip_credentials with invalid UTF-8 in :path", () => {
  const rawPath = bytes("/caf", 0xff, "?a=", 0xc0, 0xaf);
  const pathOf = (hs: ReadonlyArray<readonly [string, HeaderValue]> | undefined) => hs?.find(([k]) => k === ":path")?.[1];

  it("a header credential is removed and :path goes upstream byte for byte", async () => {
    const sim = await filterWith({ strip_credentials: true });
    const s = sendRaw(sim, request(rawPath, [["user_key", bytes("k", 0x80)]]));
    expect(authrepCredentials(sim, s)).toEqual({ user_key: `k${FFFD}` });
    const up = s.forwardedUpstream!;
    expect(up.headers!.some(([k]) => k === "user_key")).toBe(false);
    expect(pathOf(up.rawHeaders)).toEqual(rawPath);
  });

  // features.md ("Credential stripping"): the other query items, and the path, keep their bytes.
  // The module rewrites :path on the raw bytes, so invalid UTF-8 goes upstream exactly as sent.
  it("a query credential is removed and every other byte of :path goes upstream unchanged", async () => {
    const sim = await filterWith({ strip_credentials: true });
    const s = sendRaw(sim, request(bytes("/caf", 0xff, "?a=", 0xc0, 0xaf, "&user_key=k&b=", 0xe2, 0x82)));
    expect(authrepCredentials(sim, s)).toEqual({ user_key: "k" });
    const up = s.forwardedUpstream!;
    const path = up.rawHeaders!.find(([k]) => k === ":path")![1];
    expect(Buffer.from(path as Uint8Array)).toEqual(Buffer.from(bytes("/caf", 0xff, "?a=", 0xc0, 0xaf, "&b=", 0xe2, 0x82)));
  });

  it("a query credential whose name is spelled with percent-escapes is removed too", async () => {
    const sim = await filterWith({ strip_credentials: true });
    const s = sendRaw(sim, request(bytes("/x?user%5Fkey=k&z=", 0xff)));
    expect(authrepCredentials(sim, s)).toEqual({ user_key: "k" });
    const path = s.forwardedUpstream!.rawHeaders!.find(([k]) => k === ":path")![1];
    expect(Buffer.from(path as Uint8Array)).toEqual(Buffer.from(bytes("/x?z=", 0xff)));
  });
});

describe("invalid UTF-8 in answers and in the rest of the exchange", () => {
  it("a backend 409 whose 3scale-rejection-reason is not UTF-8 is an authorization failure, not a trap", async () => {
    const sim = await filterWith();
    const s = sendRaw(sim, request("/", [["user_key", "k"]]));
    const { call } = onlyAuthrep(sim);
    const r = call.respond({ status: 409, headers: [["3scale-rejection-reason", bytes("limits_exceeded", 0xff)]] });
    expect(r.trapped).toBeUndefined();
    expectReply(s, REPLY.authFailed);
  });

  it("response headers and trailers with invalid UTF-8 pass through untouched", async () => {
    const sim = await filterWith();
    const s = sendRaw(sim, request("/", [["user_key", "k"]]));
    onlyAuthrep(sim).call.respond({ status: 200 });
    const h = s.sendResponseHeaders([[":status", "200"], ["x-raw", bytes(0xc0, 0xaf)]], { endOfStream: false });
    expect(h.trapped).toBeUndefined();
    expect(s.sendResponseTrailers([["x-trailer", bytes(0xff)]]).trapped).toBeUndefined();
    s.complete();
    expect(sim.vmState.status).toBe("ok");
    expect(s.sentDownstream?.headers?.find(([k]) => k === "x-raw")).toEqual(["x-raw", "\uFFFD\uFFFD"]);
  });
});
