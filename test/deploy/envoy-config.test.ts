// The Envoy bootstraps (envoy/*.yaml) and the compose file agree with each other and with the
// module: the Wasm filter loads the built module from where compose mounts it, under the module's
// root id, fail-closed; every cluster the embedded configuration names exists; and the module
// accepts the embedded configuration (on_configure through the host simulator) and calls the
// backend through the configured cluster.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { ROOT, clusterEndpoint, composeMounts, envoyFiles, readCompose, readEnvoyFile, upstreamsOf } from "./envoy-files.js";

const MODULE_MOUNT = "/etc/envoy/threescale_wasm_auth.wasm";
const ROOT_ID = "threescale-wasm-auth";
const files = envoyFiles();
const parsed = files.map((f) => ({ f, e: readEnvoyFile(f) }));

describe.each(parsed)("$f", ({ e }) => {
  const config = JSON.parse(e.wasm.configurationJson);

  it("loads the built module from its mount path with the V8 runtime, under the module's root id", () => {
    expect(e.wasm.config.vm_config.code.local.filename).toBe(MODULE_MOUNT);
    expect(e.wasm.config.vm_config.runtime).toBe("envoy.wasm.runtime.v8");
    expect(e.wasm.config.root_id).toBe(ROOT_ID);
    expect(e.wasm.config.vm_config.vm_id).toBeTruthy();
  });

  it("fails closed and passes the configuration as a StringValue of JSON", () => {
    // fail_open is deprecated in Envoy's Wasm filter API; failure_policy replaces it.
    expect(e.wasm.config.fail_open).toBeUndefined();
    expect(e.wasm.config.failure_policy).toBe("FAIL_CLOSED");
    expect(e.wasm.config.configuration["@type"]).toBe("type.googleapis.com/google.protobuf.StringValue");
    expect(config).toMatchObject({ api: "v1" });
  });

  it("runs the Wasm filter before the router, and the router last", () => {
    const names = e.httpFilters.map((f) => f.name);
    expect(names.at(-1)).toBe("envoy.filters.http.router");
    expect(names.indexOf("envoy.filters.http.wasm")).toBeLessThan(names.indexOf("envoy.filters.http.router"));
    const jwt = names.indexOf("envoy.filters.http.jwt_authn");
    if (jwt >= 0) expect(jwt).toBeLessThan(names.indexOf("envoy.filters.http.wasm"));
  });

  it("has a cluster for every upstream the configuration names, pointing at the URL's host and port", () => {
    const byName = new Map(e.clusters.map((c) => [c.name, c]));
    const upstreams = upstreamsOf(config);
    expect(upstreams.length).toBeGreaterThan(0);
    for (const u of upstreams) {
      const cluster = byName.get(u.name);
      expect(cluster, `cluster "${u.name}" (${u.where}.upstream.name)`).toBeDefined();
      const url = new URL(u.url);
      const endpoint = clusterEndpoint(cluster!);
      expect(endpoint.host).toBe(url.hostname);
      expect(endpoint.port).toBe(url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80);
      if (url.protocol === "https:") {
        expect(cluster!.transport_socket?.name).toBe("envoy.transport_sockets.tls");
        expect(cluster!.transport_socket.typed_config.sni).toBe(url.hostname);
      } else {
        expect(cluster!.transport_socket).toBeUndefined();
      }
    }
  });

  it("routes only to clusters that exist, each named consistently in its load assignment", () => {
    const names = new Set(e.clusters.map((c) => c.name));
    expect(e.routeClusters.length).toBeGreaterThan(0);
    for (const r of e.routeClusters) expect(names.has(r), r).toBe(true);
    for (const c of e.clusters) expect(c.load_assignment.cluster_name).toBe(c.name);
    expect(names.size).toBe(e.clusters.length);
  });

  it("its embedded configuration is accepted by the module (on_configure through the host simulator)", async () => {
    const sim = await ProxyWasmSimulator.create(modulePath("product"), {
      rootId: ROOT_ID,
      pluginConfiguration: e.wasm.configurationJson,
    });
    const started = sim.start();
    const messages = sim.logs.map((l) => l.message);
    expect(started.ok, messages.join("\n")).toBe(true);
    expect(messages.some((m) => m.startsWith("configuration accepted"))).toBe(true);
    expect(messages.filter((m) => m.startsWith("invalid configuration") || m.startsWith("configuration warning"))).toEqual([]);
    // The tokens in the file must never reach the log.
    const secrets = [config.system?.token, ...config.services.map((s: { token?: string }) => s.token)].filter(Boolean);
    for (const s of secrets) expect(messages.join("\n")).not.toContain(s);
  });
});

describe("envoy/envoy.yaml with docker-compose.yaml", () => {
  const e = readEnvoyFile("envoy/envoy.yaml");
  const config = JSON.parse(e.wasm.configurationJson);
  const compose = readCompose();
  const envoy = compose.services.envoy;
  const sims = compose.services.sims;

  it("compose mounts the release build where the filter loads it, and the bootstrap Envoy is started with", () => {
    const mounts = composeMounts(envoy);
    expect(mounts).toContainEqual({ source: "./build/threescale_wasm_auth.wasm", target: MODULE_MOUNT });
    const bootstrapMount = mounts.find((m) => m.source === "./envoy/envoy.yaml");
    expect(bootstrapMount).toBeDefined();
    expect(envoy.command).toEqual(expect.arrayContaining(["-c", bootstrapMount!.target]));
    expect(existsSync(join(ROOT, "envoy/envoy.yaml"))).toBe(true);
  });

  it("compose mounts the JWKS file the jwt_authn provider reads", () => {
    const jwt = e.httpFilters.find((f) => f.name === "envoy.filters.http.jwt_authn")!;
    const providers = Object.values(jwt.typed_config.providers) as Array<Record<string, any>>;
    for (const p of providers) {
      const mount = composeMounts(envoy).find((m) => m.target === p.local_jwks.filename);
      expect(mount, p.local_jwks.filename).toBeDefined();
      const jwks = JSON.parse(readFileSync(join(ROOT, mount!.source), "utf8"));
      expect(jwks.keys[0].kty).toBe("RSA");
      expect(p.payload_in_metadata).toBeTruthy();
      expect(p.forward_payload_header).toBe("x-jwt-payload");
    }
  });

  it("pins the Envoy image version", () => {
    expect(envoy.image).toMatch(/^envoyproxy\/envoy:v1\.\d+\.\d+$/);
  });

  it("every cluster host is a network alias of the simulators' service", () => {
    const aliases: string[] = sims.networks.default.aliases;
    for (const c of e.clusters) expect(aliases, c.name).toContain(clusterEndpoint(c).host);
  });

  it("the simulators' container runs our compiled compose entry", () => {
    expect(sims.image).toMatch(/^node:20/);
    expect(sims.command).toEqual(["node", "dist/tools/compose/sims.js"]);
    expect(existsSync(join(ROOT, "tools/compose/sims.ts"))).toBe(true);
  });

  it("embeds the quickstart configuration (examples/quickstart.yaml), only the upstream URLs differ", () => {
    const quick = parse(readFileSync(join(ROOT, "examples/quickstart.yaml"), "utf8")) as Record<string, any>;
    const withoutUrls = (c: Record<string, any>) => {
      const copy = structuredClone(c);
      for (const where of ["backend", "system"]) if (copy[where]?.upstream) delete copy[where].upstream.url;
      return copy;
    };
    expect(withoutUrls(config)).toEqual(withoutUrls(quick));
  });

  it("a configuration the module rejects is reported as such (the check above can fail)", async () => {
    const broken = { ...config, backend: undefined };
    const sim = await ProxyWasmSimulator.create(modulePath("product"), { rootId: ROOT_ID, pluginConfiguration: JSON.stringify(broken) });
    expect(sim.start().ok).toBe(false);
    expect(sim.logs.map((l) => l.message)).toContain("invalid configuration: backend: missing required field");
  });
});

describe("envoy/envoy-saas.yaml", () => {
  const e = readEnvoyFile("envoy/envoy-saas.yaml");
  const config = JSON.parse(e.wasm.configurationJson);

  it("points the backend at 3scale SaaS and system at a tenant admin host, over TLS with STRICT_DNS", () => {
    expect(config.backend.upstream.url).toBe("https://su1.3scale.net/");
    expect(new URL(config.system.upstream.url).hostname).toMatch(/^[a-z0-9-]+-admin\.3scale\.net$/);
    for (const c of e.clusters) {
      expect(c.type).toBe("STRICT_DNS");
      expect(c.transport_socket.typed_config.sni).toBe(clusterEndpoint(c).host);
    }
  });
});
