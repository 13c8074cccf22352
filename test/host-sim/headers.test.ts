// Header maps as Envoy exposes them (docs/host-simulator.md).
import { describe, expect, it } from "vitest";
import { WasmResult } from "../../src-host-sim/index.js";
import { GET, result, results, started } from "./scripted.js";

const NOT_FOUND = String(WasmResult.NotFound);
const BAD = String(WasmResult.BadArgument);

describe("map availability", () => {
  it.each([
    { name: "pairs → Ok with an empty map", cmd: "get_pairs 0", expected: "0  (ptr 0, size 0)" },
    { name: "get value → BadArgument", cmd: "get_value 0 :path", expected: BAD },
    { name: "add → BadArgument", cmd: "add 0 x y", expected: BAD },
    { name: "replace → BadArgument", cmd: "replace 0 x y", expected: BAD },
    { name: "remove → BadArgument", cmd: "remove 0 x", expected: BAD },
    { name: "set pairs → BadArgument", cmd: "set_pairs 0 a=b", expected: BAD },
    { name: "size → BadArgument", cmd: "map_size 0", expected: BAD },
  ])("request headers are unavailable once the request continued: $name", async ({ cmd, expected }) => {
    const sim = await started({ response_headers: cmd });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.sendResponseHeaders([[":status", "200"]]);
    expect(result(sim, cmd)).toBe(expected);
  });

  it("request headers stay available while the request is paused (read from another callback via the effective context)", async () => {
    const sim = await started({
      request_headers: "http_call c :method=GET,:path=/,:authority=a 0; return 1",
      http_call_response: "effective $origin; get_value 0 :path; continue 0; get_value 0 :path",
    });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    sim.httpCalls.pending()[0]!.respond({ status: 200 });
    // readable before continue_stream; cleared at once by it
    expect(results(sim, "get_value 0 :path")).toEqual(["0 /resource?x=1", BAD]);
  });

  it("in on_log request/response headers are readable, not writable, and other maps are NotFound", async () => {
    const sim = await started({ log: "get_value 0 :method; add 0 x y; get_value 2 :status; get_value 1 anything" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    s.sendResponseHeaders([[":status", "201"]], { endOfStream: true });
    s.complete();
    expect(result(sim, "get_value 0 :method")).toBe("0 GET");
    expect(result(sim, "add 0 x y")).toBe(BAD);
    expect(result(sim, "get_value 2 :status")).toBe("0 201");
    expect(result(sim, "get_value 1 anything")).toBe(NOT_FOUND);
  });

  it.each(["get_pairs 8", "get_value 8 a", "add 8 a b", "replace 8 a b", "remove 8 a", "set_pairs 8 a=b", "map_size 8"])(
    "map type 8 is BadArgument (%s)",
    async (cmd) => {
      const sim = await started({ request_headers: cmd });
      sim.newHttpStream().sendRequestHeaders(GET);
      expect(result(sim, cmd).split(" ")[0]).toBe(BAD);
    },
  );

  it("creates request trailers from the last body callback (end_of_stream true)", async () => {
    const sim = await started({ request_body: "add 1 x-trailer t" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET, { endOfStream: false });
    s.sendRequestBody("abc", { endOfStream: true });
    expect(result(sim, "add 1")).toBe("0");
    expect(s.forwardedUpstream?.trailers).toEqual([["x-trailer", "t"]]);
  });
});

describe("map operations", () => {
  it("keeps Envoy's iteration order: pseudo-headers first, then regular headers in insertion order; Host becomes :authority", async () => {
    const sim = await started({ request_headers: "get_pairs 0" });
    sim.newHttpStream().sendRequestHeaders([["User-Agent", "ua"], [":path", "/p"], ["Host", "h.example"], [":method", "GET"], ["X-B", "1"]]);
    expect(result(sim, "get_pairs 0")).toMatch(/^0 :path=\/p,:authority=h\.example,:method=GET,user-agent=ua,x-b=1 /);
  });

  it.each([
    { name: "get returns the first of several values", cmds: "get_value 0 x-multi", expected: ["0 one"] },
    { name: "get of a missing key is NotFound", cmds: "get_value 0 x-missing", expected: [NOT_FOUND] },
    { name: "keys are lower-cased on get", cmds: "get_value 0 X-MULTI", expected: ["0 one"] },
    { name: "add appends a duplicate", cmds: "add 0 X-Multi three; get_pairs 0", expected: ["0", /x-multi=one,x-multi=two,x-multi=three/] },
    { name: "replace replaces every value", cmds: "replace 0 x-multi only; get_pairs 0", expected: ["0", /:authority=a,x-multi=only \(/] },
    { name: "replace adds a missing header", cmds: "replace 0 X-New v; get_value 0 x-new", expected: ["0", "0 v"] },
    { name: "remove removes every value", cmds: "remove 0 X-MULTI; get_value 0 x-multi", expected: ["0", NOT_FOUND] },
    { name: "remove of a missing key is Ok", cmds: "remove 0 x-absent", expected: ["0"] },
    { name: "set pairs replaces the whole map, lower-casing keys", cmds: "set_pairs 0 :path=/n,X-A=1; get_pairs 0", expected: ["0", /^0 :path=\/n,x-a=1 /] },
    { name: "malformed pairs are silently an empty map", cmds: "set_pairs_raw 0 garbage; get_pairs 0", expected: ["0", "0  (ptr 0, size 0)"] },
    { name: "an empty value is a value, not a missing header", cmds: "replace 0 x-empty; get_value 0 x-empty", expected: ["0", "0 "] },
  ])("$name", async ({ cmds, expected }) => {
    const sim = await started({ request_headers: cmds });
    sim.newHttpStream().sendRequestHeaders([[":path", "/"], [":method", "GET"], [":authority", "a"], ["x-multi", "one"], ["x-multi", "two"]]);
    const lines = cmds.split(";").map((c) => result(sim, c.trim()));
    expected.forEach((e, i) => (typeof e === "string" ? expect(lines[i]).toBe(e) : expect(lines[i]).toMatch(e)));
  });

  it("get_header_map_size returns bytes (Σ key + value lengths), the headers callback the entry count", async () => {
    const sim = await started({ request_headers: "map_size 0" });
    sim.newHttpStream().sendRequestHeaders([[":path", "/ab"], [":method", "GET"], [":authority", "h"], ["x", "yz"]]);
    expect(result(sim, "map_size 0")).toBe(`0 ${5 + 3 + 7 + 3 + 10 + 1 + 1 + 2}`);
    expect(sim.trace.vmCalls("proxy_on_request_headers")[0]!.args[1]).toBe(4);
  });

  it("modified request headers are what goes upstream", async () => {
    const sim = await started({ request_headers: "replace 0 :path /rewritten; add 0 x-auth ok; remove 0 x-drop" });
    const s = sim.newHttpStream();
    s.sendRequestHeaders([...GET, ["x-drop", "1"]]);
    expect(s.forwardedUpstream?.headers).toEqual([[":method", "GET"], [":path", "/rewritten"], [":authority", "api.example.com"], ["x-auth", "ok"]]);
  });
});

describe("header normalisation", () => {
  it("adds :scheme, x-forwarded-proto and x-request-id with envoyHeaderDefaults, as the connection manager does", async () => {
    const sim = await started({ request_headers: "get_pairs 0" }, { envoyHeaderDefaults: true });
    const s = sim.newHttpStream();
    s.sendRequestHeaders(GET);
    expect(result(sim, "get_pairs 0")).toMatch(/^0 :method=GET,:path=\/resource\?x=1,:authority=api\.example\.com,:scheme=http,x-forwarded-proto=http,x-request-id=[0-9a-f-]{36} /);
  });

  it("adds nothing by default", async () => {
    const sim = await started({ request_headers: "get_value 0 x-request-id" });
    sim.newHttpStream().sendRequestHeaders(GET);
    expect(result(sim, "get_value 0 x-request-id")).toBe(NOT_FOUND);
  });
});
