// End to end through a real Envoy: the docker-compose environment (docker-compose.yaml) started
// with testcontainers — the pinned Envoy image with envoy/envoy.yaml and the built module mounted,
// and the node:20 container running the 3scale simulators and the echo upstream — then the
// acceptance cases as HTTP requests to Envoy's listener.
//
// Needs a container engine with both images already present (pulls are not attempted). Where
// there is none, the suite is reported as SKIPPED with the reason (the toolchain notes); it never
// passes silently and never fails for that reason.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join, resolve } from "node:path";
import { GenericContainer, ImageName, Network, Wait, getContainerRuntimeClient, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, composeMounts, readCompose } from "../deploy/envoy-files.js";
import { OIDC_AUDIENCE, OIDC_ISSUER, signJwt, verifyWithComposeJwks } from "./jwt.js";

const compose = readCompose();
const ENVOY_IMAGE: string = compose.services.envoy.image;
const NODE_IMAGE: string = compose.services.sims.image;

type Probe = { ok: true } | { ok: false; why: string };

async function probeContainerRuntime(): Promise<Probe> {
  try {
    const client = await getContainerRuntimeClient();
    for (const image of [ENVOY_IMAGE, NODE_IMAGE]) {
      if (!(await client.image.exists(ImageName.fromString(image)))) {
        return { ok: false, why: `image ${image} is not present locally (docker pull ${image})` };
      }
    }
    // Without its image the Ryuk reaper cannot start and would fail every container; the suite
    // stops its own containers in afterAll, so run without it then.
    if (!(await client.image.exists(ImageName.fromString("testcontainers/ryuk:0.14.0")))) {
      process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `no container runtime: ${(e as Error).message}` };
  }
}

const probe = await probeContainerRuntime();
const skipReason = probe.ok ? "" : ` [SKIPPED: ${probe.why}]`;
if (!probe.ok) console.warn(`Envoy end-to-end suite skipped: ${probe.why}`);

describe("OIDC test token (fixture for the /oidc case)", () => {
  it("verifies against the JWKS Envoy's jwt_authn provider trusts, with its issuer and audience", () => {
    const claims = verifyWithComposeJwks(signJwt({ azp: "compose-app", sub: "alice" }));
    expect(claims).toMatchObject({ iss: OIDC_ISSUER, aud: OIDC_AUDIENCE, azp: "compose-app" });
  });

  it("a token whose payload was altered does not verify", () => {
    const [h, , s] = signJwt({ azp: "compose-app" }).split(".");
    const forged = Buffer.from(JSON.stringify({ iss: OIDC_ISSUER, aud: OIDC_AUDIENCE, azp: "admin" })).toString("base64url");
    expect(verifyWithComposeJwks(`${h}.${forged}.${s}`)).toBeNull();
  });
});

describe.skipIf(!probe.ok)(`Envoy ${ENVOY_IMAGE} + threescale-wasm-auth (docker-compose environment)${skipReason}`, () => {
  let network: StartedNetwork | undefined;
  let sims: StartedTestContainer | undefined;
  let envoy: StartedTestContainer | undefined;
  let base = "";

  beforeAll(async () => {
    // The module and dist/tools/compose/sims.js must be current: build what is stale.
    execFileSync(process.execPath, ["scripts/build.mjs", "--if-needed"], { cwd: ROOT, stdio: "pipe" });
    for (const f of ["build/threescale_wasm_auth.wasm", "dist/tools/compose/sims.js"]) {
      if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing after the build`);
    }
    network = await new Network().start();
    const simsService = compose.services.sims;
    sims = await new GenericContainer(NODE_IMAGE)
      .withNetwork(network)
      .withNetworkAliases(...(simsService.networks.default.aliases as string[]))
      .withBindMounts([{ source: ROOT, target: "/app", mode: "ro" }])
      .withWorkingDir(simsService.working_dir)
      .withEnvironment(simsService.environment)
      .withCommand(simsService.command)
      .withWaitStrategy(Wait.forLogMessage(/echo upstream/))
      .withStartupTimeout(60_000)
      .start();
    const envoyService = compose.services.envoy;
    envoy = await new GenericContainer(ENVOY_IMAGE)
      .withNetwork(network)
      .withBindMounts(composeMounts(envoyService).map((m) => ({ source: resolve(ROOT, m.source), target: m.target, mode: "ro" as const })))
      .withCommand(envoyService.command)
      .withExposedPorts(8080, 9901)
      .withWaitStrategy(Wait.forHttp("/ready", 9901).forStatusCode(200))
      .withStartupTimeout(60_000)
      .start();
    base = `http://${envoy.getHost()}:${envoy.getMappedPort(8080)}`;
    // The service tokens and mapping rules come from the system simulator: until the module's
    // first fetch has been answered, requests get 404. Wait for it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await get("/?user_key=user_key_demo");
      if (r.status === 200) break;
      if (Date.now() > deadline) throw new Error(`Envoy never authorized the demo key: last answer ${r.status} ${r.body}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 180_000);

  afterAll(async () => {
    await envoy?.stop();
    await sims?.stop();
    await network?.stop();
  });

  /** One request to Envoy's listener (node:http, so that a Host header can be set). */
  function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; body: string }> {
    const url = new URL(base);
    return new Promise((resolveReply, reject) => {
      const req = httpRequest({ hostname: url.hostname, port: url.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolveReply({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }

  it.each<{ label: string; path: string; headers: Record<string, string> }>([
    { label: "user_key in the query", path: "/?user_key=user_key_demo", headers: {} },
    { label: "user_key in a header", path: "/products/1", headers: { user_key: "user_key_demo" } },
    { label: "app_id and app_key on host apps.localhost", path: "/?app_id=aladdin&app_key=opensesame", headers: { host: "apps.localhost:8080" } },
  ])("authorized ($label): 200 from the echo upstream", async ({ path, headers }) => {
    const r = await get(path, headers);
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body);
    expect(echo.path).toBe(path);
    expect(echo.method).toBe("GET");
  });

  it.each([
    { label: "missing credential", path: "/", status: 403, body: "Authentication parameters missing\n" },
    { label: "wrong key", path: "/?user_key=not-a-key", status: 403, body: "Authentication failed\n" },
    { label: "wrong app_key", path: "/?app_id=aladdin&app_key=wrong", status: 403, body: "Authentication failed\n", host: "apps.localhost" },
  ])("$label: $status $body", async ({ path, status, body, host }: { path: string; status: number; body: string; host?: string }) => {
    const r = await get(path, host ? { host } : {});
    expect(r.status).toBe(status);
    expect(r.body).toBe(body);
  });

  it("an unmapped method with a valid key: 404 No Mapping Rule matched", async () => {
    const r = await get("/?user_key=user_key_demo", {}, "POST");
    expect(r.status).toBe(404);
    expect(r.body).toBe("No Mapping Rule matched\n");
  });

  it("limit exceeded: the application with 3 hits per minute gets 200 three times, then 429", async () => {
    const statuses: number[] = [];
    let last = "";
    for (let i = 0; i < 4; i++) {
      const r = await get("/?user_key=limited_demo");
      statuses.push(r.status);
      last = r.body;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last).toBe("Usage limit exceeded\n");
  });

  it("/oidc without a JWT is refused by jwt_authn before the Wasm filter (401)", async () => {
    const r = await get("/oidc?user_key=user_key_demo");
    expect(r.status).toBe(401);
  });

  it("/oidc with a valid JWT reaches the Wasm filter, which authorizes the user_key; the payload is forwarded", async () => {
    const token = signJwt({ azp: "compose-app" });
    const r = await get("/oidc?user_key=user_key_demo", { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body);
    const payload = JSON.parse(Buffer.from(echo.headers["x-jwt-payload"], "base64url").toString());
    expect(payload.azp).toBe("compose-app");
  });
});
