// Query decoding, authority normalisation, authrep percent-encoding and answer
// classification, through the pipeline's pure functions.
import { describe, expect, it } from "vitest";
import { pipelineEntry } from "./pipeline-entry.js";

describe("query_string decoding (docs/behaviour.md)", () => {
  it.each([
    ["/?user_key=K", "user_key", "=K"],
    ["/?user_key=", "user_key", "="],
    ["/?user_key", "user_key", "="],
    ["/", "user_key", "!"],
    ["/?a=1&user_key=a+b", "user_key", "=a b"],
    ["/?user_key=a%2Bb", "user_key", "=a+b"],
    ["/?user_key=%zz%4", "user_key", "=%zz%4"],
    ["/?user_key=%FF", "user_key", "=\ufffd"],
    ["/?user_key=%C3%A9", "user_key", "=\u00e9"],
    ["/?user%5Fkey=x", "user_key", "=x"],
    ["/?user_key=a=b", "user_key", "=a=b"],
    ["/?user_key=1&user_key=2", "user_key", "=1"],
    ["/?user_key=k#frag", "user_key", "=k"],
    ["/?x=1#user_key=k", "user_key", "!"],
    ["/?USER_KEY=k", "user_key", "!"],
  ])("%j, key %j → %j", async (path, name, expected) => {
    const e = await pipelineEntry();
    expect(e.queryParam(path, name)).toBe(expected);
  });
});

describe("authority normalisation (docs/behaviour.md)", () => {
  it.each([
    ["web.app", "http", "web.app"],
    ["web.app:443", "https", "web.app"],
    ["web.app:443", "http", "web.app:443"],
    ["Web.APP:8080", "http", "web.app:8080"],
    ["0.0.0.0:80", "http", "0.0.0.0"],
    ["[::1]:443", "https", "[::1]"],
    ["[::1]:8443", "https", "[::1]:8443"],
    ["", "https", ""],
  ])("%j over %s → %j", async (input, scheme, expected) => {
    const e = await pipelineEntry();
    expect(e.authority(input, scheme)).toBe(expected);
  });
});

describe("authrep value encoding (docs/behaviour.md)", () => {
  it.each([
    ["some_api_key", "some_api_key"],
    ["pa ss&x=1+2%", "pa%20ss%26x%3D1%2B2%25"],
    ["my metric", "my%20metric"],
    ["a+b", "a%2Bb"],
    ["\u00e9", "%C3%A9"],
    ["A-Z.a_z~09", "A-Z.a_z~09"],
    ["[x]", "%5Bx%5D"],
  ])("%j → %j", async (input, expected) => {
    const e = await pipelineEntry();
    expect(e.encodeValue(input)).toBe(expected);
  });
});

describe("backend answer classification (docs/behaviour.md)", () => {
  it.each([
    [3, "200", "", "200 allowed"],
    [3, "409", "limits_exceeded", "429 Usage limit exceeded"],
    [3, "409", "application_key_invalid", "403 Authentication failed"],
    [3, "409", "", "403 Authentication failed"],
    [3, "403", "", "403 Authentication failed"],
    [3, "404", "", "403 Authentication failed"],
    [3, "400", "", "403 Authentication failed"],
    [3, "422", "", "403 Authentication failed"],
    [3, "500", "", "502 Bad Gateway"],
    [3, "503", "", "502 Bad Gateway"],
    [3, "504", "", "502 Bad Gateway"],
    [0, "", "", "502 Bad Gateway"],
    [3, "202", "", "502 Bad Gateway"],
    [3, "302", "", "502 Bad Gateway"],
    [3, "101", "", "502 Bad Gateway"],
    [3, "", "", "502 Bad Gateway"],
    [3, "abc", "", "502 Bad Gateway"],
    [3, "2000", "", "502 Bad Gateway"],
  ])("%i headers, :status %j, reason %j → %s", async (n, status, reason, expected) => {
    const e = await pipelineEntry();
    expect(e.classify(n, status, reason)).toBe(expected);
  });
});
