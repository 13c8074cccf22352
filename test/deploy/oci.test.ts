// The Istio/OSSM images built without Docker (tools/oci): tar writer, digests and sizes, OCI
// layout validity, the push client's authentication, and a real round trip through Debian's
// docker-registry checked with skopeo.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageOptions, readLayoutDir, repoRoot, runBuild, runPush } from "../../tools/oci/cli.js";
import { MEDIA_TYPES, buildDockerImage, buildImage, buildWasmArtifact, sha256Digest, type BuiltImage, type ImageFormat, type OciManifest } from "../../tools/oci/image.js";
import { layoutTar } from "../../tools/oci/layout.js";
import { RegistryClient, parseChallenge, parseReference } from "../../tools/oci/registry.js";
import { createTar, readTar } from "../../tools/oci/tar.js";
import { modulePath } from "../support/modules.js";
import { FAKE_CREDENTIALS, startFakeRegistry, type AuthMode } from "./fake-registry.js";
import { registryToolsProbe, startRegistry, type RunningRegistry } from "./registry-fixture.js";

const run = promisify(execFile);
const productPath = modulePath("product");
const wasm = () => new Uint8Array(readFileSync(productPath));
const FORMATS: ImageFormat[] = ["wasm", "docker"];
const silent = () => undefined;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "oci-test-"));
}

/** The plugin bytes an image carries: the layer itself (wasm) or plugin.wasm inside the gzip tar. */
function pluginFromLayer(format: ImageFormat, layer: Uint8Array): Uint8Array {
  if (format === "wasm") return layer;
  const file = readTar(new Uint8Array(gunzipSync(layer))).find((f) => f.name === "plugin.wasm");
  if (!file) throw new Error("layer has no plugin.wasm");
  return file.data;
}

describe("tar writer", () => {
  const cases = [
    { label: "an empty file", entries: [{ name: "empty", data: new Uint8Array(0) }] },
    { label: "a file of exactly one block", entries: [{ name: "a/b.bin", data: new Uint8Array(512).fill(7) }] },
    { label: "a directory and a file", entries: [{ name: "dir/" }, { name: "dir/x.txt", data: new TextEncoder().encode("x\n"), mode: 0o600 }] },
    { label: "a name longer than 100 bytes", entries: [{ name: `${"d".repeat(90)}/${"f".repeat(60)}.json`, data: new Uint8Array([1, 2, 3]) }] },
  ];

  it.each(cases)("reads back $label as written", ({ entries }) => {
    const archive = createTar(entries);
    expect(archive.length % 512).toBe(0);
    const files = readTar(archive);
    expect(files.map((f) => f.name)).toEqual(entries.map((e) => e.name));
    entries.forEach((e, i) => {
      expect(files[i]!.type).toBe(e.name.endsWith("/") ? "directory" : "file");
      expect(Buffer.from(files[i]!.data)).toEqual(Buffer.from(e.data ?? new Uint8Array(0)));
      if ("mode" in e) expect(files[i]!.mode).toBe(e.mode);
    });
  });

  it.each(cases)("GNU tar extracts $label with the same bytes", ({ entries }) => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, "t.tar"), createTar(entries));
      const out = join(dir, "out");
      spawnSync("mkdir", [out]);
      const r = spawnSync("tar", ["-xf", join(dir, "t.tar"), "-C", out], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      for (const e of entries.filter((x) => !x.name.endsWith("/"))) {
        expect(Buffer.from(readFileSync(join(out, e.name)))).toEqual(Buffer.from(e.data ?? new Uint8Array(0)));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an archive whose header checksum is wrong", () => {
    const archive = createTar([{ name: "f", data: new Uint8Array([1]) }]);
    archive[0] = 0x67; // "g": the name changes, the stored checksum does not
    expect(() => readTar(archive)).toThrow(/checksum/);
  });
});

describe("image contents", () => {
  it.each(FORMATS)("%s: every descriptor's digest and size match the blob it names", (format) => {
    const image = buildImage(format, wasm(), { version: "t" });
    expect(image.manifestDigest).toBe(sha256Digest(image.manifestBytes));
    expect(JSON.parse(new TextDecoder().decode(image.manifestBytes))).toEqual(image.manifest);
    const descriptors = [image.manifest.config, ...image.manifest.layers];
    expect(image.blobs.size).toBe(new Set(descriptors.map((d) => d.digest)).size);
    for (const d of descriptors) {
      const blob = image.blobs.get(d.digest);
      expect(blob, d.digest).toBeDefined();
      expect(sha256Digest(blob!)).toBe(d.digest);
      expect(blob!.length).toBe(d.size);
    }
    expect(image.manifest.schemaVersion).toBe(2);
    expect(image.manifest.mediaType).toBe(MEDIA_TYPES.manifest);
  });

  it("wasm artifact: the two layers Istio's fetcher requires: the module itself and the Wasm runtime config", () => {
    const bytes = wasm();
    const image = buildWasmArtifact(bytes);
    expect(image.manifest.config.mediaType).toBe("application/vnd.module.wasm.config.v1+json");
    expect(image.manifest.layers.map((l) => l.mediaType)).toEqual([
      "application/vnd.module.wasm.content.layer.v1+wasm",
      "application/vnd.module.wasm.config.v1+json",
    ]);
    const [layer, configLayer] = image.manifest.layers;
    expect(Buffer.from(image.blobs.get(layer!.digest)!)).toEqual(Buffer.from(bytes));
    expect(configLayer!.digest).toBe(image.manifest.config.digest);
    const config = JSON.parse(new TextDecoder().decode(image.blobs.get(image.manifest.config.digest)!));
    expect(config.config.rootIds).toEqual(["threescale-wasm-auth"]);
  });

  it("docker image: exactly one layer (Istio refuses compat images with more)", () => {
    expect(buildDockerImage(wasm()).manifest.layers).toHaveLength(1);
  });

  it("docker image: a gzip tar layer with plugin.wasm, and diff_ids naming the uncompressed tar", () => {
    const bytes = wasm();
    const schema = new TextEncoder().encode('{"type":"object"}');
    const image = buildDockerImage(bytes, { configSchema: schema });
    const layer = image.manifest.layers[0]!;
    expect(layer.mediaType).toBe(MEDIA_TYPES.layerTarGzip);
    expect(image.manifest.config.mediaType).toBe(MEDIA_TYPES.imageConfig);
    expect(image.manifest.annotations?.["module.wasm.image/variant"]).toBe("compat");
    const tar = new Uint8Array(gunzipSync(image.blobs.get(layer.digest)!));
    const files = readTar(tar);
    expect(files.map((f) => f.name)).toEqual(["plugin.wasm", "config.schema.json"]);
    expect(Buffer.from(files[0]!.data)).toEqual(Buffer.from(bytes));
    const config = JSON.parse(new TextDecoder().decode(image.blobs.get(image.manifest.config.digest)!));
    expect(config.rootfs).toEqual({ type: "layers", diff_ids: [sha256Digest(tar)] });
    expect(config.os).toBe("linux");
  });

  it.each(FORMATS)("%s: the same inputs give the same digest, a different module a different one", (format) => {
    const a = buildImage(format, wasm(), { created: 1_700_000_000, version: "1" });
    const b = buildImage(format, wasm(), { created: 1_700_000_000, version: "1" });
    expect(b.manifestDigest).toBe(a.manifestDigest);
    const changed = wasm();
    changed[changed.length - 1] ^= 0xff;
    expect(buildImage(format, changed, { created: 1_700_000_000, version: "1" }).manifestDigest).not.toBe(a.manifestDigest);
  });

  it.each(FORMATS)("%s: refuses bytes that are not a Wasm module", (format) => {
    expect(() => buildImage(format, new TextEncoder().encode("#!/bin/sh\necho hi\n"))).toThrow(/WebAssembly/);
  });
});

describe("npm run oci: OCI layout directories and tarballs", () => {
  let out: string;
  let outputs: ReturnType<typeof runBuild>;
  beforeAll(() => {
    out = tempDir();
    outputs = runBuild(["--wasm", productPath, "--out", out, "--tag", "9.9.9"], silent);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes both formats", () => {
    expect(outputs.map((o) => o.format)).toEqual(["wasm", "docker"]);
  });

  it.each(FORMATS)("%s: the layout has oci-layout, an index naming the tag, and blobs stored under their digest", (format) => {
    const dir = join(out, format);
    expect(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].annotations["org.opencontainers.image.ref.name"]).toBe("9.9.9");
    for (const name of readdirSync(join(dir, "blobs", "sha256"))) {
      expect(sha256Digest(readFileSync(join(dir, "blobs", "sha256", name)))).toBe(`sha256:${name}`);
    }
    const image = readLayoutDir(dir, format);
    expect(image.manifestDigest).toBe(index.manifests[0].digest);
    expect(image.manifestBytes.length).toBe(index.manifests[0].size);
    expect(Buffer.from(pluginFromLayer(format, image.blobs.get(image.manifest.layers[0]!.digest)!))).toEqual(Buffer.from(wasm()));
  });

  it.each(FORMATS)("%s: the tarball holds the same layout files", (format) => {
    const built = outputs.find((o) => o.format === format)!;
    const files = readTar(new Uint8Array(readFileSync(built.tarball)));
    const byName = new Map(files.filter((f) => f.type === "file").map((f) => [f.name, f.data]));
    for (const name of ["oci-layout", "index.json"]) {
      expect(Buffer.from(byName.get(name)!)).toEqual(readFileSync(join(built.layoutDir, name)));
    }
    for (const blob of readdirSync(join(built.layoutDir, "blobs", "sha256"))) {
      expect(Buffer.from(byName.get(`blobs/sha256/${blob}`)!)).toEqual(readFileSync(join(built.layoutDir, "blobs", "sha256", blob)));
    }
  });

  it("docker tarball: manifest.json (docker load) names the config and layer blobs it contains", () => {
    const built = outputs.find((o) => o.format === "docker")!;
    const files = readTar(new Uint8Array(readFileSync(built.tarball)));
    const names = new Set(files.map((f) => f.name));
    const manifest = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === "manifest.json")!.data));
    expect(manifest).toHaveLength(1);
    expect(manifest[0].RepoTags).toEqual(["threescale-wasm-auth:9.9.9"]);
    expect(names.has(manifest[0].Config)).toBe(true);
    for (const l of manifest[0].Layers) expect(names.has(l)).toBe(true);
  });

  it("a blob altered on disk is detected when the layout is read back", () => {
    const dir = join(out, "wasm-corrupt");
    const image = buildWasmArtifact(wasm());
    writeFileSync(join(out, "x.tar"), layoutTar(image, "t"));
    spawnSync("mkdir", ["-p", dir]);
    spawnSync("tar", ["-xf", join(out, "x.tar"), "-C", dir]);
    const layer = image.manifest.layers[0]!.digest.slice(7);
    writeFileSync(join(dir, "blobs", "sha256", layer), "tampered");
    expect(() => readLayoutDir(dir, "wasm")).toThrow(/does not match its digest/);
  });
});

describe("image references and auth challenges", () => {
  it.each([
    ["quay.io/3scale/threescale-wasm-auth:0.1.0", { registry: "quay.io", repository: "3scale/threescale-wasm-auth", tag: "0.1.0" }],
    ["oci://127.0.0.1:5000/a/b", { registry: "127.0.0.1:5000", repository: "a/b", tag: "latest" }],
    ["localhost/x:v1", { registry: "localhost", repository: "x", tag: "v1" }],
    [`r.example.com/x@sha256:${"a".repeat(64)}`, { registry: "r.example.com", repository: "x", digest: `sha256:${"a".repeat(64)}` }],
  ])("parses %s", (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ["threescale-wasm-auth:0.1.0", /registry/],
    ["library/x:1", /not a registry host/],
    ["quay.io/UPPER/x:1", /invalid repository/],
    ["quay.io/x:bad tag", /invalid tag/],
  ])("rejects %s", (text, message) => {
    expect(() => parseReference(text)).toThrow(message);
  });

  it.each([
    ['Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"', "bearer", { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull" }],
    ['Basic realm="Registry Realm"', "basic", { realm: "Registry Realm" }],
    ["Bearer realm=https://a/t,service=s", "bearer", { realm: "https://a/t", service: "s" }],
  ])("parses the challenge %s", (header, scheme, params) => {
    expect(parseChallenge(header)).toEqual({ scheme, params });
  });
});

describe("oci:push against a registry that requires authentication", () => {
  it.each<[AuthMode, RegExp | undefined]>([
    ["none", undefined],
    ["basic", /^Basic /],
    ["bearer", /^Bearer token-for-deployer$/],
  ])("auth %s: pushes both blobs and the manifest, which pulls back identical", async (mode, expectedAuth) => {
    const registry = await startFakeRegistry(mode);
    try {
      const ref = `${registry.host}/team/threescale-wasm-auth:1.0.0`;
      const args = [ref, "--plain-http", "--wasm", productPath];
      if (mode !== "none") args.push("--user", FAKE_CREDENTIALS.user, "--password", FAKE_CREDENTIALS.password);
      const digest = await runPush(args, silent);
      const stored = registry.manifests.get("1.0.0");
      expect(stored?.contentType).toBe(MEDIA_TYPES.manifest);
      expect(sha256Digest(stored!.body)).toBe(digest);
      const manifest = JSON.parse(stored!.body.toString()) as OciManifest;
      expect(Buffer.from(registry.blobs.get(manifest.layers[0]!.digest)!)).toEqual(Buffer.from(wasm()));
      const puts = registry.requests.filter((r) => r.method === "PUT");
      expect(puts).toHaveLength(3);
      for (const put of puts) {
        if (expectedAuth) expect(put.authorization).toMatch(expectedAuth);
        else expect(put.authorization).toBeUndefined();
      }
      if (mode === "bearer") {
        const tokenRequests = registry.requests.filter((r) => r.path.startsWith("/token"));
        expect(tokenRequests).toHaveLength(1);
        expect(tokenRequests[0]!.path).toContain("scope=repository%3Ateam%2Fthreescale-wasm-auth%3Apull%2Cpush");
      }
    } finally {
      await registry.close();
    }
  });

  it.each<AuthMode>(["basic", "bearer"])("auth %s without credentials: fails with a message asking for them", async (mode) => {
    const registry = await startFakeRegistry(mode);
    try {
      await expect(runPush([`${registry.host}/team/x:1`, "--plain-http", "--wasm", productPath], silent)).rejects.toThrow(
        mode === "basic" ? /unauthorized.*--user/ : /token request .* failed: HTTP 401/,
      );
      expect(registry.manifests.size).toBe(0);
    } finally {
      await registry.close();
    }
  });

  it("a second push of the same image uploads nothing new (blobs already present)", async () => {
    const registry = await startFakeRegistry("none");
    try {
      const lines: string[] = [];
      await runPush([`${registry.host}/team/x:1`, "--plain-http", "--wasm", productPath], silent);
      await runPush([`${registry.host}/team/x:2`, "--plain-http", "--wasm", productPath], (l) => lines.push(l));
      expect(lines.filter((l) => l.startsWith("blob ")).every((l) => l.endsWith(": exists"))).toBe(true);
      expect(registry.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    } finally {
      await registry.close();
    }
  });

  it.each(FORMATS)("%s: --layout pushes the image npm run oci wrote, with the same digest", async (format) => {
    const out = tempDir();
    const registry = await startFakeRegistry("none");
    try {
      const [built] = runBuild(["--wasm", productPath, "--out", out, "--format", format, "--tag", "l1"], silent);
      const digest = await runPush([`${registry.host}/team/x:l1`, "--plain-http", "--format", format, "--layout", built!.layoutDir], silent);
      expect(digest).toBe(built!.image.manifestDigest);
      expect(registry.manifests.get("l1")?.body.equals(Buffer.from(built!.image.manifestBytes))).toBe(true);
    } finally {
      await registry.close();
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.each([
    [["--format", "oci"], /--format must be wasm or docker/],
    [[], /usage: npm run oci:push/],
    [["--user", "u"], /--user and --password go together/],
  ])("rejects bad arguments %j", async (extra, message) => {
    const args = extra.length === 0 ? [] : ["127.0.0.1:1/x:1", ...extra];
    await expect(runPush(args, silent)).rejects.toThrow(message);
  });
});

const tools = registryToolsProbe();
const toolsReason = tools.ok ? "" : ` [SKIPPED: ${tools.why}]`;
if (!tools.ok) console.warn(`oci round trip skipped: ${tools.why}`);

describe.skipIf(!tools.ok)(`real registry round trip (docker-registry + skopeo)${toolsReason}`, () => {
  let registry: RunningRegistry;
  const skopeo = tools.ok ? tools.skopeo : "skopeo";
  beforeAll(async () => {
    registry = await startRegistry(tools.ok ? tools.registry : "");
  });
  afterAll(async () => {
    await registry?.stop();
  });

  async function pushFormat(format: ImageFormat): Promise<{ ref: string; digest: string; image: BuiltImage }> {
    const tag = `${format}-roundtrip`;
    const ref = `${registry.host}/3scale/threescale-wasm-auth:${tag}`;
    const digest = await runPush([ref, "--plain-http", "--format", format, "--wasm", productPath], silent);
    // What `npm run oci -- --tag <tag>` builds locally: the push must be that exact image.
    const image = buildImage(format, wasm(), imageOptions(repoRoot()));
    expect(digest).toBe(image.manifestDigest);
    return { ref, digest, image };
  }

  it.each(FORMATS)("%s: skopeo sees the pushed manifest byte for byte, and the layer pulls back as the built module", async (format) => {
    const { ref, digest } = await pushFormat(format);
    const raw = await run(skopeo, ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]);
    expect(sha256Digest(new TextEncoder().encode(raw.stdout))).toBe(digest);
    const manifest = JSON.parse(raw.stdout) as OciManifest;
    expect(manifest.layers[0]!.mediaType).toBe(format === "wasm" ? MEDIA_TYPES.wasmLayer : MEDIA_TYPES.layerTarGzip);

    const client = new RegistryClient(parseReference(ref), { plainHttp: true });
    const pulled = await client.pullManifest();
    expect(pulled.digest).toBe(digest);
    expect(pulled.mediaType).toBe(MEDIA_TYPES.manifest);
    const layer = await client.pullBlob(manifest.layers[0]!.digest);
    expect(Buffer.from(pluginFromLayer(format, layer)).equals(readFileSync(productPath))).toBe(true);
  });

  it("docker: skopeo inspect reads it as an ordinary image (config, layer list, tags)", async () => {
    const { ref, image } = await pushFormat("docker");
    const { stdout } = await run(skopeo, ["inspect", "--tls-verify=false", `docker://${ref}`]);
    const info = JSON.parse(stdout);
    expect(info.Digest).toBe(image.manifestDigest);
    expect(info.Layers).toEqual([image.manifest.layers[0]!.digest]);
    expect(info.RepoTags).toContain("docker-roundtrip");
    expect(info.Os).toBe("linux");
  });

  it.each(FORMATS)("%s: skopeo copy pulls it into an oci: directory with the module intact", async (format) => {
    const { ref, digest } = await pushFormat(format);
    const dir = tempDir();
    try {
      await run(skopeo, ["copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${dir}:pulled`]);
      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
      expect(index.manifests[0].digest).toBe(digest);
      const copied = readLayoutDir(dir, format);
      const layer = copied.blobs.get(copied.manifest.layers[0]!.digest)!;
      expect(Buffer.from(pluginFromLayer(format, layer)).equals(readFileSync(productPath))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the OCI archive tarball written by npm run oci is accepted by skopeo and copies into the registry", async () => {
    const out = tempDir();
    try {
      const [built] = runBuild(["--wasm", productPath, "--out", out, "--format", "docker", "--tag", "t"], silent);
      const dest = `${registry.host}/3scale/from-archive:t`;
      await run(skopeo, ["copy", "--dest-tls-verify=false", `oci-archive:${built!.tarball}:t`, `docker://${dest}`]);
      const pulled = await new RegistryClient(parseReference(dest), { plainHttp: true }).pullManifest();
      expect(pulled.digest).toBe(built!.image.manifestDigest);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("runtime config of the Wasm artifact", () => {
  it("names the ABI marker the module really exports", () => {
    const module = wasm();
    const image = buildWasmArtifact(module);
    const config = JSON.parse(new TextDecoder().decode(image.blobs.get(image.manifest.config.digest)!)) as { abiVersions: string[] };
    const exported = WebAssembly.Module.exports(new WebAssembly.Module(module)).map((e) => e.name).filter((n) => n.startsWith("proxy_abi_version_"));
    expect(exported).toHaveLength(1);
    expect(config.abiVersions).toEqual(exported);
  });
});
