// Configuration fixtures shared by the schema tests, the schema-vs-module agreement tests and the
// CLI tests. Invalid fixtures name the path and the reason the module must report
// (docs/configuration.md); valid ones cover every accepted form of every field and operation.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** A small valid configuration every fixture starts from (static token, no system). */
export function baseConfig(): Obj {
  return {
    api: "v1",
    backend: { upstream: { name: "3scale-backend", url: "http://127.0.0.1:3001/", timeout: 5000 } },
    services: [
      {
        id: "2555417834780",
        token: "service_token",
        authorities: ["*"],
        credentials: { user_key: [{ query_string: { keys: ["user_key"] } }] },
        mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
      },
    ],
  };
}

const withSystem = (c: Obj): Obj => ({
  ...c,
  system: { upstream: { name: "3scale-system", url: "http://127.0.0.1:3002/" }, token: "system_token" },
});

function service(c: Obj): Obj {
  return (c.services as Obj[])[0];
}

function edit(f: (c: Obj) => void): Obj {
  const c = baseConfig();
  f(c);
  return c;
}

/** ops: a configuration whose user_key header source runs these operations. */
export function withOps(ops: Json): Obj {
  return edit((c) => {
    service(c).credentials = { user_key: [{ header: { keys: ["authorization"], ops } }] };
  });
}

export interface ValidFixture {
  name: string;
  config: Obj;
  /** Warnings the module must log, as `<path>: <reason>` (only the ones named here are checked). */
  warnings?: string[];
}

export const validFixtures: ValidFixture[] = [
  { name: "the base configuration", config: baseConfig() },
  { name: "api alias v1.0", config: edit((c) => (c.api = "v1.0")) },
  { name: "api alias v1.0.0", config: edit((c) => (c.api = "v1.0.0")) },
  { name: "system present and no static token", config: edit((c) => {
    Object.assign(c, withSystem(c));
    delete service(c).token;
    delete service(c).mapping_rules;
  }) },
  { name: "system with ttl 0 and timeout 0", config: edit((c) => {
    Object.assign(c, withSystem(c));
    (c.system as Obj).ttl = 0;
    ((c.system as Obj).upstream as Obj).timeout = 0;
  }) },
  { name: "null on every optional field", config: edit((c) => {
    c.system = null;
    (c.backend as Obj).extensions = null;
    (c.backend as Obj).name = null;
    ((c.backend as Obj).upstream as Obj).timeout = null;
    const s = service(c);
    s.environment = null;
    s.authorities = null;
    s.credentials = { user_key: [{ header: { keys: ["user_key"], ops: null } }], app_id: null, app_key: null };
    (s.mapping_rules as Obj[])[0].last = null;
  }) },
  { name: "extensions with names and values", config: edit((c) => ((c.backend as Obj).extensions = ["no_body", "limit_headers=1", "hierarchy"])) },
  { name: "https URL with port, base path and query", config: edit((c) => (((c.backend as Obj).upstream as Obj).url = "HTTPS://Backend.example.com:8443/api?tenant=a")) },
  { name: "IPv6 backend host", config: edit((c) => (((c.backend as Obj).upstream as Obj).url = "http://[::1]:3001/")) },
  // Cache (docs/cache.md): backend.cache and backend.failure_mode.
  { name: "cache with every field and failure mode resilient", config: edit((c) => Object.assign(c.backend as Obj, { cache: { enabled: true, ttl: 60, report_interval: 10, max_entries: 1000 }, failure_mode: "resilient" })) },
  { name: "cache and failure mode null", config: edit((c) => Object.assign(c.backend as Obj, { cache: { enabled: null, ttl: null, report_interval: null, max_entries: null }, failure_mode: null })) },
  { name: "failure mode open without cache", config: edit((c) => ((c.backend as Obj).failure_mode = "open")) },
  { name: "cache ttl while disabled (warning)", config: edit((c) => ((c.backend as Obj).cache = { enabled: false, ttl: 30 })), warnings: ["backend.cache.ttl: ignored while cache.enabled is not true"] },
  { name: "unknown fields (warnings only)", config: edit((c) => {
    c.passthrough_metadata = true;
    service(c).colour = "blue";
  }), warnings: ["passthrough_metadata: unknown field", "services[0].colour: unknown field"] },
  { name: "empty authorities (warning)", config: edit((c) => (service(c).authorities = [])), warnings: ["services[0].authorities: service can never be selected"] },
  { name: "app_id and app_key sources", config: edit((c) => (service(c).credentials = {
    app_id: [{ query_string: { keys: ["app_id"] } }, { header: { keys: ["app_id"] } }],
    app_key: [{ query_string: { keys: ["app_key"] } }, { header: { keys: ["app_key"] } }],
  })) },
  { name: "filter source with the \"0\" fallback", config: edit((c) => (service(c).credentials = {
    app_id: [{ filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"], ops: [{ take: { head: 1 } }] } }],
  })) },
  { name: "filter source with empty keys", config: edit((c) => (service(c).credentials = { app_id: [{ filter: { path: ["ns"], keys: [] } }] })) },
  { name: "mapping rules with placeholders, anchors, query parts, last and zero/negative deltas", config: edit((c) => (service(c).mapping_rules = [
    { method: "ANY", pattern: "/products/{id}/sold", usages: [{ name: "sales", delta: 1 }, { name: "products", delta: 0 }] },
    { method: "get", pattern: "/abc/v{version}/id\\$$?fmt={fmt}&s=1", usages: [], last: true },
    { method: "POST", pattern: "/x*$", usages: [{ name: "refunds", delta: -1 }] },
    { method: "GET", pattern: "/foo(bar", usages: [{ name: "hits", delta: 9007199254740991 }] },
  ])) },
  { name: "every all-optional operation as a bare string", config: withOps([
    "base64_standard", "base64_urlsafe", "strrev", "reverse", "ok", "fail", "pop", "dup", "strlen", "split", "rsplit", "length", "take", "drop", "values",
  ]) },
  { name: "every all-optional operation as {name: null}", config: withOps([
    { base64_standard: null }, { base64_urlsafe: null }, { strrev: null }, { reverse: null }, { ok: null }, { fail: null }, { pop: null }, { dup: null },
    { strlen: null }, { split: null }, { rsplit: null }, { length: null }, { take: null }, { drop: null }, { values: null },
  ]) },
  { name: "parameterless operations as {name: {}}", config: withOps([{ reverse: {} }, { base64_urlsafe: {} }, { strrev: {} }, { ok: {} }, { split: {} }, { values: {} }]) },
  { name: "every operation with its parameters (object form)", config: withOps([
    { strlen: { min: 1, max: 63, mode: "Bytes" } },
    { split: { separator: " ", max: 2 } },
    { rsplit: { separator: ":", max: 0 } },
    { replace: { pattern: "a", with: "b", max: 2 } },
    { prefix: "Basic " }, { suffix: "=" }, { substr: "x" }, { glob: ["Basic", "Bearer*"] },
    { length: { min: 1, max: 4294967295 } }, { join: "," }, { contains: "a" }, { push: "x" },
    { pop: 0 }, { dup: -2147483648 }, { dup: 2147483647 }, { xchg: "z" },
    { take: { head: 1, tail: 1 } }, { drop: { head: 0, tail: 1 } }, { swap: { from: 0, to: -1 } }, { indexes: [2, 0, -1] },
    { flat_map: ["strrev", { split: null }] }, { select: [{ strlen: { min: 6 } }] }, { values: { level: "DEBUG", id: "here" } },
    { any: [{ contains: "z" }, "ok"] }, { one_of: ["ok"] }, { all: [] }, { none: ["fail"] }, { assert: ["pop"] }, { refute: [{ pop: 3 }] },
    { test: { if: { length: { min: 2 } }, then: ["pop"], else: [{ push: "x" }] } },
    { test: { if: "ok", then: [], else: null } },
    { and: ["reverse"] }, { or: [{ pop: 3 }, "pop"] }, { xor: [{ push: "d" }] },
    { cloned: { ops: [{ join: ":" }], result: "PREPEND" } }, { partial: { ops: [{ join: "-" }], result: "append", max: 2 } },
    { top: ["split"] }, { log: { msg: "hello", level: "Warn" } },
    { json: { path: ["claims", "0"], keys: ["azp", "aud"] } }, { json: { keys: [] } },
    { protobuf: { path: [], keys: ["azp"] } },
  ]) },
  { name: "json and protobuf with a list of lookup objects", config: withOps([
    "base64_urlsafe", { json: [{ keys: ["azp", "aud"] }, { path: ["x"], keys: ["y"] }] }, { protobuf: [{ keys: ["k"] }] }, { take: { head: 1 } },
  ]) },
  { name: "unknown member inside a parameter object (warning)", config: withOps([{ split: { separator: " ", max: 2, indexes: [1] } }]),
    warnings: ["services[0].credentials.user_key[0].header.ops[0].split.indexes: unknown field"] },
  { name: "extra member next to the source type (warning)", config: edit((c) => (service(c).credentials = { user_key: [{ header: { keys: ["k"] }, comment: "x" }] })) },
];

export interface InvalidFixture {
  name: string;
  /** The configuration as data (given to the schema, and to the module as JSON.stringify). */
  config?: Json;
  /** Raw text given to the module (lexical problems the schema cannot see). */
  text?: string;
  /** Expected module diagnostic: `<path>: <reason>`; a trailing `…` means "starts with". */
  problem: string;
  /**
   * How the CLI catches it without the module: "schema" (the fixture must fail the schema with
   * this path and reason), "parse" (the CLI's reader rejects the text), or "module-only" (only the
   * module can see it: the value survives JSON.parse unchanged, e.g. 5000.0).
   */
  caughtBy: "schema" | "parse" | "module-only";
}

const up = (c: Obj) => (c.backend as Obj).upstream as Obj;
const src = (c: Obj) => ((service(c).credentials as Obj).user_key as Obj[])[0];
const OPS = "services[0].credentials.user_key[0].header.ops";

export const invalidFixtures: InvalidFixture[] = [
  { name: "empty text", text: "", problem: "(root): empty configuration", caughtBy: "module-only" },
  { name: "whitespace only", text: " \n\t ", problem: "(root): empty configuration", caughtBy: "module-only" },
  { name: "malformed JSON", text: '{"api": "v1",', problem: "(root): malformed JSON at line 1, column …", caughtBy: "parse" },
  { name: "trailing garbage", text: '{"api":"v1"} x', problem: "(root): malformed JSON…", caughtBy: "parse" },
  { name: "duplicate member", text: '{"api":"v1","api":"v1","backend":{"upstream":{"name":"b","url":"http://h/"}},"services":[{"id":"1","token":"t","credentials":{"user_key":[{"header":{"keys":["k"]}}]}}]}', problem: "api: duplicate field", caughtBy: "parse" },
  { name: "integer written with a fraction", text: JSON.stringify(baseConfig()).replace('"timeout":5000', '"timeout":5000.0'), problem: "backend.upstream.timeout: expected integer, got number", caughtBy: "module-only" },
  { name: "integer written with an exponent", text: JSON.stringify(baseConfig()).replace('"timeout":5000', '"timeout":5e3'), problem: "backend.upstream.timeout: expected integer, got number", caughtBy: "module-only" },
  { name: "lone surrogate escape", text: JSON.stringify(baseConfig()).replace('"token":"service_token"', '"token":"\\ud800"'), problem: "(root): malformed JSON at line 1, column …", caughtBy: "module-only" },
  { name: "nesting deeper than 64 levels (G1)", text: JSON.stringify(baseConfig()).replace('"api":"v1"', `"api":"v1","deep":${"[".repeat(65)}${"]".repeat(65)}`), problem: "(root): malformed JSON at line 1, column …", caughtBy: "module-only" },
  { name: "top-level array", config: [], problem: "(root): expected object, got array", caughtBy: "schema" },
  { name: "top-level string", config: "v1", problem: "(root): expected object, got string", caughtBy: "schema" },
  { name: "api missing", config: edit((c) => delete c.api), problem: "api: missing required field", caughtBy: "schema" },
  { name: "api null", config: edit((c) => (c.api = null)), problem: "api: missing required field", caughtBy: "schema" },
  { name: "api v2", config: edit((c) => (c.api = "v2")), problem: 'api: unsupported api version "v2" (expected "v1")', caughtBy: "schema" },
  { name: "api V1 (exact spelling)", config: edit((c) => (c.api = "V1")), problem: 'api: unsupported api version "V1" (expected "v1")', caughtBy: "schema" },
  { name: "backend missing", config: edit((c) => delete c.backend), problem: "backend: missing required field", caughtBy: "schema" },
  { name: "services missing", config: edit((c) => delete c.services), problem: "services: missing required field", caughtBy: "schema" },
  { name: "services empty", config: edit((c) => (c.services = [])), problem: "services: must not be empty", caughtBy: "schema" },
  { name: "service null", config: edit((c) => (c.services = [null])), problem: "services[0]: expected object, got null", caughtBy: "schema" },
  { name: "services not an array", config: edit((c) => (c.services = {})), problem: "services: expected array, got object", caughtBy: "schema" },
  { name: "upstream name empty", config: edit((c) => (up(c).name = "")), problem: "backend.upstream.name: must not be empty", caughtBy: "schema" },
  { name: "upstream url missing", config: edit((c) => delete up(c).url), problem: "backend.upstream.url: missing required field", caughtBy: "schema" },
  { name: "URL with another scheme", config: edit((c) => (up(c).url = "ftp://h/")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "URL without scheme", config: edit((c) => (up(c).url = "127.0.0.1:3001")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "URL with userinfo", config: edit((c) => (up(c).url = "https://user:pw@h/")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "URL with a fragment", config: edit((c) => (up(c).url = "https://h/#x")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "URL with whitespace", config: edit((c) => (up(c).url = "https://h/a b")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "URL with an empty host", config: edit((c) => (up(c).url = "http:///x")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "URL with port 0", config: edit((c) => (up(c).url = "http://h:0/")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "URL with port 65536", config: edit((c) => (up(c).url = "http://h:65536/")), problem: "backend.upstream.url: invalid URL: …", caughtBy: "schema" },
  { name: "timeout negative", config: edit((c) => (up(c).timeout = -1)), problem: "backend.upstream.timeout: integer out of range (0..2147483647)", caughtBy: "schema" },
  { name: "timeout too large", config: edit((c) => (up(c).timeout = 2147483648)), problem: "backend.upstream.timeout: integer out of range (0..2147483647)", caughtBy: "schema" },
  { name: "timeout as a string", config: edit((c) => (up(c).timeout = "5000")), problem: "backend.upstream.timeout: expected integer, got string", caughtBy: "schema" },
  { name: "timeout with a fraction", config: edit((c) => (up(c).timeout = 1.5)), problem: "backend.upstream.timeout: expected integer, got number", caughtBy: "schema" },
  { name: "extension with a space", config: edit((c) => ((c.backend as Obj).extensions = ["no body"])), problem: 'backend.extensions[0]: invalid extension "no body"', caughtBy: "schema" },
  { name: "extension not a string", config: edit((c) => ((c.backend as Obj).extensions = [1])), problem: "backend.extensions[0]: expected string, got integer", caughtBy: "schema" },
  { name: "cache not an object", config: edit((c) => ((c.backend as Obj).cache = true)), problem: "backend.cache: expected object, got boolean", caughtBy: "schema" },
  { name: "cache enabled not a boolean", config: edit((c) => ((c.backend as Obj).cache = { enabled: "yes" })), problem: "backend.cache.enabled: expected boolean, got string", caughtBy: "schema" },
  { name: "cache ttl 0", config: edit((c) => ((c.backend as Obj).cache = { enabled: true, ttl: 0 })), problem: "backend.cache.ttl: integer out of range (1..86400)", caughtBy: "schema" },
  { name: "cache report_interval too large", config: edit((c) => ((c.backend as Obj).cache = { enabled: true, report_interval: 3601 })), problem: "backend.cache.report_interval: integer out of range (1..3600)", caughtBy: "schema" },
  { name: "cache max_entries 0", config: edit((c) => ((c.backend as Obj).cache = { enabled: true, max_entries: 0 })), problem: "backend.cache.max_entries: integer out of range (1..100000)", caughtBy: "schema" },
  { name: "cache max_entries with a fraction", config: edit((c) => ((c.backend as Obj).cache = { enabled: true, max_entries: 2.5 })), problem: "backend.cache.max_entries: expected integer, got number", caughtBy: "schema" },
  { name: "unknown failure mode", config: edit((c) => ((c.backend as Obj).failure_mode = "sideways")), problem: 'backend.failure_mode: invalid value "sideways"…', caughtBy: "schema" },
  { name: "failure mode not a string", config: edit((c) => ((c.backend as Obj).failure_mode = 1)), problem: "backend.failure_mode: expected string, got integer", caughtBy: "schema" },
  { name: "system without token", config: edit((c) => (c.system = { upstream: { name: "s", url: "http://h/" } })), problem: "system.token: missing required field", caughtBy: "schema" },
  { name: "system token empty", config: edit((c) => (c.system = { upstream: { name: "s", url: "http://h/" }, token: "" })), problem: "system.token: must not be empty", caughtBy: "schema" },
  { name: "system ttl negative", config: edit((c) => (c.system = { upstream: { name: "s", url: "http://h/" }, token: "t", ttl: -1 })), problem: "system.ttl: integer out of range (0..4294967295)", caughtBy: "schema" },
  { name: "system without upstream", config: edit((c) => (c.system = { token: "t" })), problem: "system.upstream: missing required field", caughtBy: "schema" },
  { name: "service id as a number", config: edit((c) => (service(c).id = 2555417834780)), problem: 'services[0].id: expected string, got integer (write the id in quotes, e.g. "2555417834780")', caughtBy: "schema" },
  { name: "service id empty", config: edit((c) => (service(c).id = "")), problem: "services[0].id: must not be empty", caughtBy: "schema" },
  { name: "service token empty", config: edit((c) => (service(c).token = "")), problem: "services[0].token: must not be empty", caughtBy: "schema" },
  { name: "no token and no system", config: edit((c) => delete service(c).token), problem: "services[0].token: missing required field (no system configured to fetch it)", caughtBy: "schema" },
  { name: "authorities not a list", config: edit((c) => (service(c).authorities = "*")), problem: "services[0].authorities: expected array, got string", caughtBy: "schema" },
  { name: "credentials missing", config: edit((c) => delete service(c).credentials), problem: "services[0].credentials: missing required field", caughtBy: "schema" },
  { name: "credentials with neither user_key nor app_id", config: edit((c) => (service(c).credentials = {})), problem: "services[0].credentials: at least one of user_key or app_id is required", caughtBy: "schema" },
  { name: "app_key alone", config: edit((c) => (service(c).credentials = { app_key: [{ header: { keys: ["k"] } }] })), problem: "services[0].credentials: at least one of user_key or app_id is required", caughtBy: "schema" },
  { name: "source without a type", config: edit((c) => ((service(c).credentials as Obj).user_key = [{}])), problem: "services[0].credentials.user_key[0]: expected exactly one of header, query_string, filter", caughtBy: "schema" },
  { name: "source with two types", config: edit((c) => ((service(c).credentials as Obj).user_key = [{ header: { keys: ["a"] }, query_string: { keys: ["b"] } }])), problem: "services[0].credentials.user_key[0]: more than one source type (header, query_string)", caughtBy: "schema" },
  { name: "header source without keys", config: edit((c) => ((service(c).credentials as Obj).user_key = [{ header: {} }])), problem: "services[0].credentials.user_key[0].header.keys: missing required field", caughtBy: "schema" },
  { name: "query_string source value not an object", config: edit((c) => ((service(c).credentials as Obj).user_key = [{ query_string: ["user_key"] }])), problem: "services[0].credentials.user_key[0].query_string: expected object, got array", caughtBy: "schema" },
  { name: "filter source with an empty path", config: edit((c) => ((service(c).credentials as Obj).user_key = [{ filter: { path: [], keys: [] } }])), problem: "services[0].credentials.user_key[0].filter.path: must not be empty", caughtBy: "schema" },
  { name: "filter source without keys", config: edit((c) => ((service(c).credentials as Obj).user_key = [{ filter: { path: ["ns"] } }])), problem: "services[0].credentials.user_key[0].filter.keys: missing required field", caughtBy: "schema" },
  { name: "filter path segment written as a number", config: edit((c) => ((service(c).credentials as Obj).user_key = [{ filter: { path: ["ns", 0], keys: [] } }])), problem: "services[0].credentials.user_key[0].filter.path[1]: expected string, got integer", caughtBy: "schema" },
  { name: "ops not a list", config: edit((c) => ((src(c).query_string as Obj).ops = "reverse")), problem: "services[0].credentials.user_key[0].query_string.ops: expected array, got string", caughtBy: "schema" },
  { name: "unknown operation (no aliases)", config: withOps([{ len: { min: 1 } }]), problem: `${OPS}[0]: unknown operation "len"`, caughtBy: "schema" },
  { name: "unknown bare operation", config: withOps(["true"]), problem: `${OPS}[0]: unknown operation "true"`, caughtBy: "schema" },
  { name: "operation with two members", config: withOps([{ reverse: null, strrev: null }]), problem: `${OPS}[0]: an operation must have exactly one member`, caughtBy: "schema" },
  { name: "operation with no member", config: withOps([{}]), problem: `${OPS}[0]: an operation must have exactly one member`, caughtBy: "schema" },
  { name: "split max as a string", config: withOps([{ split: { max: "2" } }]), problem: `${OPS}[0].split.max: expected integer, got string`, caughtBy: "schema" },
  { name: "split max negative", config: withOps([{ split: { max: -1 } }]), problem: `${OPS}[0].split.max: integer out of range (0..4294967295)`, caughtBy: "schema" },
  { name: "pop beyond u32", config: withOps([{ pop: 4294967296 }]), problem: `${OPS}[0].pop: integer out of range (0..4294967295)`, caughtBy: "schema" },
  { name: "dup beyond i32", config: withOps([{ dup: 2147483648 }]), problem: `${OPS}[0].dup: integer out of range (-2147483648..2147483647)`, caughtBy: "schema" },
  { name: "indexes element beyond i32", config: withOps([{ indexes: [0, -2147483649] }]), problem: `${OPS}[0].indexes[1]: integer out of range (-2147483648..2147483647)`, caughtBy: "schema" },
  { name: "strlen mode unknown", config: withOps([{ strlen: { mode: "chars" } }]), problem: `${OPS}[0].strlen.mode: invalid value "chars" (expected one of …`, caughtBy: "schema" },
  { name: "log level unknown", config: withOps([{ log: { msg: "m", level: "loud" } }]), problem: `${OPS}[0].log.level: invalid value "loud" (expected one of …`, caughtBy: "schema" },
  { name: "cloned result unknown", config: withOps([{ cloned: { ops: [], result: "middle" } }]), problem: `${OPS}[0].cloned.result: invalid value "middle" (expected one of …`, caughtBy: "schema" },
  { name: "replace without with", config: withOps([{ replace: { pattern: "a" } }]), problem: `${OPS}[0].replace.with: missing required field`, caughtBy: "schema" },
  { name: "log without msg", config: withOps([{ log: { level: "info" } }]), problem: `${OPS}[0].log.msg: missing required field`, caughtBy: "schema" },
  { name: "swap without to", config: withOps([{ swap: { from: 0 } }]), problem: `${OPS}[0].swap.to: missing required field`, caughtBy: "schema" },
  { name: "take as a positional array", config: withOps([{ take: [1, 1] }]), problem: `${OPS}[0].take: expected object, got array`, caughtBy: "schema" },
  { name: "glob with a string instead of a list", config: withOps([{ glob: "Basic" }]), problem: `${OPS}[0].glob: expected array, got string`, caughtBy: "schema" },
  { name: "prefix with a number", config: withOps([{ prefix: 1 }]), problem: `${OPS}[0].prefix: expected string, got integer`, caughtBy: "schema" },
  { name: "and with null (required list)", config: withOps([{ and: null }]), problem: `${OPS}[0].and: missing required field`, caughtBy: "schema" },
  { name: "test without then", config: withOps([{ test: { if: "ok" } }]), problem: `${OPS}[0].test.then: missing required field`, caughtBy: "schema" },
  { name: "unknown operation nested in test.then", config: withOps([{ test: { if: "ok", then: [{ or: [{ nope: null }] }] } }]), problem: `${OPS}[0].test.then[0].or[0]: unknown operation "nope"`, caughtBy: "schema" },
  { name: "json lookup without keys", config: withOps([{ json: { path: [] } }]), problem: `${OPS}[0].json.keys: missing required field`, caughtBy: "schema" },
  { name: "json list element without keys", config: withOps([{ json: [{ keys: ["a"] }, { path: ["x"] }] }]), problem: `${OPS}[0].json[1].keys: missing required field`, caughtBy: "schema" },
  { name: "mapping rule without method", config: edit((c) => delete (service(c).mapping_rules as Obj[])[0].method), problem: "services[0].mapping_rules[0].method: missing required field", caughtBy: "schema" },
  { name: "mapping rule method empty", config: edit((c) => ((service(c).mapping_rules as Obj[])[0].method = "")), problem: "services[0].mapping_rules[0].method: must not be empty", caughtBy: "schema" },
  { name: "mapping rule without usages", config: edit((c) => delete (service(c).mapping_rules as Obj[])[0].usages), problem: "services[0].mapping_rules[0].usages: missing required field", caughtBy: "schema" },
  { name: "unterminated placeholder", config: edit((c) => ((service(c).mapping_rules as Obj[])[0].pattern = "/foo{")), problem: "services[0].mapping_rules[0].pattern: invalid pattern: unterminated placeholder", caughtBy: "schema" },
  { name: "empty placeholder", config: edit((c) => ((service(c).mapping_rules as Obj[])[0].pattern = "/a/{}/b")), problem: "services[0].mapping_rules[0].pattern: invalid pattern: empty placeholder", caughtBy: "schema" },
  { name: "last not a boolean", config: edit((c) => ((service(c).mapping_rules as Obj[])[0].last = "yes")), problem: "services[0].mapping_rules[0].last: expected boolean, got string", caughtBy: "schema" },
  { name: "usage delta as a string", config: edit((c) => ((service(c).mapping_rules as Obj[])[0].usages = [{ name: "hits", delta: "1" }])), problem: "services[0].mapping_rules[0].usages[0].delta: expected integer, got string", caughtBy: "schema" },
  { name: "usage delta beyond 2^53", config: edit((c) => ((service(c).mapping_rules as Obj[])[0].usages = [{ name: "hits", delta: -9007199254740992 }])), problem: "services[0].mapping_rules[0].usages[0].delta: integer out of range (-9007199254740991..9007199254740991)", caughtBy: "schema" },
  { name: "usage name empty", config: edit((c) => ((service(c).mapping_rules as Obj[])[0].usages = [{ name: "", delta: 1 }])), problem: "services[0].mapping_rules[0].usages[0].name: must not be empty", caughtBy: "schema" },
];

/** The module input for a fixture: its raw text, or its data as JSON. */
export function moduleText(f: { config?: Json; text?: string }): string {
  return f.text !== undefined ? f.text : JSON.stringify(f.config);
}

/** Splits `<path>: <reason>` (the expected-problem notation) at the first ": " after the path. */
export function splitProblem(problem: string): { path: string; reason: string; prefix: boolean } {
  const i = problem.indexOf(": ");
  const reason = problem.slice(i + 2);
  const prefix = reason.endsWith("…");
  return { path: problem.slice(0, i), reason: prefix ? reason.slice(0, -1) : reason, prefix };
}
