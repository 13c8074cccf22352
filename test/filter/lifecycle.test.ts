// Lifecycle (docs/behaviour.md): module interface, any root id, configuration diagnostics,
// reconfiguration atomicity, powered-by, per-stream state.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { modulePath } from "../support/modules.js";
import { config, createFilter, expectReply, get, onlyAuthrep, REPLY, startFilter } from "./harness.js";

describe("module interface", () => {
  it("exports the ABI surface and imports only env.proxy_* and WASI", () => {
    const m = new WebAssembly.Module(readFileSync(modulePath("product")));
    const exports = WebAssembly.Module.exports(m).map((e) => e.name);
    for (const name of ["proxy_abi_version_0_2_1", "memory", "malloc", "proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure",
      "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_http_call_response", "proxy_on_tick", "proxy_on_done", "proxy_on_delete"]) {
      expect(exports).toContain(name);
    }
    for (const imp of WebAssembly.Module.imports(m)) {
      const ok = (imp.module === "env" && imp.name.startsWith("proxy_")) || imp.module === "wasi_snapshot_preview1" || imp.module === "wasi_unstable";
      expect(ok, `${imp.module}.${imp.name}`).toBe(true);
    }
    expect(WebAssembly.Module.imports(m).some((i) => i.name === "proxy_clear_route_cache" || i.name.startsWith("proxy_grpc"))).toBe(false);
  });
});

describe("root ids", () => {
  it.each(["threescale-wasm-auth", "", "some-other-root"])("serves root id %j", async (rootId) => {
    const sim = await startFilter(config(), { rootId });
    const s = get(sim, "/?user_key=k");
    onlyAuthrep(sim).call.respond({ status: 200 });
    expect(s.requestDecision).toBe("continued");
  });

  it("proxy_on_vm_start returns 1 and the VM configuration is ignored", async () => {
    const sim = await createFilter(config(), { vmConfiguration: "garbage {" });
    expect(sim.start()).toMatchObject({ ok: true, vmStartResult: 1, configureResult: 1 });
  });
});

describe("configuration diagnostics", () => {
  it("accepted: one info line", async () => {
    const sim = await startFilter(config());
    expect(sim.logs.filter((l) => l.level === 2).map((l) => l.message)).toContain("configuration accepted: api v1, 1 service(s), system disabled");
  });

  it.each([
    ["empty", ""],
    ["{}", "{}"],
    ["[]", "[]"],
    ["not json", "not json"],
    ["api v2", '{"api":"v2"}'],
  ])("rejected (%s): on_configure returns 0, errors then a summary line", async (_name, text) => {
    const sim = await createFilter(text);
    const r = sim.start();
    expect(r.ok).toBe(false);
    expect(r.configureResult).toBe(0);
    expect(r.trapped).toBeUndefined();
    const errors = sim.logs.filter((l) => l.level === 4).map((l) => l.message);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    const problems = errors.filter((e) => e.startsWith("invalid configuration: "));
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(errors[errors.length - 1]).toBe(`configuration rejected: ${problems.length} problem(s)`);
  });

  it("a numeric service id is rejected with the hint", async () => {
    const cfg = config();
    (cfg.services as Array<Record<string, unknown>>)[0]!.id = 2555417834780;
    const sim = await createFilter(cfg);
    expect(sim.start().configureResult).toBe(0);
    expect(sim.logs.map((l) => l.message)).toContain('invalid configuration: services[0].id: expected string, got integer (write the id in quotes, e.g. "2555417834780")');
    expect(sim.logs.map((l) => l.message)).toContain("configuration rejected: 1 problem(s)");
  });

  it("warnings are logged at warn with the configuration warning prefix", async () => {
    const sim = await startFilter(config({ extra_top: 1 }));
    expect(sim.logs.some((l) => l.level === 3 && l.message === "configuration warning: extra_top: unknown field")).toBe(true);
  });
});

describe("reconfiguration (docs/configuration.md)", () => {
  it("a rejected reconfiguration keeps the previous model", async () => {
    const sim = await startFilter(config());
    expect(sim.reconfigure("{not json")).toBe(false);
    get(sim, "/?user_key=k");
    expect(onlyAuthrep(sim).call.path).toContain("service_token=service_token&");
  });

  it("an accepted reconfiguration applies to new streams; a request under way keeps its model", async () => {
    const sim = await startFilter(config());
    const before = get(sim, "/?user_key=k");
    const first = onlyAuthrep(sim).call;
    expect(sim.reconfigure(config({}, { token: "new_token", mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "new", delta: 1 }] }] }))).toBe(true);
    const after = get(sim, "/?user_key=k");
    const second = sim.httpCalls.pending().find((c) => c !== first)!;
    expect(first.path).toContain("service_token=service_token&user_key=k&usage[hits]=1");
    expect(second.path).toContain("service_token=new_token&user_key=k&usage[new]=1");
    first.respond({ status: 200 });
    second.respond({ status: 403 });
    expect(before.requestDecision).toBe("continued");
    expectReply(after, REPLY.authFailed);
  });
});

describe("responses", () => {
  it("a local reply also carries powered-by: 3scale", async () => {
    const sim = await startFilter(config());
    const s = get(sim, "/");
    expectReply(s, REPLY.credentialsMissing);
    expect(s.sentDownstream?.headers?.filter(([k]) => k === "powered-by")).toEqual([["powered-by", "3scale"]]);
    expect(s.localResponse!.additionalHeaders).toEqual([]);
  });

  it("body and trailer callbacks continue", async () => {
    const sim = await startFilter(config({}, { mapping_rules: [{ method: "ANY", pattern: "/", usages: [{ name: "hits", delta: 1 }] }] }));
    const s = sim.newHttpStream();
    s.sendRequestHeaders([[":method", "POST"], [":path", "/?user_key=k"], [":authority", "a"]], { endOfStream: false });
    onlyAuthrep(sim).call.respond({ status: 200 });
    expect(s.sendRequestBody("hello", { endOfStream: false }).rawReturn).toBe(0);
    expect(s.sendRequestTrailers([["t", "1"]]).rawReturn).toBe(0);
    s.sendResponseHeaders([[":status", "200"]]);
    expect(s.sendResponseBody("x", { endOfStream: true }).rawReturn).toBe(0);
  });
});

describe("per-stream state is released", () => {
  it("memory stays flat over many streams", async () => {
    const sim = await startFilter(config(), { trace: false });
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const s = get(sim, `/?user_key=key${i}`);
        sim.httpCalls.pending()[0]!.respond({ status: 200 });
        s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
        s.complete();
      }
    };
    run(500);
    const pages = sim.memoryPages;
    run(2000);
    expect(sim.memoryPages).toBeLessThanOrEqual(pages + 1);
  });
});
