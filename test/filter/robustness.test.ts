// Robustness vectors (docs/behaviour.md): none may trap the VM.
import { describe, expect, it } from "vitest";
import { b64, config, expectReply, onlyAuthrep, REPLY, send, startFilter, type Headers } from "./harness.js";
import { CREDENTIALS } from "./fixtures.js";

describe("robustness", () => {
  it.each([
    ["no :path", [[":method", "GET"], [":authority", "a"]]],
    ["no :method", [[":path", "/?user_key=k"], [":authority", "a"]]],
    ["empty :path", [[":method", "GET"], [":path", ""], [":authority", "a"]]],
    ["empty :method", [[":method", ""], [":path", "/"], [":authority", "a"]]],
    ["no headers at all", []],
  ] as Array<[string, Headers]>)("%s → 400 Bad Request", async (_name, headers) => {
    const sim = await startFilter(config());
    const s = send(sim, headers);
    expectReply(s, REPLY.badRequest);
    expect(sim.vmState.status).toBe("ok");
  });

  it("a 60 KiB header value is handled (as a credential and as noise)", async () => {
    const sim = await startFilter(config({}, { credentials: { user_key: [{ header: { keys: ["x-key"] } }] } }));
    const big = "k".repeat(60 * 1024);
    send(sim, [[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-noise", "n".repeat(60 * 1024)], ["x-key", big]]);
    expect(onlyAuthrep(sim).authrep.param("user_key")).toBe(big);
  });

  it("a 60 KiB path with many placeholders in rules does not blow up", async () => {
    const sim = await startFilter(config({}, { mapping_rules: [{ method: "ANY", pattern: "/{a}{b}{c}{d}{e}x$", usages: [{ name: "m", delta: 1 }] }] }));
    const s = send(sim, [[":method", "GET"], [":path", "/" + "a".repeat(60 * 1024) + "y?user_key=k"], [":authority", "a"]]);
    expectReply(s, REPLY.noMappingRule);
  });

  it("non-UTF-8 header bytes do not trap", async () => {
    const sim = await startFilter(config({}, { credentials: { user_key: [{ header: { keys: ["x-key"] } }] } }));
    const s = sim.newHttpStream();
    const bad = Buffer.from([0xff, 0xfe, 0x41, 0xc3]).toString("latin1");
    s.sendRequestHeaders([[":method", "GET"], [":path", "/\u00ff?x=\u00fe"], [":authority", "a"], ["x-key", bad]], { endOfStream: true });
    expect(sim.vmState.status).toBe("ok");
  });

  it("json op input nested 1000 levels fails the source; the next source is tried", async () => {
    const sim = await startFilter(config({}, {
      credentials: { app_id: [...(CREDENTIALS.jwtPayloadHeader!.app_id as unknown[]), { header: { keys: ["app_id"] } }] },
    }));
    send(sim, [[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-jwt-payload", b64("[".repeat(1000) + "]".repeat(1000))], ["app_id", "fallback"]]);
    expect(onlyAuthrep(sim).authrep.param("app_id")).toBe("fallback");
  });

  it("a filter source when the host has no metadata property fails cleanly", async () => {
    const sim = await startFilter(config({}, { credentials: CREDENTIALS.oidcFilter! }));
    expectReply(send(sim, [[":method", "GET"], [":path", "/"], [":authority", "a"]]), REPLY.credentialsMissing);
    expect(sim.vmState.status).toBe("ok");
  });

  it("a malformed metadata namespace value fails cleanly", async () => {
    const sim = await startFilter(config({}, { credentials: CREDENTIALS.oidcFilter! }));
    const s = send(sim, [[":method", "GET"], [":path", "/"], [":authority", "a"]], { "envoy.filters.http.jwt_authn": { verified_jwt: { aud: [] } } });
    expectReply(s, REPLY.credentialsMissing);
  });

  it("many requests with hostile paths leave the VM healthy", async () => {
    const sim = await startFilter(config());
    const paths = ["/?", "/?&&&", "/?=", "/?%", "/?user_key=%", "/?user_key=%%%", "/#", "/..", "/../../..", "//////", "/?user_key=\u0000", "*", "?", "/%F0%9F%98%80?user_key=%F0%9F"];
    for (const p of paths) send(sim, [[":method", "GET"], [":path", p], [":authority", "a"]]);
    expect(sim.vmState.status).toBe("ok");
  });
});
