// The host behaviours themselves, differentially: the scriptable conformance module
// (test/modules/scriptable.ts) runs the same scripts and the same actions in the simulator and in
// the real host, and must see the same statuses and values ("> <command> = <result>" lines), make
// the same local replies and forward the same requests, action by action.
import { expect, it } from "vitest";
import { ProxyWasmSimulator, type HttpStream } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { scriptText, type Script } from "../host-sim/scripted.js";
import { describeRealHost, replyIn, upstreamIn, useRealHost, type HostEvent, type Pairs, type RealHost } from "./harness.js";

type Action =
  | { request: string }
  | { respond: number; status: number; headers?: Pairs; body?: string }
  | { fail: number }
  | { advance: number }
  | { response: string }
  | { end: string };

interface AbiScenario {
  name: string;
  script: Script;
  actions: Action[];
  clusters?: string[];
}

interface Seen {
  outputs: string[];
  reply: { status: number; details: string; body: string; grpc: number | null } | null;
  upstream: Pairs | null;
}

const REQ: Pairs = [[":method", "GET"], [":path", "/p"], [":authority", "a"], ["x-in", "1"]];
const CALL = "http_call backend :method=GET,:path=/c,:authority=b 500";

const SCENARIOS: AbiScenario[] = [
  {
    name: "call-out statuses; the answer read from the root under the stream's effective context",
    clusters: ["backend"],
    script: {
      request_headers: ["http_call nowhere :method=GET,:path=/,:authority=a 10", "http_call backend :method=GET,:authority=a 10", "http_call backend :method=GET,:path=/ 10", CALL, "return 1"],
      http_call_response: ["effective $origin", "get_value 6 x-answer", "get_pairs 6", "get_buffer 4 0 100", "status", "continue 0"],
    },
    actions: [{ request: "s1" }, { respond: 4, status: 200, headers: [["x-answer", "yes"]], body: "hello" }],
  },
  {
    name: "a reset call and a timed-out call",
    script: { request_headers: [CALL, "return 1"], http_call_response: ["status", "get_buffer 4 0 100", "get_value 6 :status"] },
    actions: [{ request: "s1" }, { fail: 4 }, { request: "s2" }, { advance: 500 }],
  },
  {
    name: "two local replies in one callback",
    script: { request_headers: ["local_reply 401 first%20one nope x-a=1", "local_reply 500 second - -"], response_headers: "get_value 2 :status" },
    actions: [{ request: "s1" }],
  },
  {
    name: "continue_stream and the request map",
    script: {
      request_headers: [CALL, "return 1"],
      http_call_response: ["effective $origin", "replace 0 x-before v", "continue 0", "get_value 0 :path", "add 0 x-after v", "get_pairs 0"],
    },
    actions: [{ request: "s1" }, { respond: 4, status: 200 }],
  },
  {
    name: "header maps by phase, properties, the access-log phase",
    script: {
      request_headers: ["get_value 0 :path", "get_value 2 :status", "map_size 0", "get_property no/such", "get_property plugin_root_id", "get_property plugin_vm_id"],
      response_headers: ["get_value 0 :path", "get_value 2 :status", "add 2 x-resp r", "get_pairs 0"],
      log: ["get_value 0 :path", "get_value 2 x-resp", "add 0 x a", "get_value 0 missing"],
      done: "log 2 done",
      delete: "log 2 delete",
    },
    actions: [{ request: "s1" }, { response: "s1" }, { end: "s1" }],
  },
  {
    name: "configuration buffers by phase",
    script: { configure: ["get_buffer 7 0 100", "buffer_status 6"], request_headers: ["get_buffer 7 0 100", "get_buffer 6 0 5"] },
    actions: [{ request: "s1" }],
  },
  {
    name: "ticks and time",
    script: { configure: "tick_period 1000", tick: ["time", "wasi_time 0"], request_headers: ["tick_period 250", "time"] },
    actions: [{ advance: 2500 }, { request: "s1" }, { advance: 600 }],
  },
  {
    name: "shared data with CAS; metrics",
    script: {
      request_headers: ["shared_get k", "shared_set k v1 0", "shared_get k", "shared_set k v2 12345", "shared_set k v2 $last", "shared_get k",
        "metric_define 0 c", "metric_inc $last 2", "metric_inc $last 0", "metric_get $last", "metric_define 1 g", "metric_inc $last -3", "metric_get $last", "metric_define 3 bad"],
    },
    actions: [{ request: "s1" }],
  },
  {
    name: "a trap: that stream and the next get 503; a paused one stays paused",
    script: { "request_headers@2": [CALL, "return 1"], "request_headers@3": "trap" },
    actions: [{ request: "s1" }, { request: "s2" }, { request: "s3" }, { respond: 4, status: 200 }],
  },
];

// ---- the simulator ------------------------------------------------------------------------------

async function runSimulator(sc: AbiScenario): Promise<Seen[]> {
  const sim = await ProxyWasmSimulator.create(modulePath("scriptable"), {
    rootId: "conformance",
    vmId: "abi",
    vmConfiguration: scriptText(sc.script),
    pluginConfiguration: "plugin-config",
    logLevel: "info",
    // The driver's clock is set by the script and does not move within a callback; compare like with like.
    clockReadStepNs: { min: 0, max: 0 },
    ...(sc.clusters ? { clusters: Object.fromEntries(sc.clusters.map((c) => [c, "manual" as const])) } : {}),
  });
  sim.start();
  const streams = new Map<string, HttpStream>();
  const seen: Seen[] = [];
  const replied = new Set<HttpStream>();
  const forwarded = new Set<HttpStream>();
  for (const a of sc.actions) {
    const before = sim.logs.length;
    if ("request" in a) {
      const s = sim.newHttpStream();
      streams.set(a.request, s);
      s.sendRequestHeaders(REQ, { endOfStream: true });
    } else if ("respond" in a) sim.respondToHttpCall(a.respond, { status: a.status, headers: a.headers ?? [], body: a.body ?? "" });
    else if ("fail" in a) sim.failHttpCall(a.fail);
    else if ("advance" in a) sim.advanceTime(a.advance);
    else if ("response" in a) streams.get(a.response)!.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
    else if ("end" in a) streams.get(a.end)!.complete();
    const outputs = sim.logs.slice(before).filter((l) => l.message.startsWith("> ") || !l.message.includes(" = ")).map((l) => l.message);
    // Every stream's state after the action: replies and forwarded requests that appeared now.
    let reply: Seen["reply"] = null;
    let upstream: Pairs | null = null;
    for (const st of streams.values()) {
      const lr = st.localResponse;
      if (lr && !replied.has(st)) {
        replied.add(st);
        reply = { status: lr.status, details: lr.details, body: lr.bodyText, grpc: lr.grpcStatus };
      }
      if (st.requestDecision === "continued" && st.forwardedUpstream && !forwarded.has(st)) {
        forwarded.add(st);
        upstream = st.forwardedUpstream.headers;
      }
    }
    seen.push({ outputs, reply, upstream });
  }
  return seen;
}

// ---- the real host ------------------------------------------------------------------------------

async function runRealHost(host: RealHost, sc: AbiScenario): Promise<Seen[]> {
  await host.startOk("w0", { module: modulePath("scriptable"), rootId: "conformance", vmId: "abi", vmConfig: scriptText(sc.script), config: "plugin-config", clusters: sc.clusters });
  const seen: Seen[] = [];
  for (const a of sc.actions) {
    let ev: HostEvent[];
    if ("request" in a) ev = await host.request("w0", a.request, REQ);
    else if ("respond" in a) ev = await host.respond("w0", a.respond, { status: a.status, headers: a.headers, body: a.body });
    else if ("fail" in a) ev = await host.failCall("w0", a.fail);
    else if ("advance" in a) ev = await host.advance(a.advance);
    else if ("response" in a) ev = await host.upstreamResponse(a.response);
    else ev = await host.end(a.end);
    const outputs = ev.filter((e) => e.ev === "log" && e.role === "worker").map((e) => String(e.msg)).filter((m) => m.startsWith("> ") || !m.includes(" = "));
    const r = replyIn(ev);
    const up = upstreamIn(ev);
    seen.push({ outputs, reply: r ? { status: r.status, details: r.details, body: r.body, grpc: r.grpc_status } : null, upstream: up ? up.headers : null });
  }
  return seen;
}

describeRealHost("differential: host behaviour seen by a module, simulator vs real host", () => {
  const newHost = useRealHost();
  for (const sc of SCENARIOS) {
    it(sc.name, async () => {
      const simulated = await runSimulator(sc);
      const real = await runRealHost(newHost(), sc);
      expect(real).toEqual(simulated);
      expect(real.flatMap((s) => s.outputs).length).toBeGreaterThan(0);
    });
  }
});
