// The two image formats Istio's WasmPlugin (and OpenShift Service Mesh) can pull with `oci://`:
// - "wasm": the Wasm OCI artifact ("oci" variant of the Wasm image spec): a layer that IS the
//   module (media type application/vnd.module.wasm.content.layer.v1+wasm) and the runtime
//   configuration (application/vnd.module.wasm.config.v1+json), which is both the manifest's
//   config and a second layer. Istio's image fetcher (pkg/wasm/imagefetcher.go) accepts this
//   variant only with exactly two layers, the Wasm one and the config one, so a single-layer
//   artifact (as `oras push` makes by default) would be refused with "number of layers must be 2";
// - "docker": the "compat" variant, an ordinary OCI image whose single gzip layer is a tar holding
//   `plugin.wasm`, with a standard image config (rootfs.diff_ids) so that any container tool or
//   registry handles it.
// Everything is computed in memory: blobs keyed by digest, plus the manifest bytes.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createTar, type TarEntry } from "./tar.js";

export const MEDIA_TYPES = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
  imageConfig: "application/vnd.oci.image.config.v1+json",
  layerTarGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  wasmConfig: "application/vnd.module.wasm.config.v1+json",
  wasmLayer: "application/vnd.module.wasm.content.layer.v1+wasm",
} as const;

export type ImageFormat = "wasm" | "docker";
export const IMAGE_FORMATS: readonly ImageFormat[] = ["wasm", "docker"];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface BuiltImage {
  format: ImageFormat;
  manifest: OciManifest;
  /** The exact bytes pushed and stored: the digest is computed over these. */
  manifestBytes: Uint8Array;
  manifestDigest: string;
  /** Config and layer blobs, keyed by "sha256:<hex>". */
  blobs: Map<string, Uint8Array>;
}

export interface ImageOptions {
  /** Seconds since the epoch recorded in configs/annotations; fixed so builds are reproducible. */
  created?: number;
  version?: string;
  rootId?: string;
  /** JSON Schema of the plugin configuration; shipped next to plugin.wasm in the docker layer. */
  configSchema?: Uint8Array;
  source?: string;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Canonical bytes for JSON blobs: compact, keys in insertion order, UTF-8. */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function descriptorOf(mediaType: string, bytes: Uint8Array, annotations?: Record<string, string>): Descriptor {
  const d: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
  if (annotations) d.annotations = annotations;
  return d;
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}

function assertWasm(wasm: Uint8Array): void {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (wasm.length < 8 || magic.some((b, i) => wasm[i] !== b)) {
    throw new Error("not a WebAssembly module (missing \\0asm magic)");
  }
}

function commonAnnotations(opts: ImageOptions): Record<string, string> {
  const a: Record<string, string> = {
    "org.opencontainers.image.title": "threescale-wasm-auth",
    "org.opencontainers.image.description": "Proxy-Wasm filter authorizing requests against 3scale API Management",
    "org.opencontainers.image.licenses": "Apache-2.0",
    "org.opencontainers.image.created": isoTime(opts.created ?? 0),
  };
  if (opts.version) a["org.opencontainers.image.version"] = opts.version;
  if (opts.source) a["org.opencontainers.image.source"] = opts.source;
  return a;
}

function finish(format: ImageFormat, manifest: OciManifest, blobs: Map<string, Uint8Array>): BuiltImage {
  const manifestBytes = jsonBytes(manifest);
  return { format, manifest, manifestBytes, manifestDigest: sha256Digest(manifestBytes), blobs };
}

/** abiVersionsOf lists the Proxy-Wasm ABI markers the module exports (e.g. proxy_abi_version_0_2_1). */
export function abiVersionsOf(wasm: Uint8Array): string[] {
  const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  return WebAssembly.Module.exports(module).map((e) => e.name).filter((n) => n.startsWith("proxy_abi_version_")).sort();
}

/** The Wasm OCI artifact: layer 0 is the raw module, layer 1 the runtime config (also the manifest config). */
export function buildWasmArtifact(wasm: Uint8Array, opts: ImageOptions = {}): BuiltImage {
  assertWasm(wasm);
  const rootId = opts.rootId ?? "threescale-wasm-auth";
  // Runtime metadata in the shape the Wasm image spec describes; Istio does not read it, but
  // tools that list images show it.
  const config = jsonBytes({
    created: isoTime(opts.created ?? 0),
    type: "envoy_proxy",
    abiVersions: abiVersionsOf(wasm),
    config: { rootIds: [rootId] },
  });
  const layer = descriptorOf(MEDIA_TYPES.wasmLayer, wasm, { "org.opencontainers.image.title": "plugin.wasm" });
  const configDesc = descriptorOf(MEDIA_TYPES.wasmConfig, config);
  const configLayer = descriptorOf(MEDIA_TYPES.wasmConfig, config, { "org.opencontainers.image.title": "runtime-config.json" });
  const blobs = new Map<string, Uint8Array>([
    [configDesc.digest, config],
    [layer.digest, wasm],
  ]);
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: configDesc,
    layers: [layer, configLayer],
    annotations: commonAnnotations(opts),
  };
  return finish("wasm", manifest, blobs);
}

/** The file list of the docker-format layer (plugin.wasm first: that is the file Istio extracts). */
export function dockerLayerEntries(wasm: Uint8Array, opts: ImageOptions = {}): TarEntry[] {
  const mtime = opts.created ?? 0;
  const entries: TarEntry[] = [{ name: "plugin.wasm", data: wasm, mtime }];
  if (opts.configSchema) entries.push({ name: "config.schema.json", data: opts.configSchema, mtime });
  return entries;
}

/** The "compat" image: one tar+gzip layer holding plugin.wasm, standard OCI image config. */
export function buildDockerImage(wasm: Uint8Array, opts: ImageOptions = {}): BuiltImage {
  assertWasm(wasm);
  const tar = createTar(dockerLayerEntries(wasm, opts));
  // gzip with the default header: node writes MTIME 0, so the layer digest is reproducible.
  const layerBytes = new Uint8Array(gzipSync(tar, { level: 9 }));
  const created = isoTime(opts.created ?? 0);
  const config = jsonBytes({
    created,
    architecture: "amd64",
    os: "linux",
    config: { Labels: { "org.opencontainers.image.title": "threescale-wasm-auth" } },
    rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
    history: [{ created, created_by: "npm run oci (tools/oci/build.ts)", comment: "plugin.wasm" }],
  });
  const configDesc = descriptorOf(MEDIA_TYPES.imageConfig, config);
  const layer = descriptorOf(MEDIA_TYPES.layerTarGzip, layerBytes);
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: configDesc,
    layers: [layer],
    // The compat variant with an OCI layer media type carries this annotation (Wasm image spec).
    annotations: { ...commonAnnotations(opts), "module.wasm.image/variant": "compat" },
  };
  const blobs = new Map<string, Uint8Array>([
    [configDesc.digest, config],
    [layer.digest, layerBytes],
  ]);
  return finish("docker", manifest, blobs);
}

export function buildImage(format: ImageFormat, wasm: Uint8Array, opts: ImageOptions = {}): BuiltImage {
  return format === "wasm" ? buildWasmArtifact(wasm, opts) : buildDockerImage(wasm, opts);
}
