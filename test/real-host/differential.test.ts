// One table of scenarios run through both hosts — the project's simulator (src-host-sim) and Envoy's
// own Proxy-Wasm host (proxy-wasm-cpp-host + WAMR, through the driver) — with identical scripted
// call-out answers. Verdicts, local replies, call-outs and header changes must be identical, so a
// divergence between the two hosts shows up the day it appears.
import { expect, it } from "vitest";
import { ProxyWasmSimulator, type HttpCall, type SimulatorOptions } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { encodeMetadata, type JsonValue } from "../../src-host-sim/abi/protobuf.js";
import { BACKEND_CLUSTER, SYSTEM_CLUSTER, b64, config, requestHeaders, service, systemBlock } from "../filter/harness.js";
import { CREDENTIALS } from "../filter/fixtures.js";
import { describeRealHost, replyIn, upstreamIn, useRealHost, type CallEvent, type HostEvent, type Pairs, type RealHost } from "./harness.js";

type Answer = { status: number; headers?: Pairs; body?: string } | "reset" | "timeout";

interface Step {
  request: Pairs;
  /** Envoy dynamic metadata of the stream (e.g. what jwt_authn stores) */
  metadata?: { [namespace: string]: { [key: string]: JsonValue } };
  /** answers for the call-outs this request causes, in the order they are made */
  answers?: Answer[];
  /** the upstream's response when the request is let through */
  upstream?: Pairs;
}

interface Scenario {
  name: string;
  config: unknown;
  /** answers for the call-outs made at start (system fetch) */
  startAnswers?: Answer[];
  steps: Step[];
  /** optional: what the outcomes must show, so a scenario cannot pass vacuously */
  check?: (o: Outcome[]) => void;
}

/** What one request looked like from outside the module. */
interface Outcome {
  verdict: string;
  /** headers: the module's additional headers; sent: the reply's headers as they leave the filter */
  reply: { status: number; body: string; details: string; grpc: number | null; headers: Pairs; sent: Pairs | null } | null;
  calls: Array<{ cluster: string; method: string; path: string; authority: string; headers: Pairs; body: string; timeout: number }>;
  upstream: Pairs | null;
  downstream: Pairs | null;
}

const OK: Answer = { status: 200 };
const get = (path: string, extra: Pairs = []) => requestHeaders("GET", path, extra);
const CLUSTERS = [BACKEND_CLUSTER, SYSTEM_CLUSTER];
const LIMIT_HEADERS: Pairs = [["3scale-limit-max-value", "3"], ["3scale-limit-remaining", "0"], ["3scale-limit-reset", "42"]];

function portaBody(token: string): string {
  const content = { backend_authentication_type: "service_token", backend_authentication_value: token, proxy: { proxy_rules: [{ http_method: "GET", pattern: "/", metric_system_name: "hits", delta: 1 }] } };
  return JSON.stringify({ proxy_config: { id: 1, version: 3, environment: "production", content } });
}

const SCENARIOS: Scenario[] = [
  { name: "allowed user_key", config: config(), steps: [{ request: get("/?user_key=k1"), answers: [OK] }] },
  { name: "credentials missing → 403", config: config(), steps: [{ request: get("/") }] },
  { name: "backend rejects → 403", config: config(), steps: [{ request: get("/?user_key=bad"), answers: [{ status: 403, headers: [["3scale-rejection-reason", "user_key_invalid"]] }] }] },
  {
    name: "limits exceeded → 429 with RateLimit headers",
    config: config({ backend: { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/", timeout: 5000 }, extensions: ["no_body"], rate_limit_headers: true } }),
    steps: [{ request: get("/?user_key=k1"), answers: [{ status: 409, headers: [["3scale-rejection-reason", "limits_exceeded"], ...LIMIT_HEADERS] }] }],
  },
  {
    name: "allowed with RateLimit headers on the upstream response",
    config: config({ backend: { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/", timeout: 5000 }, extensions: ["no_body"], rate_limit_headers: true } }),
    steps: [{ request: get("/?user_key=k1"), answers: [{ status: 200, headers: LIMIT_HEADERS }], upstream: [[":status", "200"], ["ratelimit-limit", "999"]] }],
  },
  { name: "no mapping rule → 404", config: config({}, { mapping_rules: [{ method: "GET", pattern: "/only", usages: [{ name: "hits", delta: 1 }] }] }), steps: [{ request: get("/other?user_key=k") }] },
  { name: "unknown service → 403", config: config({}, { authorities: ["api.other.com"] }), steps: [{ request: get("/?user_key=k") }] },
  { name: "no :path → 400", config: config(), steps: [{ request: [[":method", "GET"], [":authority", "a"]] }] },
  { name: "backend 5xx → 502", config: config(), steps: [{ request: get("/?user_key=k"), answers: [{ status: 503, body: "down" }] }] },
  { name: "backend reset → 502", config: config(), steps: [{ request: get("/?user_key=k"), answers: ["reset"] }] },
  { name: "backend timeout → 502", config: config(), steps: [{ request: get("/?user_key=k"), answers: ["timeout"] }] },
  {
    name: "Basic auth (extended) credentials, stripped, identity headers set",
    config: config({}, {
      credentials: CREDENTIALS.basicExtended,
      strip_credentials: true,
      identity_headers: { app_id: "x-3scale-app-id", service_id: "x-3scale-service-id" },
    }),
    steps: [{ request: get("/items?x=1", [["authorization", `Basic ${b64("aladdin:opensesame")}`], ["x-3scale-app-id", "spoofed"]]), answers: [OK] }],
  },
  {
    name: "user_key in the query stripped from :path",
    config: config({}, { strip_credentials: true }),
    steps: [{ request: get("/a?b=1&user_key=k1&c=2"), answers: [OK] }],
  },
  {
    name: "two services by authority, app_id/app_key headers",
    config: config({ services: [service({ id: "one", authorities: ["one.example.com"] }), service({ id: "two", authorities: ["*"], credentials: CREDENTIALS.appIdAppKeyHeadersFirst })] }),
    steps: [{ request: get("/", [["app_id", "A"], ["app_key", "K"]]), answers: [OK] }],
  },
  {
    name: "OIDC: app_id from jwt_authn dynamic metadata",
    config: config({}, { credentials: CREDENTIALS.oidcFilter }),
    steps: [
      { request: get("/"), metadata: { "envoy.filters.http.jwt_authn": { verified_jwt: { azp: "client-7", aud: ["client-7", "x"] } } }, answers: [OK] },
      { request: get("/"), metadata: { "envoy.filters.http.jwt_authn": { verified_jwt: { aud: ["a", "b"] } } }, answers: [OK] },
      { request: get("/"), metadata: { "envoy.filters.http.other": { x: { azp: "test" } } } },
    ],
    check: (o) => {
      expect(o[0]!.calls[0]!.path).toContain("app_id=client-7");
      expect(o[1]!.calls[0]!.path).toContain("app_id=a");
      expect(o[2]!.reply!.status).toBe(403);
    },
  },
  {
    name: "system fetch at start, then its token in the authrep",
    config: config({ system: systemBlock() }, { id: "S", token: undefined, mapping_rules: [] }),
    startAnswers: [{ status: 200, body: portaBody("T2") }],
    steps: [{ request: get("/?user_key=k"), answers: [OK] }],
  },
  {
    name: "authorization cache: the second request is served from the cache",
    config: config({ backend: { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/", timeout: 5000 }, cache: { enabled: true, ttl: 60, report_interval: 5 } } }),
    steps: [{ request: get("/?user_key=k1"), answers: [OK] }, { request: get("/?user_key=k1") }],
  },
];

const DEFAULT_UPSTREAM: Pairs = [[":status", "200"]];

/** The call as both hosts can report it (Envoy's added content-length is not seen by the module). */
function callOf(cluster: string, headers: Pairs, body: string, timeout: number): Outcome["calls"][number] {
  const h = (k: string) => headers.find(([n]) => n === k)?.[1] ?? "";
  return {
    cluster, method: h(":method"), path: h(":path"), authority: h(":authority"),
    headers: headers.filter(([k]) => !k.startsWith(":") && k !== "content-length"), body, timeout,
  };
}

// ---- the simulator ------------------------------------------------------------------------------

async function runSimulator(sc: Scenario, options: SimulatorOptions = {}): Promise<Outcome[]> {
  const sim = await ProxyWasmSimulator.create(modulePath("product"), {
    ...options,
    rootId: "threescale-wasm-auth",
    vmId: "threescale",
    pluginConfiguration: sc.config as never,
    clusters: Object.fromEntries(CLUSTERS.map((c) => [c, "manual" as const])),
    logLevel: "info",
  });
  expect(sim.start().ok).toBe(true);
  const answerPending = (answers: Answer[], record?: Outcome["calls"]): void => {
    let pending: HttpCall[];
    while ((pending = sim.httpCalls.pending()).length > 0 && answers.length > 0) {
      const call = pending[0]!;
      record?.push(callOf(call.cluster, call.headers, call.bodyText, call.timeoutMs));
      const a = answers.shift()!;
      if (a === "reset") call.fail();
      else if (a === "timeout") sim.advanceTime(call.timeoutMs);
      else call.respond({ status: a.status, headers: a.headers ?? [], body: a.body ?? "" });
    }
  };
  answerPending([...(sc.startAnswers ?? [])]);
  const out: Outcome[] = [];
  for (const step of sc.steps) {
    const s = sim.newHttpStream(step.metadata ? { metadata: step.metadata } : {});
    const calls: Outcome["calls"] = [];
    s.sendRequestHeaders(step.request, { endOfStream: true });
    answerPending([...(step.answers ?? [])], calls);
    for (const c of sim.httpCalls.pending()) calls.push(callOf(c.cluster, c.headers, c.bodyText, c.timeoutMs));
    const decision = s.requestDecision;
    let downstream: Pairs | null = null;
    if (decision === "continued") {
      s.sendResponseHeaders(step.upstream ?? DEFAULT_UPSTREAM, { endOfStream: true });
      downstream = s.sentDownstream?.headers ?? null;
    }
    const lr = s.localResponse;
    out.push({
      verdict: decision === "local-reply" ? "local_reply" : decision ?? "pending",
      reply: lr ? { status: lr.status, body: lr.bodyText, details: lr.details, grpc: lr.grpcStatus, headers: lr.additionalHeaders, sent: s.sentDownstream?.headers ?? null } : null,
      calls,
      upstream: decision === "continued" ? s.forwardedUpstream?.headers ?? null : null,
      downstream,
    });
    if (decision !== null) s.complete();
  }
  return out;
}

// ---- the real host ------------------------------------------------------------------------------

async function runRealHost(host: RealHost, sc: Scenario): Promise<Outcome[]> {
  await host.startOk("w0", { config: sc.config, clusters: CLUSTERS, vmId: "threescale" });
  const answerPending = async (events: HostEvent[], answers: Answer[], record?: Outcome["calls"]): Promise<HostEvent[]> => {
    const all = [...events];
    let pending = host.pendingCalls();
    while (pending.length > 0 && answers.length > 0) {
      const call: CallEvent = pending[0]!;
      record?.push(callOf(call.cluster, call.headers, call.body, call.timeout_ms));
      const a = answers.shift()!;
      if (a === "reset") all.push(...(await host.failCall(call.vm, call.token)));
      else if (a === "timeout") all.push(...(await host.advance(call.timeout_ms)));
      else all.push(...(await host.respond(call.vm, call.token, { status: a.status, headers: a.headers ?? [], body: a.body ?? "" })));
      pending = host.pendingCalls();
    }
    return all;
  };
  await answerPending([], [...(sc.startAnswers ?? [])]);
  const out: Outcome[] = [];
  let n = 0;
  for (const step of sc.steps) {
    const stream = `s${n++}`;
    const calls: Outcome["calls"] = [];
    const extra = step.metadata ? { properties_b64: { metadata: Buffer.from(encodeMetadata(step.metadata)).toString("base64") } } : {};
    const events = await answerPending(await host.request("w0", stream, step.request, extra), [...(step.answers ?? [])], calls);
    for (const c of host.pendingCalls()) calls.push(callOf(c.cluster, c.headers, c.body, c.timeout_ms));
    const reply = replyIn(events, stream);
    const up = upstreamIn(events, stream);
    let downstream: Pairs | null = null;
    if (up && !reply) {
      const res = await host.upstreamResponse(stream, step.upstream ?? DEFAULT_UPSTREAM);
      downstream = (res.find((e) => e.ev === "downstream") as unknown as { headers: Pairs } | undefined)?.headers ?? null;
    }
    out.push({
      verdict: reply ? (reply.fail_closed ? "failed" : "local_reply") : up ? "continued" : "pending",
      reply: reply ? { status: reply.status, body: reply.body, details: reply.details, grpc: reply.grpc_status, headers: reply.additional_headers, sent: reply.headers } : null,
      calls,
      upstream: up && !reply ? up.headers : null,
      downstream,
    });
    if (reply || up) await host.end(stream);
  }
  return out;
}

describeRealHost("differential: the simulator and the real host agree", () => {
  const newHost = useRealHost();
  for (const sc of SCENARIOS) {
    it(sc.name, async () => {
      const simulated = await runSimulator(sc);
      const real = await runRealHost(newHost(), sc);
      expect(real).toEqual(simulated);
      // The scenario exercised what it names: at least one decision was reached.
      expect(real.some((o) => o.verdict !== "pending")).toBe(true);
      sc.check?.(real);
    });
  }

  it("the comparison notices a host difference (a simulator whose local replies skip the filter)", async () => {
    const sc = SCENARIOS.find((s) => s.name === "credentials missing → 403")!;
    const simulated = await runSimulator(sc, { localReplyThroughFilter: false });
    const real = await runRealHost(newHost(), sc);
    expect(real).not.toEqual(simulated);
    expect(real[0]!.reply!.sent).toContainEqual(["powered-by", "3scale"]);
  });
});
