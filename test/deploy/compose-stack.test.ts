// The `sims` service of docker-compose.yaml (tools/compose/stack.ts), run here on ephemeral ports:
// with the seed the compose file names, the backend simulator answers the authreps Envoy's filter
// sends (envoy/envoy.yaml configuration) as the four README cases need, and the echo upstream
// answers. Envoy itself is exercised in test/e2e.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startStack, type RunningStack } from "../../tools/compose/stack.js";
import { ROOT, readCompose, readEnvoyFile } from "./envoy-files.js";

const compose = readCompose();
const seed = join(ROOT, compose.services.sims.environment.SIMS_SEED);
const envoyConfig = JSON.parse(readEnvoyFile("envoy/envoy.yaml").wasm.configurationJson);
// The user_key service of the configuration; its service token comes from system (the seed).
const service = envoyConfig.services.find((s: { credentials: Record<string, unknown> }) => "user_key" in s.credentials);
const SERVICE_TOKEN = "service_token";

let stack: RunningStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(): Promise<RunningStack> {
  stack = await startStack({ seed, host: "127.0.0.1", backendPort: 0, systemPort: 0, echoPort: 0 });
  return stack;
}

/** The authrep the module sends for GET / with this user_key (docs/behaviour.md). */
async function authrep(s: RunningStack, userKey: string): Promise<{ status: number; reason: string | null }> {
  const path =
    `transactions/authrep.xml?service_id=${service.id}&service_token=${SERVICE_TOKEN}` +
    `&user_key=${encodeURIComponent(userKey)}&usage[hits]=1`;
  const res = await fetch(new URL(path, s.backendUrl), {
    headers: { "3scale-options": `rejection_reason_header=1&${envoyConfig.backend.extensions.map((e: string) => `${e}=1`).join("&")}` },
  });
  await res.text();
  return { status: res.status, reason: res.headers.get("3scale-rejection-reason") };
}

describe("compose simulators (tools/compose/stack.ts with the compose seed)", () => {
  it.each([
    ["user_key_demo", 200, null],
    // apisonator names the rejection reason only on 409; a 403 carries none.
    ["not-a-key", 403, null],
  ])("authrep for user_key %s → %i", async (key, status, reason) => {
    const s = await start();
    expect(await authrep(s, key)).toEqual({ status, reason });
  });

  it("the limited application is refused with 409 limits_exceeded after 3 hits in a minute", async () => {
    const s = await start();
    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await authrep(s, "limited_demo"));
      await s.backend.flushReports?.();
    }
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 409]);
    expect(results[3]!.reason).toBe("limits_exceeded");
  });

  it("the echo upstream answers with what it received", async () => {
    const s = await start();
    const res = await fetch(new URL("/some/path?x=1", s.echoUrl), { headers: { "x-test": "yes" } });
    expect(res.status).toBe(200);
    const echo = await res.json();
    expect(echo).toMatchObject({ method: "GET", path: "/some/path?x=1" });
    expect(echo.headers["x-test"]).toBe("yes");
  });

  it.each((envoyConfig.services as Array<{ id: string }>).map((svc) => [svc.id]))(
    "system serves the proxy configuration of service %s for the configured access token, and refuses another",
    async (id: string) => {
      const s = await start();
      const path = (token: string) => `admin/api/services/${id}/proxy/configs/production/latest.json?access_token=${token}`;
      const ok = await fetch(new URL(path(envoyConfig.system.token), s.systemUrl));
      expect(ok.status).toBe(200);
      const doc = await ok.json();
      expect(JSON.stringify(doc)).toContain(SERVICE_TOKEN);
      const refused = await fetch(new URL(path("not-the-token"), s.systemUrl));
      await refused.text();
      expect(refused.status).toBeGreaterThanOrEqual(400);
    },
  );
});
