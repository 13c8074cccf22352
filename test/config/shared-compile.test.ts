// The compiler's shortcuts for large configurations must be invisible: a rule compiled without
// building JSON paths, a credential pipeline shared between services, and the duplicate-member
// check that only builds paths when a duplicate exists all give the same model and the same
// diagnostics, at the same paths, as compiling each part on its own.
import { describe, expect, it } from "vitest";
import { minimalConfig, minimalService, validate, type Json } from "./entry.js";

const APP_ID_SOURCES: Json = [
  { header: { keys: ["authorization"], ops: [{ split: { separator: " ", max: 2 } }, { length: { min: 2 } }, "reverse", { glob: ["Basic"] }, { drop: { tail: 1 } }] } },
  { filter: { path: ["envoy.filters.http.jwt_authn", "0"], keys: ["azp", "aud"], ops: [{ take: { head: 1 } }, { strlen: { min: 1 } }] } },
];

function service(id: string, sources: Json, rules: Json): { [k: string]: Json } {
  return { ...minimalService(), id, credentials: { app_id: sources }, mapping_rules: rules };
}

function configOf(services: Json[]): { [k: string]: Json } {
  return { ...minimalConfig(), services };
}

describe("services with identical pipelines", () => {
  it("compile to the same model as each service on its own", async () => {
    const rules: Json = [{ method: "get", pattern: "/a/{id}$", usages: [{ name: "hits", delta: 2 }], last: true }];
    const many = await validate(configOf(["1", "2", "3"].map((id) => service(id, APP_ID_SOURCES, rules))));
    const alone = await validate(configOf([service("2", APP_ID_SOURCES, rules)]));
    expect(many.ok).toBe(true);
    expect(many.config?.services.map((s) => s.credentials)).toEqual([1, 2, 3].map(() => alone.config?.services[0].credentials));
    expect(many.config?.services[2].mapping_rules).toEqual(alone.config?.services[0].mapping_rules);
  });

  it("report a pipeline's warning at every service that has it", async () => {
    const warned: Json = [{ query_string: { keys: ["app_id"], ops: [{ reverse: { x: 1 } }] } }];
    const r = await validate(configOf(["1", "2"].map((id) => service(id, warned, minimalService().mapping_rules as Json))));
    expect(r.warnings).toEqual([
      "services[0].credentials.app_id[0].query_string.ops[0].reverse.x: unknown field",
      "services[1].credentials.app_id[0].query_string.ops[0].reverse.x: unknown field",
    ]);
  });

  it("do not share a pipeline whose JSON differs", async () => {
    const clean: Json = [{ query_string: { keys: ["app_id"], ops: [{ take: { head: 1 } }] } }];
    const warned: Json = [{ query_string: { keys: ["app_id"], ops: [{ take: { head: 1, x: 1 } }] } }];
    const r = await validate(configOf([service("1", clean, []), service("2", warned, []), service("3", clean, [])]));
    expect(r.warnings.filter((w) => w.includes("ops"))).toEqual(["services[1].credentials.app_id[0].query_string.ops[0].take.x: unknown field"]);
  });
});

describe("mapping rules without diagnostics and with them", () => {
  it("keep order, values and the paths of every diagnostic", async () => {
    const rules: Json = [
      { method: "GET", pattern: "/ok/0", usages: [{ name: "hits", delta: 1 }] },
      { method: "GET", pattern: "/neg", usages: [{ name: "hits", delta: -1 }] },
      { method: "GE T", pattern: "/token", usages: [{ name: "hits", delta: 1 }] },
      { method: "post", pattern: "/ok/3", usages: [{ name: "hits", delta: 3 }, { name: "sales", delta: 0 }], last: false },
      { method: "GET", pattern: "relative", usages: [{ name: "hits", delta: 1 }] },
      { method: "GET", pattern: "/x", usages: [{ name: "hits", delta: 1, extra: 1 }], note: "x" },
      { method: "GET", pattern: "/{", usages: [{ name: "hits", delta: 1 }] },
      { method: "GET", pattern: "/last", usages: [], last: "yes" },
      { method: "ANY", pattern: "/ok/8\\$$", usages: [{ name: "hits", delta: 1.5 }] },
      { method: "GET", pattern: "/ok/9", usages: [{ name: "", delta: 1 }], last: null },
    ];
    const r = await validate(configOf([service("1", APP_ID_SOURCES, rules)]));
    const R = "services[0].mapping_rules";
    expect(r.errors).toEqual([
      `${R}[6].pattern: invalid pattern: unterminated placeholder`,
      `${R}[7].last: expected boolean, got string`,
      `${R}[8].usages[0].delta: expected integer, got number`,
      `${R}[9].usages[0].name: must not be empty`,
    ]);
    expect(r.warnings).toEqual([
      `${R}[1].usages[0].delta: negative usage: the backend rejects it`,
      `${R}[2].method: never matches (not an HTTP token)`,
      `${R}[4].pattern: never matches (does not start with "/")`,
      `${R}[5].note: unknown field`,
      `${R}[5].usages[0].extra: unknown field`,
    ]);
  });

  it("compile clean rules exactly as written", async () => {
    const rules: Json = [
      { method: "post", pattern: "/a/{id}/b*?x={v}&&y=1", usages: [{ name: "hits", delta: 3 }, { name: "sales", delta: 0 }], last: true },
      { method: "ANY", pattern: "//c\\$\\*d$", usages: [] },
    ];
    const r = await validate(configOf([service("1", APP_ID_SOURCES, rules)]));
    expect(r.ok).toBe(true);
    expect(r.config?.services[0].mapping_rules).toEqual([
      { method: "POST", any: false, pattern: "/a/{id}/b*?x={v}&&y=1", usages: [{ name: "hits", delta: 3 }, { name: "sales", delta: 0 }], last: true },
      { method: "ANY", any: true, pattern: "//c\\$\\*d$", usages: [], last: false },
    ]);
  });
});

describe("duplicate members", () => {
  it.each([
    { name: "in a small object deep in a rule", members: 3, at: "services[0].mapping_rules[0].usages[0].name" },
    { name: "in an object too large to check pairwise", members: 40, at: "services[0].mapping_rules[0].usages[0].name" },
  ])("are reported $name", async ({ members, at }) => {
    const extra = Array.from({ length: members - 2 }, (_, i) => `"m${i}": ${i}`).join(", ");
    const usage = `{"name": "hits", "delta": 1, ${extra}, "name": "again"}`;
    const text = JSON.stringify(configOf([service("1", APP_ID_SOURCES, [])])).replace(
      '"mapping_rules":[]', `"mapping_rules":[{"method":"GET","pattern":"/","usages":[${usage}]}]`);
    const r = await validate(text);
    expect(r.errors).toEqual([`${at}: duplicate field`]);
  });
});
