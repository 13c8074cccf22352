// What the driver models of Envoy around proxy-wasm-cpp-host, each checked through the scriptable
// conformance module (test/modules/scriptable.ts), whose "> <command> = <result>" log lines show
// the statuses the module sees.
import { expect, it } from "vitest";
import { modulePath } from "../support/modules.js";
import { scriptText, type Script } from "../host-sim/scripted.js";
import { callsIn, describeRealHost, header, replyIn, upstreamIn, useRealHost, type HostEvent, type RealHost } from "./harness.js";

const EPOCH_NS = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/p"], [":authority", "a"]];

async function scriptedVm(host: RealHost, vm: string, script: Script, o: { vmId?: string; clusters?: string[]; failOpen?: boolean } = {}): Promise<void> {
  await host.startOk(vm, { module: modulePath("scriptable"), rootId: "conformance", vmId: o.vmId ?? "conformance", vmConfig: scriptText(script), config: "", clusters: o.clusters, failOpen: o.failOpen });
}

/** outputs: the module's "<command> = <result>" lines in these events (all events when omitted). */
function outputs(events: HostEvent[]): string[] {
  return events.filter((e) => e.ev === "log" && String(e.msg).startsWith("> ")).map((e) => String(e.msg).slice(2));
}

function result(events: HostEvent[], prefix: string): string {
  const line = outputs(events).filter((l) => l.startsWith(prefix)).pop();
  if (line === undefined) throw new Error(`no output for "${prefix}":\n${outputs(events).join("\n")}`);
  return line.slice(line.indexOf(" = ") + 3);
}

describeRealHost("real host: Envoy behaviour the driver models", () => {
  const newHost = useRealHost();

  it("http call-outs: BadArgument for an unknown cluster or a missing pseudo-header; the answer is read from the root under the stream's effective context", async () => {
    const host = newHost();
    await scriptedVm(host, "a", {
      request_headers: [
        "http_call nowhere :method=GET,:path=/,:authority=a 10",
        "http_call backend :method=GET,:authority=a 10",
        "http_call backend :path=/,:authority=a 10",
        "http_call backend :method=GET,:path=/ 10",
        "http_call backend :method=POST,:path=/check,:authority=b 1000 payload",
        "return 1",
      ],
      http_call_response: ["effective $origin", "get_value 6 x-answer", "get_value 6 :status", "get_buffer 4 0 100", "status"],
      response_headers: ["get_pairs 6", "get_buffer 4 0 10"],
    }, { clusters: ["backend"] });
    const ev = await host.request("a", "s1", REQ);
    for (const p of ["http_call nowhere", "http_call backend :method=GET,:authority", "http_call backend :path", "http_call backend :method=GET,:path=/ "]) {
      expect(result(ev, p), p).toBe("2 0");
    }
    expect(result(ev, "http_call backend :method=POST")).toBe("0 4");
    const [call] = callsIn(ev);
    expect(call).toMatchObject({ token: 4, cluster: "backend", stream: "s1", body: "payload", timeout_ms: 1000 });
    expect(header(call!.headers, "content-length")).toBe("7");
    const answered = await host.respond("a", 4, { status: 200, headers: [["x-answer", "yes"]], body: "hello" });
    expect(result(answered, "effective")).toBe("0");
    expect(result(answered, "get_value 6 x-answer")).toBe("0 yes");
    expect(result(answered, "get_value 6 :status")).toBe("0 200");
    expect(result(answered, "get_buffer 4")).toBe("0 [hello] ptr set");
    expect(result(answered, "status")).toBe("0 0 ");
  });

  it("a reset call-out arrives with no headers or body and status BrokenConnection \"reset\"", async () => {
    const host = newHost();
    await scriptedVm(host, "a", {
      request_headers: ["http_call backend :method=GET,:path=/,:authority=a 1000", "return 1"],
      http_call_response: ["log 2 headers $a2 body $a3", "status", "get_buffer 4 0 10"],
    });
    await host.request("a", "s1", REQ);
    const ev = await host.failCall("a", 4);
    expect(result(ev, "log 2")).toBe("0");
    expect(ev.some((e) => e.ev === "log" && e.msg === "headers 0 body 0")).toBe(true);
    expect(result(ev, "status")).toBe("0 11 reset");
    expect(result(ev, "get_buffer 4")).toBe("1");
  });

  it("a timed-out call-out is Envoy's own 504 answer, on the driver clock", async () => {
    const host = newHost();
    await scriptedVm(host, "a", {
      request_headers: ["http_call backend :method=GET,:path=/,:authority=a 250", "return 1"],
      http_call_response: ["get_value 6 :status", "get_buffer 4 0 100"],
    });
    await host.request("a", "s1", REQ);
    expect(outputs(await host.advance(249)).filter((l) => l.startsWith("get_value"))).toEqual([]);
    const ev = await host.advance(1);
    expect(result(ev, "get_value 6 :status")).toBe("0 504");
    expect(result(ev, "get_buffer 4")).toBe("0 [upstream request timeout] ptr set");
  });

  it("send_local_response takes effect once per stream; the reply is sent after the callback, through the filter", async () => {
    const host = newHost();
    await scriptedVm(host, "a", {
      request_headers: ["local_reply 403 denied%20here body x-a=1", "local_reply 500 again - - -", "return 0"],
      response_headers: ["get_value 2 :status", "add 2 x-seen-by-filter yes"],
    });
    const ev = await host.request("a", "s1", REQ);
    // cpp-host's export reports Ok for both; Envoy refuses the second one.
    expect(outputs(ev).filter((l) => l.startsWith("local_reply")).map((l) => l.split(" = ")[1])).toEqual(["0", "0"]);
    expect(ev.filter((e) => e.ev === "local_reply")).toHaveLength(1);
    expect(ev.filter((e) => e.ev === "local_reply_refused")).toHaveLength(1);
    const r = replyIn(ev, "s1")!;
    expect(r).toMatchObject({ status: 403, body: "body", details: "denied_here", grpc_status: null, additional_headers: [["x-a", "1"]] });
    expect(header(r.headers, "x-seen-by-filter")).toBe("yes");
    expect(result(ev, "get_value 2 :status")).toBe("0 403");
    // The callback returned Continue, but the local reply stopped the iteration.
    expect(ev.find((e) => e.ev === "phase")).toMatchObject({ status: 4 });
    expect(upstreamIn(ev)).toBeUndefined();
  });

  it("continue_stream is deferred to the end of the callback and drops the request map at once", async () => {
    const host = newHost();
    await scriptedVm(host, "a", {
      request_headers: ["http_call backend :method=GET,:path=/,:authority=a 1000", "return 1"],
      http_call_response: ["effective $origin", "replace 0 x-before v", "continue 0", "get_value 0 :path", "add 0 x-after v", "log 2 callback-done"],
    });
    const paused = await host.request("a", "s1", REQ);
    expect(upstreamIn(paused)).toBeUndefined();
    const ev = await host.respond("a", 4, { status: 200 });
    expect(result(ev, "replace 0 x-before")).toBe("0");
    expect(result(ev, "continue 0")).toBe("0");
    expect(result(ev, "get_value 0 :path")).toBe("2");
    expect(result(ev, "add 0 x-after")).toBe("2");
    const up = ev.findIndex((e) => e.ev === "upstream");
    expect(up).toBeGreaterThan(ev.findIndex((e) => e.ev === "log" && e.msg === "callback-done"));
    const headers = (ev[up] as unknown as { headers: Array<[string, string]> }).headers;
    expect(header(headers, "x-before")).toBe("v");
    expect(header(headers, "x-after")).toBeUndefined();
  });

  it("header maps are available only in their phases (read-only in the log phase); unknown properties are NotFound", async () => {
    const host = newHost();
    await scriptedVm(host, "a", {
      request_headers: ["get_value 0 :path", "get_value 2 :status", "get_property no/such", "get_property plugin_root_id", "get_property plugin_vm_id"],
      response_headers: ["get_value 0 :path", "get_value 2 :status", "add 2 x-resp r"],
      log: ["get_value 0 :path", "get_value 2 x-resp", "add 0 x a", "get_value 0 missing", "get_property no/such"],
    }, { vmId: "vm-one" });
    const req = await host.request("a", "s1", REQ);
    expect(result(req, "get_value 0 :path")).toBe("0 /p");
    expect(result(req, "get_value 2 :status")).toBe("2");
    expect(result(req, "get_property no/such")).toBe("1");
    expect(result(req, "get_property plugin_root_id")).toBe("0 conformance (size 11)");
    expect(result(req, "get_property plugin_vm_id")).toBe("0 vm-one (size 6)");
    const res = await host.upstreamResponse("s1", [[":status", "200"]]);
    expect(result(res, "get_value 0 :path")).toBe("2");
    expect(result(res, "get_value 2 :status")).toBe("0 200");
    expect(header((res.find((e) => e.ev === "downstream") as unknown as { headers: Array<[string, string]> }).headers, "x-resp")).toBe("r");
    const end = await host.end("s1");
    expect(result(end, "get_value 0 :path")).toBe("0 /p");
    expect(result(end, "get_value 2 x-resp")).toBe("0 r");
    expect(result(end, "add 0 x")).toBe("2");
    expect(result(end, "get_value 0 missing")).toBe("1");
    expect(result(end, "get_property no/such")).toBe("1");
  });

  it("stream end runs on_log, on_done, on_delete in that order", async () => {
    const host = newHost();
    await scriptedVm(host, "a", { log: "log 2 phase-log", done: "log 2 phase-done", delete: "log 2 phase-delete" });
    await host.request("a", "s1", REQ);
    const ev = await host.end("s1");
    expect(ev.filter((e) => e.ev === "log" && String(e.msg).startsWith("phase-")).map((e) => e.msg)).toEqual(["phase-log", "phase-done", "phase-delete"]);
  });

  it("a trap fails the VM: 503 wasm_fail_stream for that stream and every later one of the VM; other VMs go on", async () => {
    const host = newHost();
    const script = { "request_headers@3": "trap" };
    await scriptedVm(host, "a", script, { vmId: "x" });
    await scriptedVm(host, "b", script, { vmId: "x" });
    expect(upstreamIn(await host.request("a", "s1", REQ), "s1")).toBeDefined(); // context 2: no trap
    const trapped = await host.request("a", "s2", REQ); // context 3: traps
    expect(trapped.find((e) => e.ev === "vm_failed")).toMatchObject({ vm: "a", fail_state: "RuntimeError" });
    expect(replyIn(trapped, "s2")).toMatchObject({ status: 503, body: "", details: "wasm_fail_stream", grpc_status: 14, fail_closed: true });
    expect(replyIn(await host.request("a", "s3", REQ), "s3")).toMatchObject({ status: 503, details: "wasm_fail_stream" });
    // The stream that was already upstream fails when its response reaches the filter.
    expect(replyIn(await host.upstreamResponse("s1"), "s1")).toMatchObject({ status: 503, details: "wasm_fail_stream" });
    expect(upstreamIn(await host.request("b", "s4", REQ), "s4")).toBeDefined();
    const stats = await host.stats();
    expect(stats.vms.a).toMatchObject({ failed: true, fail_state: "RuntimeError" });
    expect(stats.vms.b).toMatchObject({ failed: false });
  });

  it("fail-open: after a trap the filter lets traffic through", async () => {
    const host = newHost();
    await scriptedVm(host, "a", { "request_headers@2": "trap" }, { failOpen: true });
    const trapped = await host.request("a", "s1", REQ);
    expect(trapped.some((e) => e.ev === "vm_failed")).toBe(true);
    expect(replyIn(trapped)).toBeUndefined();
    expect(upstreamIn(await host.request("a", "s2", REQ), "s2")).toMatchObject({ bypassed: true });
  });

  it("ticks follow proxy_set_tick_period_milliseconds on the driver clock", async () => {
    const host = newHost();
    await scriptedVm(host, "a", { configure: "tick_period 1000", tick: "time", request_headers: "tick_period 300" });
    const ev = await host.advance(3500);
    const times = outputs(ev).filter((l) => l.startsWith("time")).map((l) => BigInt(l.split(" ").pop()!) - EPOCH_NS);
    expect(times).toEqual([1000n, 2000n, 3000n].map((ms) => ms * 1_000_000n));
    await host.request("a", "s1", REQ); // a new period restarts the timer from now (t = 3500 ms)
    const again = await host.advance(700);
    expect(outputs(again).filter((l) => l.startsWith("time")).map((l) => BigInt(l.split(" ").pop()!) - EPOCH_NS))
      .toEqual([3800n, 4100n].map((ms) => ms * 1_000_000n));
  });

  it("VMs with the same vm_id share shared data and queues; another vm_id does not", async () => {
    const host = newHost();
    await scriptedVm(host, "a", { request_headers: ["shared_set k v1 0", "queue_resolve - q", "queue_enqueue $last hello"] }, { vmId: "shared" });
    await scriptedVm(host, "b", { configure: "queue_register q", request_headers: "shared_get k", queue_ready: "queue_dequeue $a1" }, { vmId: "shared" });
    await scriptedVm(host, "c", { request_headers: ["shared_get k", "queue_resolve - q"] }, { vmId: "other" });
    const a = await host.request("a", "s1", REQ);
    expect(result(a, "shared_set")).toBe("0");
    expect(result(a, "queue_enqueue")).toBe("0");
    // on_queue_ready runs on the registrant (b), after a's callback.
    expect(result(a, "queue_dequeue")).toBe("0 hello");
    expect(a.find((e) => e.ev === "log" && String(e.msg).startsWith("> queue_dequeue"))).toMatchObject({ vm: "b" });
    expect(result(await host.request("b", "s2", REQ), "shared_get k")).toMatch(/^0 v1 cas \d+$/);
    const c = await host.request("c", "s3", REQ);
    expect(result(c, "shared_get k")).toBe("1");
    expect(result(c, "queue_resolve")).toBe("1");
  });
});
