// End to end over 127.0.0.1: the product module in the host simulator, whose backend cluster is an
// async handler doing real HTTP to the 3scale backend simulator. An application limited to 3 hits
// per minute gets 200, 200, 200, 429.
import { afterEach, describe, expect, it } from "vitest";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import { config, requestHeaders, startFilter } from "./harness.js";
import { forward } from "../support/forward.js";

const CLUSTER = "backend";

function seed() {
  return {
    services: [
      {
        id: "S1",
        provider_key: "pk",
        backend_version: "1",
        service_tokens: ["st-secret"],
        metrics: [{ id: "1", name: "hits" }],
        plans: [{ id: "p", name: "basic", limits: [{ metric: "hits", period: "minute", value: 3 }] }],
        applications: [{ id: "A", plan: "p", user_key: "uk-1234" }],
      },
    ],
  };
}

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

describe("end to end with the backend simulator", () => {
  it("3 hits/minute: 200, 200, 200, 429", async () => {
    backend = new BackendSimulator({ seed: seed(), clock: new ManualClock("2026-01-01T00:00:10Z") });
    const base = await backend.start();
    const b = backend;
    const sim = await startFilter(
      config({ backend: { upstream: { name: CLUSTER, url: base, timeout: 5000 }, extensions: ["no_body"] } }, { id: "S1", token: "st-secret" }),
      { clusters: { [CLUSTER]: (call) => forward(base, call) } },
    );
    const outcomes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = sim.newHttpStream();
      s.sendRequestHeaders(requestHeaders("GET", "/items?user_key=uk-1234"), { endOfStream: true });
      const decision = await s.whenRequestDecided();
      if (decision === "continued") {
        s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
        outcomes.push(200);
      } else outcomes.push(s.localResponse!.status);
      s.complete();
      await b.flushReports();
    }
    expect(outcomes).toEqual([200, 200, 200, 429]);
    expect(b.requests).toHaveLength(4);
    expect(b.requests[0]!.path).toBe("/transactions/authrep.xml");
    expect(b.requests[3]!.responseHeaders["3scale-rejection-reason"]).toBe("limits_exceeded");
    expect(b.usage("S1", "A", "hits", "minute")).toBe(3);
  });

  it("an unknown user_key is 403 Authentication failed; a closed backend port is 502", async () => {
    backend = new BackendSimulator({ seed: seed(), clock: new ManualClock("2026-01-01T00:00:10Z") });
    const base = await backend.start();
    const sim = await startFilter(
      config({ backend: { upstream: { name: CLUSTER, url: base } } }, { id: "S1", token: "st-secret" }),
      { clusters: { [CLUSTER]: (call) => forward(base, call) } },
    );
    const s = sim.newHttpStream();
    s.sendRequestHeaders(requestHeaders("GET", "/?user_key=nope"), { endOfStream: true });
    expect(await s.whenRequestDecided()).toBe("local-reply");
    expect(s.localResponse!.status).toBe(403);
    await backend.stop();
    const s2 = sim.newHttpStream();
    s2.sendRequestHeaders(requestHeaders("GET", "/?user_key=uk-1234"), { endOfStream: true });
    expect(await s2.whenRequestDecided()).toBe("local-reply");
    expect(s2.localResponse!.status).toBe(502);
  });
});
