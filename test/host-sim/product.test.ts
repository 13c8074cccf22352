// The product module (build/threescale_wasm_auth.wasm) runs in the simulator under the root ids
// Envoy ("threescale-wasm-auth") and Istio ("") use: start, one request through to a decision.
import { describe, expect, it } from "vitest";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";

const CONFIG = {
  api: "v1",
  backend: { upstream: { name: "backend-cluster", url: "https://su1.3scale.net/", timeout: 1000 } },
  services: [
    {
      id: "2555417834780",
      token: "service-token-secret",
      authorities: ["*"],
      credentials: { user_key: [{ query_string: { keys: ["user_key"] } }] },
      mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
    },
  ],
};

describe("product module", () => {
  it.each([
    { name: "Envoy root id", rootId: "threescale-wasm-auth" },
    { name: "Istio empty root id", rootId: "" },
  ])("starts and decides a request under the $name", async ({ rootId }) => {
    const sim = await ProxyWasmSimulator.create(modulePath("product"), { rootId, pluginConfiguration: CONFIG });
    const start = sim.start();
    expect(start.vmStartResult).toBe(1);
    expect(start.trapped).toBeUndefined();
    expect(sim.vmState.status, JSON.stringify({ start, logs: sim.logs.slice(-4), host: sim.hostLogs })).toBe("ok");

    const stream = sim.newHttpStream();
    const r = stream.sendRequestHeaders([[":method", "GET"], [":path", "/?user_key=k"], [":authority", "api.example.com"]]);
    expect(r.called).toBe(true);
    expect(r.trapped).toBeUndefined();
    // Whatever the filter decides (call-out or immediate verdict), answering every call-out with
    // a 200 must lead to a decision without trapping.
    for (const call of sim.httpCalls.pending()) call.respond({ status: 200, body: "" });
    await sim.idle();
    if (stream.requestDecision !== null) {
      expect(["continued", "local-reply"]).toContain(await stream.whenRequestDecided());
    }
    stream.complete();
    expect(sim.vmState.status).toBe("ok");
  });
});
