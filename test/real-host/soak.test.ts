// 100,000 request cycles of the release module in the real host: no VM failure, every cycle ends
// as expected, and linear memory stays flat. The driver loops internally (one command), answering
// each authrep with the backend simulator's answer to the same request.
import { expect, it } from "vitest";
import { loopResult } from "../../bench/lib/real-host.js";
import { BACKEND_CLUSTER, requestHeaders } from "../filter/harness.js";
import { limitedBackend, s1Config } from "../features/helpers.js";
import { backendAnswer, describeRealHost, onlyCall, useRealHost } from "./harness.js";

describeRealHost("release module in the real host: soak", () => {
  const newHost = useRealHost();

  it("100,000 requests (half allowed, half 403) with flat linear memory and no VM failure", async () => {
    const host = newHost();
    const backend = limitedBackend(1_000_000);
    await host.startOk("w0", { config: s1Config(), clusters: [BACKEND_CLUSTER] });
    // The backend's answer to the allowed request, replayed for every cycle.
    const probe = onlyCall(await host.request("w0", "probe", requestHeaders("GET", "/?user_key=uk-1234")));
    const answer = backendAnswer(backend, probe);
    await host.respond("w0", probe.token, answer);
    await host.end("probe");
    const headers = [[":status", String(answer.status)], ...(answer.headers ?? [])];
    host.driver.keepEvents = false;
    const r = loopResult(await host.driver.send({
      cmd: "loop",
      vms: ["w0"],
      n: 100_000,
      request: { headers: requestHeaders("GET", "/?user_key=uk-1234") },
      vary_header: ":path",
      vary: ["/?user_key=uk-1234", "/nokey"],
      call_response: { headers, body: answer.body },
      upstream: { headers: [[":status", "200"]], body: "" },
      sample_every: 10_000,
    }));
    expect(r.vm_failed).toBe(false);
    expect(r.continued).toBe(50_000);
    expect(r.calls).toBe(50_000);
    expect(r.counts).toEqual({ "local_reply.403": 50_000 });
    // Linear memory after 10,000 cycles is where it stays.
    expect(r.memory_samples).toHaveLength(10);
    expect(Math.max(...r.memory_samples)).toBe(r.memory_samples[0]);
    const stats = await host.stats();
    expect(stats.vms.w0).toMatchObject({ failed: false, streams: 0, pending_calls: 0 });
  }, 180_000);
});
