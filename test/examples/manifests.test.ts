// The mesh and Envoy files work as written: OIDC paths that hold on every Istio version the README
// names, pull secrets where Istio looks for them, image URLs that say they must be built, TLS
// clusters that verify the peer's name, no deprecated Envoy fields, readable example headers, and
// the porta answer docs/cli.md uses is shipped and does what the guide shows.
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";

type Doc = Record<string, any>;
const yamlFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => `${dir}/${f}`);
const docsOf = (file: string): Doc[] => parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Doc).filter((d) => d !== null);

const manifestFiles = [...yamlFiles("examples/wasmplugin"), ...yamlFiles("examples/istio")];
const wasmPlugins = manifestFiles.flatMap((file) => docsOf(file).filter((d) => d.kind === "WasmPlugin").map((doc) => ({ file, doc })));

/** Every credential source of a configuration, with its place. */
function sources(config: Doc): Array<{ where: string; source: Doc }> {
  const out: Array<{ where: string; source: Doc }> = [];
  (config.services ?? []).forEach((s: Doc, i: number) => {
    for (const kind of ["user_key", "app_id", "app_key"]) {
      (s.credentials?.[kind] ?? []).forEach((source: Doc, j: number) => out.push({ where: `services[${i}].credentials.${kind}[${j}]`, source }));
    }
  });
  return out;
}

describe("WasmPlugin manifests", () => {
  it("there are manifests to check", () => {
    expect(wasmPlugins.length).toBeGreaterThanOrEqual(14);
  });

  it.each(wasmPlugins.map((p) => [p.file, p.doc] as const))("%s reads jwt_authn metadata through its single entry (\"0\")", (_file, doc) => {
    // Istio names the payload entry after the issuer (older versions) or "payload" (newer ones);
    // "0" selects the single entry under either name, a fixed name works on one version only.
    for (const { where, source } of sources(doc.spec.pluginConfig)) {
      const path = source.filter?.path as string[] | undefined;
      if (path?.[0] === "envoy.filters.http.jwt_authn") expect(path[1], where).toBe("0");
    }
  });

  it.each(wasmPlugins.map((p) => [p.file, p.doc] as const))("%s points at an image the user builds, and says so", (file, doc) => {
    expect(doc.spec.url).toMatch(/^oci:\/\/registry\.example\.com\/threescale-wasm-auth:[\w.-]+$/);
    const line = readFileSync(file, "utf8").split("\n").find((l) => l.includes(doc.spec.url))!;
    expect(line).toMatch(/none is published/);
    expect(line).toMatch(/npm run oci:push/);
  });

  it.each(wasmPlugins.map((p) => [p.file, p.doc] as const))("%s creates its pull secret in the WasmPlugin's own namespace", (file, doc) => {
    const text = readFileSync(file, "utf8");
    const creates = [...text.matchAll(/create secret \S+ (\S+) -n (\S+)/g)];
    if (doc.spec.imagePullSecret) expect(creates.length).toBeGreaterThan(0);
    for (const m of creates) {
      expect(m[1]).toBe(doc.spec.imagePullSecret);
      expect(m[2]).toBe(doc.metadata.namespace);
    }
  });
});

describe("example headers", () => {
  const names = readdirSync("examples/wasmplugin").filter((f) => f.endsWith(".yaml"));

  it.each(names)("examples/wasmplugin/%s keeps the bare example's description whole, then adds its own note", (name) => {
    const header = (file: string): string[] => {
      const lines = readFileSync(file, "utf8").split("\n");
      return lines.slice(1, lines.findIndex((l) => !l.startsWith("#")));
    };
    const bare = header(`examples/${name}`);
    const twin = header(`examples/wasmplugin/${name}`);
    // The twin's own note ends with this sentence; a description line right after it means the
    // note was inserted in the middle of the description.
    const noteEnd = twin.findIndex((l) => l.endsWith("the simulators of examples/seed.yaml."));
    expect(twin.join(" ")).toContain(`The same configuration as examples/${name}`);
    if (noteEnd >= 0) expect(twin[noteEnd + 1] ?? "#").toBe("#");
    const subject = bare[0]!.replace("# threescale-wasm-auth: ", "");
    expect(twin.join(" ")).toContain(subject.split(" ").slice(0, 4).join(" "));
  });
});

describe("Envoy bootstraps", () => {
  const files = yamlFiles("envoy");
  const clusters = files.flatMap((file) => (docsOf(file)[0]!.static_resources.clusters as Doc[]).map((c) => ({ file, c })));

  it.each(clusters.filter(({ c }) => c.transport_socket).map(({ file, c }) => [file, c.name, c] as const))("%s: TLS cluster %s verifies the chain and the host name", (_file, _name, c) => {
    const tls = c.transport_socket.typed_config;
    const validation = tls.common_tls_context?.validation_context;
    expect(validation?.trusted_ca?.filename).toBeTruthy();
    const sans = (validation?.match_typed_subject_alt_names ?? []) as Doc[];
    expect(sans.some((s) => s.san_type === "DNS" && s.matcher?.exact === tls.sni)).toBe(true);
  });

  it("no file uses the deprecated fail_open (documents may only name it as deprecated)", () => {
    for (const f of yamlFiles("envoy")) expect(readFileSync(f, "utf8"), f).not.toMatch(/fail_open/);
    for (const f of ["README.md", ...readdirSync("docs").map((d) => `docs/${d}`)]) {
      for (const line of readFileSync(f, "utf8").split("\n").filter((l) => l.includes("fail_open"))) expect(line, f).toMatch(/deprecated/);
    }
  });
});

describe("the porta answer used by docs/cli.md", () => {
  it("is shipped in examples/ and named by the guide", () => {
    expect(readFileSync("docs/cli.md", "utf8")).toContain("--system-answer examples/porta-answer.json");
  });

  it("answers the system fetch of examples/system-fetched.yaml with its token and two rules", async () => {
    const io = new BufferIo();
    const code = await runCli(["trace", "examples/system-fetched.yaml", "--request", "GET http://api.example.com/products/?user_key=user_key_demo", "--system-answer", "examples/porta-answer.json"], io);
    expect(code).toBe(0);
    expect(io.stdout).toContain("[fetched 0] GET /: match → hits +1");
    expect(io.stdout).toContain("[fetched 1] GET /products/: match → products +1");
    expect(io.stdout).toContain("service_token=***oken&user_key=***demo&usage[hits]=1&usage[products]=1");
    expect(io.stdout).toContain("verdict      continue");
  });
});
