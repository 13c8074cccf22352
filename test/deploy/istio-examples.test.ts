// examples/istio: every manifest parses; every WasmPlugin has the fields Istio needs (oci:// url,
// phase AUTHZ, priority, selector.matchLabels) and a pluginConfig the module accepts when loaded
// as Istio loads it (root id ""); every 3scale cluster a configuration names is reachable through a
// ServiceEntry + TLS DestinationRule pair.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";
import { ROOT, istioDocuments, upstreamsOf } from "./envoy-files.js";

const docs = istioDocuments();
const plugins = docs.filter((d) => d.doc.kind === "WasmPlugin");
const serviceEntries = docs.filter((d) => d.doc.kind === "ServiceEntry");
const destinationRules = docs.filter((d) => d.doc.kind === "DestinationRule");
const label = (d: { file: string; index: number }) => `${d.file}#${d.index}`;

describe("examples/istio manifests", () => {
  it("contain WasmPlugins, ServiceEntries and DestinationRules", () => {
    expect(plugins.length).toBeGreaterThanOrEqual(2);
    expect(serviceEntries.map((d) => d.doc.spec.hosts).flat().sort()).toEqual(["multitenant.3scale.net", "su1.3scale.net"]);
    expect(destinationRules).toHaveLength(2);
  });

  it.each(docs.map((d) => [label(d), d] as const))("%s has apiVersion, kind and a name", (_l, d) => {
    expect(d.doc.apiVersion).toMatch(/^(extensions|networking)\.istio\.io\/v1(alpha1|beta1)?$/);
    expect(typeof d.doc.kind).toBe("string");
    expect(d.doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe.each(plugins.map((d) => ({ name: label(d), d })))("WasmPlugin $name", ({ d }) => {
  const spec = d.doc.spec;

  it("pulls an OCI image, runs in phase AUTHZ with a priority, selects workloads by matchLabels", () => {
    expect(d.doc.apiVersion).toBe("extensions.istio.io/v1alpha1");
    expect(spec.url).toMatch(/^oci:\/\/[^/]+\.[^/]+\/.+:[A-Za-z0-9_.-]+$/);
    expect(spec.phase).toBe("AUTHZ");
    expect(Number.isInteger(spec.priority)).toBe(true);
    expect(Object.keys(spec.selector.matchLabels).length).toBeGreaterThan(0);
    expect(spec.selector.labels).toBeUndefined();
  });

  it("its pluginConfig is accepted by the module loaded with Istio's empty root id", async () => {
    const sim = await ProxyWasmSimulator.create(modulePath("product"), {
      rootId: "",
      pluginConfiguration: JSON.stringify(spec.pluginConfig),
    });
    const started = sim.start();
    const messages = sim.logs.map((l) => l.message);
    expect(started.ok, messages.join("\n")).toBe(true);
    expect(messages.filter((m) => m.startsWith("invalid configuration") || m.startsWith("configuration warning"))).toEqual([]);
    expect(messages.some((m) => m.startsWith("configuration accepted: api v1"))).toBe(true);
  });

  it("every 3scale upstream is an outbound|443|| cluster of a host with a ServiceEntry and a TLS DestinationRule", () => {
    for (const u of upstreamsOf(spec.pluginConfig)) {
      const m = /^outbound\|443\|\|(.+)$/.exec(u.name);
      expect(m, u.name).not.toBeNull();
      const host = m![1]!;
      const se = serviceEntries.find((s) => s.doc.spec.hosts.includes(host));
      expect(se, `ServiceEntry for ${host}`).toBeDefined();
      expect(se!.doc.spec.location).toBe("MESH_EXTERNAL");
      expect(se!.doc.spec.ports).toContainEqual({ number: 443, name: "https", protocol: "HTTPS" });
      const dr = destinationRules.find((r) => r.doc.spec.host === host);
      expect(dr, `DestinationRule for ${host}`).toBeDefined();
      expect(dr!.doc.spec.trafficPolicy.tls).toEqual({ mode: "SIMPLE", sni: host });
      expect(new URL(u.url).protocol).toBe("https:");
    }
  });
});

describe("examples/istio/wasmplugin.yaml", () => {
  it("carries the quickstart's services (ids, credential sources), backend extensions and system ttl", () => {
    const quick = parse(readFileSync(join(ROOT, "examples/quickstart.yaml"), "utf8")) as Record<string, any>;
    const plugin = plugins.find((d) => d.file === "examples/istio/wasmplugin.yaml")!.doc.spec.pluginConfig;
    const shape = (c: Record<string, any>) => ({
      services: c.services.map((s: Record<string, any>) => ({ id: s.id, credentials: s.credentials })),
      extensions: c.backend.extensions,
      ttl: c.system.ttl,
    });
    expect(shape(plugin)).toEqual(shape(quick));
  });
});
