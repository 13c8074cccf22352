// Shared helpers for the gateway-features tests: the product module in the host
// simulator, with the backend cluster answered in-process by the 3scale backend simulator when
// the backend's real answer matters (limit headers, oauth_authrep).
import { expect } from "vitest";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import type { HttpCallRequest, HttpCallResponseInit, ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { BACKEND_CLUSTER, config, requestHeaders, startFilter, type Headers, type Json } from "../filter/harness.js";

export { BACKEND_CLUSTER, SYSTEM_CLUSTER, config, service, systemBlock, requestHeaders, startFilter, type Json } from "../filter/harness.js";

/** answerWith turns a call into an in-process request to the backend simulator. */
export function answerWith(backend: BackendSimulator) {
  return (call: HttpCallRequest): HttpCallResponseInit => {
    const headers: Record<string, string> = {};
    for (const [k, v] of call.headers) if (!k.startsWith(":")) headers[k.toLowerCase()] = v;
    const r = backend.handle({ method: call.method, url: call.path, headers });
    return { status: r.status, headers: Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v] as [string, string]), body: r.body };
  };
}

/** A backend with service S1 (token st-secret): user_key app A limited to `perMinute` hits/minute. */
export function limitedBackend(perMinute: number, backendVersion: "1" | "2" | "oauth" = "1"): BackendSimulator {
  const app: Json = backendVersion === "1" ? { id: "A", plan: "p", user_key: "uk-1234" } : { id: "client-1", plan: "p" };
  return new BackendSimulator({
    seed: {
      services: [{
        id: "S1", provider_key: "pk", backend_version: backendVersion, service_tokens: ["st-secret"],
        metrics: [{ id: "1", name: "hits" }],
        plans: [{ id: "p", name: "basic", limits: [{ metric: "hits", period: "minute", value: perMinute }] }],
        applications: [app],
      }],
    } as never,
    clock: new ManualClock("2026-01-01T00:00:10Z"),
  });
}

/** filterOn starts the product with `cfg`, its backend cluster answered by `backend`. */
export function filterOn(backend: BackendSimulator, cfg: Json): Promise<ProxyWasmSimulator> {
  return startFilter(cfg, { clusters: { [BACKEND_CLUSTER]: answerWith(backend) } });
}

/** s1Config: one service S1 on the default backend cluster plus `svc` overrides. */
export function s1Config(svc: Json = {}, backend: Json = {}): Json {
  return config({ backend: { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/", timeout: 5000 }, extensions: ["no_body"], ...backend } },
    { id: "S1", token: "st-secret", ...svc });
}

/** request sends `headers` and waits for the decision; an allowed request gets a 200 upstream reply. */
export async function request(sim: ProxyWasmSimulator, headers: Headers, metadata?: Record<string, Json>) {
  const s = sim.newHttpStream(metadata ? { metadata: metadata as never } : {});
  const phase = s.sendRequestHeaders(headers, { endOfStream: true });
  expect(phase.trapped).toBeUndefined();
  const decision = await s.whenRequestDecided();
  if (decision === "continued") s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
  return { s, decision };
}

export const get = (path: string, extra: Headers = []) => requestHeaders("GET", path, extra);

/** header returns the first value of `name` in pairs (case-insensitive). */
export function header(pairs: Array<[string, string]>, name: string): string | undefined {
  return pairs.find(([k]) => k.toLowerCase() === name)?.[1];
}

export function headersNamed(pairs: Array<[string, string]>, name: string): string[] {
  return pairs.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}
