// The README cases of the compose environment, with the host simulator in Envoy's place: the
// module runs with envoy/envoy.yaml's root id and embedded configuration, and its calls to the
// clusters 3scale-backend / 3scale-system go over real HTTP to the compose `sims` stack
// (tools/compose/stack.ts with the compose seed). test/e2e runs the same cases through Envoy.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clusterHandler, parseClusterUrl } from "../../src-host-sim/gateway/clusters.js";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { startStack, type RunningStack } from "../../tools/compose/stack.js";
import { modulePath } from "../support/modules.js";
import { ROOT, readCompose, readEnvoyFile } from "./envoy-files.js";

const envoy = readEnvoyFile("envoy/envoy.yaml");
const seed = join(ROOT, readCompose().services.sims.environment.SIMS_SEED);

let stack: RunningStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** Module + simulators, with the system configuration fetched (as after Envoy's first tick). */
async function environment(): Promise<{ sim: ProxyWasmSimulator; stack: RunningStack }> {
  stack = await startStack({ seed, backendPort: 0, systemPort: 0, echoPort: 0 });
  const sim = await ProxyWasmSimulator.create(modulePath("product"), {
    rootId: envoy.wasm.config.root_id,
    pluginConfiguration: envoy.wasm.configurationJson,
    clusters: {
      "3scale-backend": clusterHandler(parseClusterUrl(stack.backendUrl)!),
      "3scale-system": clusterHandler(parseClusterUrl(stack.systemUrl)!),
    },
  });
  expect(sim.start().ok).toBe(true);
  // Let the first ticks run and the system answers arrive.
  for (let i = 0; i < 5 && stack.system.requests.length < 2; i++) {
    sim.advanceTime(1000);
    await sim.idle();
  }
  expect(stack.system.requests.length).toBeGreaterThanOrEqual(2);
  return { sim, stack };
}

async function request(sim: ProxyWasmSimulator, path: string, authority = "localhost:8080", headers: Array<[string, string]> = [], method = "GET") {
  const s = sim.newHttpStream();
  s.sendRequestHeaders([[":method", method], [":path", path], [":authority", authority], [":scheme", "http"], ...headers]);
  const decision = await s.whenRequestDecided();
  return { decision, status: s.localResponse?.status, body: s.localResponse?.bodyText };
}

describe("compose cases with envoy/envoy.yaml's configuration (host simulator in Envoy's place)", () => {
  it.each([
    { label: "authorized (user_key in the query)", path: "/?user_key=user_key_demo", headers: [] as Array<[string, string]>, authority: "localhost:8080", decision: "continued", status: undefined, body: undefined },
    { label: "authorized (user_key header)", path: "/products/1", headers: [["user_key", "user_key_demo"]] as Array<[string, string]>, authority: "localhost:8080", decision: "continued", status: undefined, body: undefined },
    { label: "authorized (app_id + app_key on apps.localhost)", path: "/?app_id=aladdin&app_key=opensesame", headers: [], authority: "apps.localhost:8080", decision: "continued", status: undefined, body: undefined },
    { label: "missing credential", path: "/", headers: [], authority: "localhost:8080", decision: "local-reply", status: 403, body: "Authentication parameters missing\n" },
    { label: "wrong key", path: "/?user_key=wrong_key", headers: [], authority: "localhost:8080", decision: "local-reply", status: 403, body: "Authentication failed\n" },
  ])("$label", async ({ path, headers, authority, decision, status, body }) => {
    const { sim } = await environment();
    const r = await request(sim, path, authority, headers);
    expect(r).toEqual({ decision, status, body });
  });

  it("an unmapped method with a valid key: 404 No Mapping Rule matched", async () => {
    const { sim } = await environment();
    expect(await request(sim, "/?user_key=user_key_demo", "localhost:8080", [], "POST")).toEqual({
      decision: "local-reply",
      status: 404,
      body: "No Mapping Rule matched\n",
    });
  });

  it("limit exceeded: limited_demo (3 hits per minute) is let through 3 times, then 429", async () => {
    const { sim, stack: s } = await environment();
    const results: Array<number | string> = [];
    for (let i = 0; i < 4; i++) {
      const r = await request(sim, "/?user_key=limited_demo");
      results.push(r.status ?? r.decision);
      await s.backend.flushReports();
    }
    expect(results).toEqual(["continued", "continued", "continued", 429]);
  });

  it("the authrep for the authorized case carries the token and usage fetched from system", async () => {
    const { sim, stack: s } = await environment();
    await request(sim, "/?user_key=user_key_demo");
    const authreps = s.backend.requests.filter((r) => r.path.endsWith("/authrep.xml"));
    expect(authreps).toHaveLength(1);
    expect(authreps[0]!.query).toBe("service_id=2555417834780&service_token=service_token&user_key=user_key_demo&usage[hits]=1");
    expect(authreps[0]!.headers["3scale-options"]).toBe("rejection_reason_header=1&no_body=1");
  });
});
