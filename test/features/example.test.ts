// examples/apicast-features.yaml: validates (schema + module, no warning), has a WasmPlugin twin,
// and behaves as its header comment says against the backend simulator seeded from
// examples/seed.yaml (service 2555417834781 switched to backend_version "oauth").
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { answerWith, header } from "./helpers.js";

const BARE = "examples/apicast-features.yaml";
const PLUGIN = "examples/wasmplugin/apicast-features.yaml";

function seed(): Record<string, unknown> {
  const s = parse(readFileSync("examples/seed.yaml", "utf8")) as { services: Array<Record<string, unknown>> };
  for (const svc of s.services) if (svc.id === "2555417834781") svc.backend_version = "oauth";
  return s;
}

async function start() {
  const backend = new BackendSimulator({ seed: seed(), clock: new ManualClock("2026-01-01T00:00:10Z") });
  const sim = await ProxyWasmSimulator.create(modulePath("product"), {
    pluginConfiguration: JSON.stringify(parse(readFileSync(BARE, "utf8"))),
    clusters: { "3scale-backend": answerWith(backend) },
  });
  expect(sim.start().ok).toBe(true);
  return { sim, backend };
}

async function send(sim: ProxyWasmSimulator, path: string, extra: Array<[string, string]> = [], authority = "api.example.com", metadata?: unknown) {
  const s = sim.newHttpStream(metadata ? { metadata: metadata as never } : {});
  s.sendRequestHeaders([[":method", "GET"], [":scheme", "http"], [":authority", authority], [":path", path], ...extra], { endOfStream: true });
  const decision = await s.whenRequestDecided();
  if (decision === "continued") s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
  return { s, decision };
}

describe("example apicast-features", () => {
  it.each([BARE, PLUGIN])("%s validates with no error and no warning", async (file) => {
    const io = new BufferIo();
    const code = await runCli(["validate", file, "--json"], io);
    const report = JSON.parse(io.stdout) as { documents: Array<{ problems: unknown[]; module: string }> };
    expect(report.documents[0]!.problems).toEqual([]);
    expect(report.documents[0]!.module).toMatch(/^configuration accepted: api v1, 2 service/);
    expect(code).toBe(0);
  });

  it("has a WasmPlugin twin with the same pluginConfig", () => {
    const manifest = parse(readFileSync(PLUGIN, "utf8")) as { kind: string; spec: { pluginConfig: unknown; phase: string } };
    expect(manifest.kind).toBe("WasmPlugin");
    expect(manifest.spec.pluginConfig).toEqual(parse(readFileSync(BARE, "utf8")));
  });

  it("a good API key: stripped, identity headers set, RateLimit-* on the response", async () => {
    const { sim } = await start();
    const { s, decision } = await send(sim, "/?user_key=user_key_demo&q=1", [["x-3scale-app-id", "spoofed"]]);
    expect(decision).toBe("continued");
    const up = s.forwardedUpstream!.headers!;
    expect([header(up, ":path"), header(up, "x-3scale-app-id"), header(up, "x-3scale-service-id")]).toEqual(["/?q=1", undefined, "2555417834780"]);
    const down = s.sentDownstream!.headers!;
    expect([header(down, "ratelimit-limit"), header(down, "ratelimit-remaining")]).toEqual(["100000", "99999"]);
    expect(sim.metrics.value("threescale_wasm_auth.requests.allowed")).toBe(1);
  });

  it("the fourth call of limited_demo in a minute: JSON 429 with RateLimit-* and retry-after", async () => {
    const { sim, backend } = await start();
    let last = await send(sim, "/?user_key=limited_demo");
    for (let i = 0; i < 3; i++) {
      await backend.flushReports();
      last = await send(sim, "/", [["x-api-key", "limited_demo"]]);
    }
    const r = last.s.localResponse!;
    expect([r.status, r.bodyText]).toEqual([429, '{"error":"too many requests"}']);
    expect(r.additionalHeaders).toEqual([["retry-after", "60"], ["content-type", "application/json"],
      ["ratelimit-limit", "3"], ["ratelimit-remaining", "0"], ["ratelimit-reset", "50"]]);
    expect(sim.metrics.value("threescale_wasm_auth.requests.limits_exceeded")).toBe(1);
  });

  it.each([
    { name: "no key", path: "/", want: [401, '{"error":"missing API key"}'] },
    { name: "an unknown key", path: "/?user_key=nope", want: [401, '{"error":"invalid API key"}'] },
  ])("$name → $want.0 JSON", async ({ path, want }) => {
    const { sim } = await start();
    const { s } = await send(sim, path);
    expect([s.localResponse!.status, s.localResponse!.bodyText]).toEqual(want);
  });

  it("an OIDC client: oauth_authrep.xml with the client id, x-3scale-app-id upstream", async () => {
    const { sim, backend } = await start();
    const jwt = { "envoy.filters.http.jwt_authn": { verified_jwt: { azp: "aladdin", aud: ["x"] } } };
    const { s, decision } = await send(sim, "/", [["x-3scale-app-id", "mallory"]], "oidc.example.com", jwt);
    expect(decision).toBe("continued");
    expect(backend.requests[0]!.path).toBe("/transactions/oauth_authrep.xml");
    expect(backend.requests[0]!.query).toContain("&app_id=aladdin&");
    expect(header(s.forwardedUpstream!.headers!, "x-3scale-app-id")).toBe("aladdin");
  });
});
