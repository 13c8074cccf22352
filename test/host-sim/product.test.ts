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
    // The filter asks the backend cluster (authrep); a 200 authorizes the request.
    const calls = sim.httpCalls.pending();
    expect(calls.map((c) => c.cluster)).toEqual(["backend-cluster"]);
    expect(calls[0]!.rootContextId).toBe(1);
    calls[0]!.respond({ status: 200, body: "" });
    expect(await stream.whenRequestDecided()).toBe("continued");
    expect(stream.forwardedUpstream?.headers).toContainEqual([":path", "/?user_key=k"]);
    stream.complete();
    expect(sim.vmState.status).toBe("ok");
  });
});
