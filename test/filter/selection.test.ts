// Service selection (docs/behaviour.md table R24).
import { describe, expect, it } from "vitest";
import { config, expectReply, onlyAuthrep, REPLY, send, service, startFilter, type Headers } from "./harness.js";

const AUTHORITIES = ["*.app", "0.0.0.0", "0.0.0.0:8443"];

function headers(scheme: string | null, authority: string | null, extra: Headers = []): Headers {
  const h: Headers = [[":method", "GET"], [":path", "/?user_key=k"]];
  if (authority !== null) h.push([":authority", authority]);
  if (scheme !== null) h.push([":scheme", scheme]);
  return [...h, ...extra];
}

describe("service selection by normalised authority", () => {
  it.each([
    ["http", "web.app", [], true],
    ["https", "web.app:443", [], true],
    ["http", "web.app:443", [], false],
    ["http", "Web.APP:8080", [], false],
    ["https", "0.0.0.0:8443", [], true],
    ["http", "0.0.0.0:80", [], true],
    [null, "web.app:80", [["x-forwarded-proto", "http"]], true],
    [null, "web.app:80", [["x-forwarded-proto", "HTTP"]], true],
    [null, "web.app:80", [["x-forwarded-proto", "http, https"]], true],
    [null, "web.app:80", [["x-forwarded-proto", "https"], ["x-forwarded-proto", "http"]], false],
    [null, "web.app:443", [], true],
    ["https", "0a0b0c0", [], false],
    ["http", "web.app", [], true],
    ["http", "web.app:8080", [], false],
  ] as Array<[string | null, string, Headers, boolean]>)("scheme %s, authority %s → selected: %s", async (scheme, authority, extra, selected) => {
    const sim = await startFilter(config({}, { authorities: AUTHORITIES }));
    const s = send(sim, headers(scheme, authority, extra));
    if (selected) {
      expect(s.localResponse ?? null).toBeNull();
      onlyAuthrep(sim);
    } else {
      expectReply(s, REPLY.unknownService);
      expect(sim.httpCalls.all()).toHaveLength(0);
    }
  });

  it("the first service whose authorities match wins, in configuration order", async () => {
    const sim = await startFilter(config({
      services: [
        service({ id: "first", authorities: ["api.example.com"] }),
        service({ id: "second", authorities: ["*"] }),
      ],
    }));
    send(sim, headers("http", "other.example.com"));
    send(sim, headers("http", "api.example.com"));
    const ids = sim.httpCalls.all().map((c) => new URLSearchParams(c.path.split("?")[1]).get("service_id"));
    expect(ids).toEqual(["second", "first"]);
  });

  it("a missing :authority is \"\", which the default [\"*\"] matches (G5)", async () => {
    const sim = await startFilter(config());
    const s = send(sim, headers("http", null));
    expect(s.localResponse ?? null).toBeNull();
    onlyAuthrep(sim);
  });

  it("a missing :authority does not match a non-empty pattern", async () => {
    const sim = await startFilter(config({}, { authorities: ["*.app"] }));
    expectReply(send(sim, headers("http", null)), REPLY.unknownService);
  });
});
