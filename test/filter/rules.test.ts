// Mapping rules through the whole filter: R21–R23 (usage summation), `last`, zero/negative deltas,
// and the tables (same rows as mapping-rules.test.ts, second leg through the simulator).
import { describe, expect, it } from "vitest";
import { config, expectReply, get, onlyAuthrep, REPLY, send, requestHeaders, startFilter } from "./harness.js";

const R21_RULES = [
  { method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] },
  { method: "GET", pattern: "/products/", usages: [{ name: "products", delta: 1 }] },
  { method: "ANY", pattern: "/products/{id}/sold", usages: [{ name: "sales", delta: 1 }, { name: "products", delta: 1 }] },
];

describe("usage summation", () => {
  it("R21 GET /products/1/sold matches all three rules; usages in order of first appearance", async () => {
    const sim = await startFilter(config({}, { mapping_rules: R21_RULES }));
    get(sim, "/products/1/sold?user_key=k");
    const { authrep } = onlyAuthrep(sim);
    expect(authrep.usage).toEqual({ hits: 1, products: 2, sales: 1 });
    expect(authrep.params.filter(([k]) => k.startsWith("usage[")).map(([k]) => k)).toEqual(["usage[hits]", "usage[products]", "usage[sales]"]);
  });

  it("R22 POST /products/1/sold matches only the ANY rule", async () => {
    const sim = await startFilter(config({}, { mapping_rules: R21_RULES }));
    send(sim, requestHeaders("POST", "/products/1/sold?user_key=k"));
    expect(onlyAuthrep(sim).authrep.usage).toEqual({ sales: 1, products: 1 });
  });

  it("R23 DELETE /other → 404", async () => {
    const sim = await startFilter(config({}, { mapping_rules: R21_RULES }));
    expectReply(send(sim, requestHeaders("DELETE", "/other?user_key=k")), REPLY.noMappingRule);
    expect(sim.httpCalls.all()).toHaveLength(0);
  });

  it("an unmapped path without credentials gets 403 missing, not 404 (step order)", async () => {
    const sim = await startFilter(config({}, { mapping_rules: R21_RULES }));
    expectReply(send(sim, requestHeaders("DELETE", "/other")), REPLY.credentialsMissing);
  });

  it("`last` stops the evaluation after its own usages", async () => {
    const sim = await startFilter(config({}, {
      mapping_rules: [
        { method: "GET", pattern: "/a", usages: [{ name: "a", delta: 1 }] },
        { method: "GET", pattern: "/a/b", usages: [{ name: "b", delta: 2 }], last: true },
        { method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] },
      ],
    }));
    get(sim, "/a/b?user_key=k");
    expect(onlyAuthrep(sim).authrep.usage).toEqual({ a: 1, b: 2 });
  });

  it("a matching rule with no usages and `last` ends with no entry → 404", async () => {
    const sim = await startFilter(config({}, {
      mapping_rules: [
        { method: "GET", pattern: "/", usages: [], last: true },
        { method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] },
      ],
    }));
    expectReply(get(sim, "/?user_key=k"), REPLY.noMappingRule);
  });

  it("zero and negative sums are still sent", async () => {
    const sim = await startFilter(config({}, {
      mapping_rules: [
        { method: "GET", pattern: "/", usages: [{ name: "x", delta: 0 }, { name: "y", delta: 1 }] },
        { method: "GET", pattern: "/", usages: [{ name: "y", delta: -3 }] },
      ],
    }));
    get(sim, "/?user_key=k");
    const { authrep } = onlyAuthrep(sim);
    expect(authrep.param("usage[x]")).toBe("0");
    expect(authrep.param("usage[y]")).toBe("-2");
  });

  it("metric names are case-sensitive", async () => {
    const sim = await startFilter(config({}, {
      mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }, { name: "Hits", delta: 1 }] }],
    }));
    get(sim, "/?user_key=k");
    expect(onlyAuthrep(sim).authrep.usage).toEqual({ hits: 1, Hits: 1 });
  });

  it("no rules at all → 404 for a request with credentials", async () => {
    const sim = await startFilter(config({}, { mapping_rules: [] }));
    expectReply(get(sim, "/?user_key=k"), REPLY.noMappingRule);
  });
});

type Row = [pattern: string, path: string, match: boolean];
const AUTO = "/auto?maybe_empty=&w=hello&color={color}";
const ABC = "/abc/v{version}/id\\$$?fmt={fmt}&l{an}g={code}&s=1&t=$9";
const TABLE: Row[] = [
  ["/", "/some/path/?a=1&b=2", true],
  ["/?required=1", "/test?optional=1&required=1&other=1", true],
  [AUTO, "/auto?", false],
  [AUTO, "/auto?w=hello&color=red&maybe_empty", false],
  [AUTO, "/auto-matic?color=black&w=hello&maybe_empty=&", true],
  [ABC, "///abc/v1//id$?fmt=html&lang=ca&s=1&t=$9", true],
  [ABC, "/abc/v1./id$?fmt=html&lang=ca&other=70&s=1&z=2&t=$9", true],
  [ABC, "/abc/v2/id$?misc=1&t=$998&fmt=html&z=2&s=1&l.g=ca", true],
  [ABC, "/abc/v1/id?fmt=json&lang=ca&other=70&s=1&z=2&t=$9", false],
  ["/o{*}c", "/oidc", true],
  ["/o{*}c", "/o/c", false],
  ["/{anything}?bigsale={*}", "/some?bigsale=", false],
  ["/{a}/{b}$", "/x y/z", true],
  ["/products/{id}/sold", "//products//1/sold", true],
  ["/abc$", "/abc?x=1", true],
  ["/abc$", "/abc/", false],
  ["/a/c$", "/a/./b/../c", true],
  ["/v1.0/x", "/v1X0/x", false],
  ["/foo(bar", "/foo(bar)", true],
  ["/x*$", "/x/y", false],
  ["/api/*/items", "/api/v1/items", true],
  ["/x\\*", "/xx", false],
  ["/a+b", "/aab", false],
  ["/price\\$", "/price$x", true],
  ["/a$b", "/a$b", true],
  ["\\/v1\\/x", "/v1/x", false],
];

describe(" through the filter (rule method ANY, credential in a header)", () => {
  it.each(TABLE)("pattern %j against %j matches: %s", async (pattern, path, match) => {
    const sim = await startFilter(config({}, {
      credentials: { user_key: [{ header: { keys: ["x-key"] } }] },
      mapping_rules: [{ method: "ANY", pattern, usages: [{ name: "m", delta: 1 }] }],
    }));
    const s = send(sim, requestHeaders("GET", path, [["x-key", "k"]]));
    if (match) expect(onlyAuthrep(sim).authrep.usage).toEqual({ m: 1 });
    else expectReply(s, REPLY.noMappingRule);
  });

  it("a JSON-escaped pattern \"\\/v1\\/x\" is the pattern /v1/x", async () => {
    const json = '{"api":"v1","backend":{"upstream":{"name":"b","url":"https://su1.3scale.net/"}},"services":[{"id":"S","token":"t",' +
      '"credentials":{"user_key":[{"query_string":{"keys":["user_key"]}}]},"mapping_rules":[{"method":"GET","pattern":"\\/v1\\/x","usages":[{"name":"m","delta":1}]}]}]}';
    const sim = await startFilter(json);
    get(sim, "/v1/x?user_key=k");
    expect(sim.httpCalls.pending()).toHaveLength(1);
  });

  it("method cases: get matches GET, any matches DELETE, POST does not match GET", async () => {
    const sim = await startFilter(config({}, {
      mapping_rules: [
        { method: "get", pattern: "/", usages: [{ name: "get", delta: 1 }] },
        { method: "any", pattern: "/", usages: [{ name: "any", delta: 1 }] },
        { method: "POST", pattern: "/", usages: [{ name: "post", delta: 1 }] },
      ],
    }));
    get(sim, "/?user_key=k");
    send(sim, requestHeaders("DELETE", "/?user_key=k"));
    const usages = sim.httpCalls.all().map((c) => c.path.replace(/^.*user_key=k&/, ""));
    expect(usages).toEqual(["usage[get]=1&usage[any]=1", "usage[any]=1"]);
  });
});
