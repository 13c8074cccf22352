// docs/configuration.md: upstream objects (URL rules and derived values), system, backend and
// its extensions.
import { describe, expect, it } from "vitest";
import { minimalConfig, SYSTEM_TOKEN, systemObject, validate, withBackend, type Json } from "./entry.js";

function withBackendUpstream(upstream: { [k: string]: Json }): { [k: string]: Json } {
  return withBackend((b) => {
    b.upstream = upstream;
  });
}

describe("upstream URL: derived values", () => {
  it.each([
    { url: "https://su1.3scale.net/", scheme: "https", authority: "su1.3scale.net", basePath: "/", query: "" },
    { url: "https://h", scheme: "https", authority: "h", basePath: "/", query: "" },
    { url: "https://h/base", scheme: "https", authority: "h", basePath: "/base/", query: "" },
    { url: "https://h/base/", scheme: "https", authority: "h", basePath: "/base/", query: "" },
    { url: "HTTPS://Backend.Example.COM/A/b", scheme: "https", authority: "backend.example.com", basePath: "/A/b/", query: "" },
    { url: "http://h:80/", scheme: "http", authority: "h", basePath: "/", query: "" },
    { url: "http://h:443/", scheme: "http", authority: "h:443", basePath: "/", query: "" },
    { url: "https://h:443", scheme: "https", authority: "h", basePath: "/", query: "" },
    { url: "https://h:8443/x", scheme: "https", authority: "h:8443", basePath: "/x/", query: "" },
    { url: "http://h:0080/", scheme: "http", authority: "h", basePath: "/", query: "" },
    { url: "http://127.0.0.1:3000", scheme: "http", authority: "127.0.0.1:3000", basePath: "/", query: "" },
    { url: "http://[::1]:8080/api", scheme: "http", authority: "[::1]:8080", basePath: "/api/", query: "" },
    { url: "https://[2001:DB8::1]", scheme: "https", authority: "[2001:db8::1]", basePath: "/", query: "" },
    { url: "https://h/p?a=1&b=2", scheme: "https", authority: "h", basePath: "/p/", query: "a=1&b=2" },
    { url: "https://h?tenant=x", scheme: "https", authority: "h", basePath: "/", query: "tenant=x" },
    { url: "https://h/?", scheme: "https", authority: "h", basePath: "/", query: "" },
  ])("$url → $scheme $authority $basePath ?$query", async ({ url, scheme, authority, basePath, query }) => {
    const r = await validate(withBackendUpstream({ name: "backend", url }));
    expect(r.errors).toEqual([]);
    expect(r.config?.backend.upstream).toMatchObject({ url, scheme, authority, basePath, query });
  });
});

describe("upstream URL: invalid forms", () => {
  it.each([
    { url: "", why: "empty URL" },
    { url: "su1.3scale.net", why: "expected an absolute http:// or https:// URL" },
    { url: "/relative/path", why: "expected an absolute http:// or https:// URL" },
    { url: "ftp://h/", why: "unsupported scheme (expected http or https)" },
    { url: "grpc://h/", why: "unsupported scheme (expected http or https)" },
    { url: "https://", why: "empty host" },
    { url: "https:///path", why: "empty host" },
    { url: "https://:443/", why: "empty host" },
    { url: "https://user:pass@h/", why: "userinfo is not allowed" },
    { url: "https://user@h/", why: "userinfo is not allowed" },
    { url: "https://h/#frag", why: "a #fragment is not allowed" },
    { url: "https://h/a b", why: "whitespace is not allowed" },
    { url: " https://h/", why: "whitespace is not allowed" },
    { url: "https://h/\n", why: "whitespace is not allowed" },
    { url: "https://h/\u0001", why: "control characters are not allowed" },
    { url: "https://h:/", why: "empty port" },
    { url: "https://h:0/", why: "port out of range (1..65535)" },
    { url: "https://h:65536/", why: "port out of range (1..65535)" },
    { url: "https://h:99999999999999999999/", why: "port out of range (1..65535)" },
    { url: "https://h:8a/", why: "invalid port" },
    { url: "https://h:1:2/", why: "invalid port" },
    { url: "https://[::1/", why: "unterminated IPv6 address" },
    { url: "https://[]/", why: "empty host" },
    { url: "https://[::1]x/", why: "unexpected characters after the IPv6 address" },
    { url: "https://h\u00e9/", why: "invalid character in host" },
    { url: "https://h\"/", why: "invalid character in host" },
  ])("$url → invalid URL: $why", async ({ url, why }) => {
    const r = await validate(withBackendUpstream({ name: "backend", url }));
    expect(r.errors).toEqual([`backend.upstream.url: invalid URL: ${why}`]);
  });
});

describe("upstream fields", () => {
  it.each([
    { name: "timeout defaults to 1000 ms", upstream: { name: "b", url: "https://h/" }, timeout: 1000 },
    { name: "timeout 0 (no timeout)", upstream: { name: "b", url: "https://h/", timeout: 0 }, timeout: 0 },
    { name: "timeout at its maximum", upstream: { name: "b", url: "https://h/", timeout: 2147483647 }, timeout: 2147483647 },
    { name: "timeout null means the default", upstream: { name: "b", url: "https://h/", timeout: null }, timeout: 1000 },
  ])("$name", async ({ upstream, timeout }) => {
    const r = await validate(withBackendUpstream(upstream));
    expect(r.ok).toBe(true);
    expect(r.config?.backend.upstream.timeout).toBe(timeout);
  });

  it.each([
    { name: "name missing", upstream: { url: "https://h/" }, error: "backend.upstream.name: missing required field" },
    { name: "name empty", upstream: { name: "", url: "https://h/" }, error: "backend.upstream.name: must not be empty" },
    { name: "name not a string", upstream: { name: 7, url: "https://h/" }, error: "backend.upstream.name: expected string, got integer" },
    { name: "url missing", upstream: { name: "b" }, error: "backend.upstream.url: missing required field" },
    { name: "url null", upstream: { name: "b", url: null }, error: "backend.upstream.url: missing required field" },
    { name: "url not a string", upstream: { name: "b", url: ["https://h/"] }, error: "backend.upstream.url: expected string, got array" },
    { name: "timeout negative", upstream: { name: "b", url: "https://h/", timeout: -1 }, error: "backend.upstream.timeout: integer out of range (0..2147483647)" },
    { name: "timeout too large", upstream: { name: "b", url: "https://h/", timeout: 2147483648 }, error: "backend.upstream.timeout: integer out of range (0..2147483647)" },
    { name: "timeout with a fraction", upstream: { name: "b", url: "https://h/", timeout: 5000.5 }, error: "backend.upstream.timeout: expected integer, got number" },
    { name: "timeout as a string", upstream: { name: "b", url: "https://h/", timeout: "5000" }, error: "backend.upstream.timeout: expected integer, got string" },
    { name: "timeout as a boolean", upstream: { name: "b", url: "https://h/", timeout: true }, error: "backend.upstream.timeout: expected integer, got boolean" },
  ])("$name → $error", async ({ upstream, error }) => {
    const r = await validate(withBackendUpstream(upstream as { [k: string]: Json }));
    expect(r.errors).toEqual([error]);
  });

  it.each([
    { text: "5000.0", error: "backend.upstream.timeout: expected integer, got number" },
    { text: "5e3", error: "backend.upstream.timeout: expected integer, got number" },
  ])("timeout written $text is not an integer", async ({ text, error }) => {
    const doc = JSON.stringify(withBackendUpstream({ name: "b", url: "https://h/", timeout: 1 })).replace('"timeout":1', `"timeout":${text}`);
    const r = await validate(doc);
    expect(r.errors).toEqual([error]);
  });

  it("warns about an unknown member of an upstream", async () => {
    const r = await validate(withBackendUpstream({ name: "b", url: "https://h/", retries: 3 }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["backend.upstream.retries: unknown field"]);
  });
});

describe("system", () => {
  it("reads the upstream, the token and the default ttl 600", async () => {
    const r = await validate({ ...minimalConfig(), system: systemObject() });
    expect(r.ok).toBe(true);
    expect(r.config?.system).toMatchObject({
      token: SYSTEM_TOKEN,
      ttl: 600,
      upstream: { name: "3scale-system", scheme: "https", authority: "tenant-admin.3scale.net", basePath: "/", timeout: 1000 },
    });
  });

  it.each([
    { ttl: 0, expected: 0 },
    { ttl: 5, expected: 5 },
    { ttl: 4294967295, expected: 4294967295 },
    { ttl: null, expected: 600 },
  ])("ttl $ttl is accepted as $expected", async ({ ttl, expected }) => {
    const r = await validate({ ...minimalConfig(), system: { ...systemObject(), ttl } });
    expect(r.ok).toBe(true);
    expect(r.config?.system?.ttl).toBe(expected);
  });

  it.each([
    { name: "token missing", patch: { token: undefined }, error: "system.token: missing required field" },
    { name: "token empty", patch: { token: "" }, error: "system.token: must not be empty" },
    { name: "token a number", patch: { token: 12345 }, error: "system.token: expected string, got integer" },
    { name: "upstream missing", patch: { upstream: undefined }, error: "system.upstream: missing required field" },
    { name: "upstream with a bad URL", patch: { upstream: { name: "s", url: "https://u@h/" } }, error: "system.upstream.url: invalid URL: userinfo is not allowed" },
    { name: "ttl negative", patch: { ttl: -1 }, error: "system.ttl: integer out of range (0..4294967295)" },
    { name: "ttl too large", patch: { ttl: 4294967296 }, error: "system.ttl: integer out of range (0..4294967295)" },
    { name: "ttl as a string", patch: { ttl: "600" }, error: "system.ttl: expected integer, got string" },
    { name: "name not a string", patch: { name: 1 }, error: "system.name: expected string, got integer" },
  ])("$name → $error", async ({ patch, error }) => {
    const r = await validate({ ...minimalConfig(), system: { ...systemObject(), ...patch } as Json });
    expect(r.errors).toEqual([error]);
  });

  it("accepts an informational name and warns about unknown members", async () => {
    const r = await validate({ ...minimalConfig(), system: { ...systemObject(), name: "system-name", refresh: 1 } });
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["system.refresh: unknown field"]);
  });
});

describe("backend and its extensions", () => {
  it.each([
    { name: "no extensions", extensions: undefined, header: "rejection_reason_header=1" },
    { name: "an empty list", extensions: [], header: "rejection_reason_header=1" },
    { name: "null", extensions: null, header: "rejection_reason_header=1" },
    { name: "a name is sent as name=1", extensions: ["no_body"], header: "rejection_reason_header=1&no_body=1" },
    { name: "name=value is sent as written", extensions: ["limit_headers=0"], header: "rejection_reason_header=1&limit_headers=0" },
    { name: "an empty value", extensions: ["hierarchy="], header: "rejection_reason_header=1&hierarchy=" },
    { name: "value characters . ~ - _", extensions: ["flat_usage=a.b~c-d_e"], header: "rejection_reason_header=1&flat_usage=a.b~c-d_e" },
    { name: "several, in order", extensions: ["no_body", "list_app_keys", "hierarchy"], header: "rejection_reason_header=1&no_body=1&list_app_keys=1&hierarchy=1" },
    { name: "duplicates are sent once", extensions: ["no_body", "no_body", "no_body=1"], header: "rejection_reason_header=1&no_body=1" },
  ])("$name → $header", async ({ extensions, header }) => {
    const r = await validate(withBackend((b) => {
      if (extensions !== undefined) b.extensions = extensions;
    }));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config?.backend.optionsHeader).toBe(header);
  });

  it.each([
    { entry: "rejection_reason_header" },
    { entry: "rejection_reason_header=0" },
    { entry: "rejection_reason_header=1" },
  ])("$entry is dropped with a warning", async ({ entry }) => {
    const r = await validate(withBackend((b) => {
      b.extensions = ["no_body", entry];
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["backend.extensions[1]: dropped; the module always sends rejection_reason_header=1"]);
    expect(r.config?.backend.optionsHeader).toBe("rejection_reason_header=1&no_body=1");
  });

  it("an unknown extension name is sent with a warning", async () => {
    const r = await validate(withBackend((b) => {
      b.extensions = ["future_thing=2"];
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(['backend.extensions[0]: unknown extension "future_thing": sent anyway']);
    expect(r.config?.backend.optionsHeader).toBe("rejection_reason_header=1&future_thing=2");
  });

  it.each([
    { entry: "", error: 'backend.extensions[0]: invalid extension ""' },
    { entry: "no body", error: 'backend.extensions[0]: invalid extension "no body"' },
    { entry: "=1", error: 'backend.extensions[0]: invalid extension "=1"' },
    { entry: "no_body=1=2", error: 'backend.extensions[0]: invalid extension "no_body=1=2"' },
    { entry: "no_body=a&b=1", error: 'backend.extensions[0]: invalid extension "no_body=a&b=1"' },
    { entry: "no-body", error: 'backend.extensions[0]: invalid extension "no-body"' },
    { entry: "nö_body", error: 'backend.extensions[0]: invalid extension "nö_body"' },
    { entry: 1, error: "backend.extensions[0]: expected string, got integer" },
  ])("$entry is invalid", async ({ entry, error }) => {
    const r = await validate(withBackend((b) => {
      b.extensions = [entry];
    }));
    expect(r.errors).toEqual([error]);
  });

  it.each([
    { name: "upstream missing", patch: { upstream: undefined }, error: "backend.upstream: missing required field" },
    { name: "upstream a string", patch: { upstream: "https://su1.3scale.net/" }, error: "backend.upstream: expected object, got string" },
    { name: "extensions a string", patch: { extensions: "no_body" }, error: "backend.extensions: expected array, got string" },
    { name: "name not a string", patch: { name: false }, error: "backend.name: expected string, got boolean" },
  ])("$name → $error", async ({ patch, error }) => {
    const r = await validate(withBackend((b) => Object.assign(b, patch)));
    expect(r.errors).toEqual([error]);
  });

  it("warns about an unknown backend member", async () => {
    const r = await validate(withBackend((b) => {
      b.name = "backend-name";
      b.colour = true; // (backend.cache is a known member)
    }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(["backend.colour: unknown field"]);
  });
});
