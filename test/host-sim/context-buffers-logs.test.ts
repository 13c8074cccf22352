// Effective context, configuration buffers, logs, proxy_done, foreign
// functions, and the host-call trace.
import { describe, expect, it } from "vitest";
import { LogLevel, WasmResult } from "../../src-host-sim/index.js";
import { GET, result, results, started } from "./scripted.js";

describe("effective context", () => {
  it("redirects host calls for the rest of the VM call only; the next callback starts without it", async () => {
    const sim = await started({
      request_headers: "http_call c :method=GET,:path=/,:authority=a 0; return 1",
      http_call_response: "get_value 0 :path; effective $origin; get_value 0 :path",
      tick: "get_value 0 :path",
    });
    sim.newHttpStream().sendRequestHeaders(GET);
    sim.httpCalls.last()!.respond({ status: 200 });
    sim.tick();
    // root (no request headers) → stream → root again on the next callback
    expect(results(sim, "get_value 0 :path")).toEqual([String(WasmResult.BadArgument), "0 /resource?x=1", String(WasmResult.BadArgument)]);
  });

  it.each([
    { name: "an unknown id", id: 42 },
    { name: "the VM context id 0", id: 0 },
  ])("answers BadArgument for $name", async ({ id }) => {
    const sim = await started({ tick: `effective ${id}` });
    sim.tick();
    expect(result(sim, "effective")).toBe(String(WasmResult.BadArgument));
  });
});

describe("configuration buffers", () => {
  it("makes the plugin configuration (7) readable only during on_configure; the VM configuration (6) always", async () => {
    const sim = await started({ configure: "get_buffer 7 0 100; buffer_status 7", request_headers: "get_buffer 7 0 100; buffer_status 6" }, { pluginConfiguration: "plugin-cfg" });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(results(sim, "get_buffer 7")).toEqual(["0 [plugin-cfg] ptr set", String(WasmResult.NotFound)]);
    expect(result(sim, "buffer_status 7")).toBe("0 10");
    expect(result(sim, "buffer_status 6")).toMatch(/^0 \d+$/);
  });

  it.each([
    { name: "an empty plugin configuration is size 0: Ok, ptr 0, size 0, no malloc", config: "", cmd: "get_buffer 7 0 100", expected: "0 [] ptr 0" },
    { name: "start beyond the end is an empty Ok", config: "abc", cmd: "get_buffer 7 10 5", expected: "0 [] ptr 0" },
    { name: "a range past the end is truncated", config: "abcdef", cmd: "get_buffer 7 2 100", expected: "0 [cdef] ptr set" },
    { name: "buffer type 9 is BadArgument", config: "abc", cmd: "get_buffer 9 0 1", expected: String(WasmResult.BadArgument) },
    { name: "the plugin configuration is immutable (BadArgument)", config: "abc", cmd: "set_buffer 7 0 0 x", expected: String(WasmResult.BadArgument) },
    { name: "an object configuration arrives as JSON", config: { a: [1, true] }, cmd: "get_buffer 7 0 100", expected: '0 [{"a":[1,true]}] ptr set' },
  ])("$name", async ({ config, cmd, expected }) => {
    const sim = await started({ configure: cmd }, { pluginConfiguration: config });
    expect(sim.trace.vmCalls("proxy_on_configure")[0]!.args[1]).toBe(typeof config === "string" ? config.length : JSON.stringify(config).length);
    expect(result(sim, cmd)).toBe(expected);
    if (config === "") {
      // nothing was allocated while on_configure ran
      const ev = sim.trace.events;
      const from = ev.findIndex((e) => e.name === "proxy_on_configure");
      expect(ev.slice(from).filter((e) => e.kind === "malloc")).toEqual([]);
    }
  });
});

describe("logs", () => {
  it("records lines with level and context; level > 5 is BadArgument", async () => {
    const sim = await started({ request_headers: "log 3 careful; log 6 nope" });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(sim.logsAt("warn").map((l) => [l.message, l.contextId, l.phase])).toEqual([["careful", 2, "proxy_on_request_headers"]]);
    expect(result(sim, "log 6")).toBe(String(WasmResult.BadArgument));
  });

  it("drops lines below the configured level", async () => {
    const sim = await started({ tick: "log 1 debug-line; log 4 error-line" }, { logLevel: LogLevel.Warn });
    sim.tick();
    expect(sim.logs.map((l) => l.message)).toEqual(["error-line"]);
  });
});

describe("root lifecycle and foreign functions", () => {
  it("proxy_done is NotFound unless the root is pending done; after on_done returned 0 it deletes the root after the VM call", async () => {
    const sim = await started({ tick: "done", done: "return 0" });
    sim.tick();
    expect(result(sim, "done")).toBe(String(WasmResult.NotFound));
    expect(sim.shutdown()).toMatchObject({ pendingDone: true, callbacks: ["proxy_on_done"] });
    sim.tick();
    expect(result(sim, "done")).toBe("0");
    expect(sim.trace.vmCalls("proxy_on_delete").map((e) => e.args)).toEqual([[1]]);
  });

  it("calls a registered foreign function and answers NotFound for an unknown name", async () => {
    const sim = await started(
      { tick: "foreign upper hello; foreign missing x" },
      { foreignFunctions: { upper: (args) => new TextEncoder().encode(new TextDecoder().decode(args).toUpperCase()) } },
    );
    sim.tick();
    expect(results(sim, "foreign")).toEqual(["0 HELLO", String(WasmResult.NotFound)]);
  });
});

describe("host errors", () => {
  it("reports an exception thrown by host code (here a test's foreign function) as a hostError trap, with a host log line", async () => {
    const sim = await started({ tick: "foreign boom x" }, { foreignFunctions: { boom: () => { throw new Error("kaboom"); } } });
    const r = sim.tick();
    expect(r.trapped).toMatchObject({ exportName: "proxy_on_tick", hostError: true, message: "kaboom" });
    expect(sim.hostLogs.some((l) => l.startsWith("host function env.proxy_call_foreign_function threw: Error: kaboom"))).toBe(true);
  });
});

describe("trace", () => {
  it("records every host↔VM call with arguments and statuses, so a test can pin host calls per request", async () => {
    const sim = await started({ request_headers: "get_value 0 :path; add 0 x-a 1" });
    const mark = sim.trace.mark();
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.complete();
    const counts = sim.trace.countHostCalls(mark);
    expect(counts).toEqual({ proxy_get_header_map_value: 1, proxy_add_header_map_value: 1, proxy_log: 2 });
    expect(sim.trace.vmCalls(undefined, mark).map((e) => e.name)).toEqual([
      "proxy_on_context_create", "proxy_on_request_headers", "proxy_on_log", "proxy_on_done", "proxy_on_delete",
    ]);
    const get = sim.trace.hostCalls("proxy_get_header_map_value", mark)[0]!;
    expect(get).toMatchObject({ contextId: 2, result: 0, depth: 0 });
    expect(sim.trace.mallocs(mark).map((m) => m.args[0])).toContain(new TextEncoder().encode("/resource?x=1").length);
  });
});

describe("long-running hosts", () => {
  it("streams log lines to onLog and keeps neither logs nor answered calls when told so", async () => {
    const seen: string[] = [];
    const sim = await started(
      { request_headers: "log 2 hello; http_call c :method=GET,:path=/,:authority=a 0; return 1" },
      { onLog: (r) => seen.push(r.message), keepLogs: false, httpCallHistory: false },
    );
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(sim.httpCalls.pending()).toHaveLength(1);
    sim.httpCalls.pending()[0]!.respond({ status: 200 });
    expect(sim.logs).toEqual([]);
    expect(seen).toContain("hello");
    expect(sim.httpCalls.all()).toEqual([]);
  });
});
