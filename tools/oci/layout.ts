// Writes a BuiltImage as an OCI image layout (a directory: oci-layout, index.json,
// blobs/sha256/<hex>) and as a tarball of that same layout ("oci-archive"). The docker-format
// tarball also carries a docker-save style manifest.json, so `docker load` accepts it as well as
// `skopeo copy oci-archive:…`, `podman load` and `crane push`.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MEDIA_TYPES, jsonBytes, type BuiltImage } from "./image.js";
import { createTar, type TarEntry } from "./tar.js";

export const OCI_LAYOUT_FILE = { imageLayoutVersion: "1.0.0" };

export function indexFor(image: BuiltImage, refName: string): unknown {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        mediaType: image.manifest.mediaType,
        digest: image.manifestDigest,
        size: image.manifestBytes.length,
        annotations: { "org.opencontainers.image.ref.name": refName },
      },
    ],
  };
}

function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  return `blobs/${algorithm}/${hex}`;
}

/** The files of the layout, relative paths → bytes (shared by the directory and tar writers). */
export function layoutFiles(image: BuiltImage, refName: string, repoTag?: string): Array<[string, Uint8Array]> {
  const files: Array<[string, Uint8Array]> = [
    ["oci-layout", jsonBytes(OCI_LAYOUT_FILE)],
    ["index.json", jsonBytes(indexFor(image, refName))],
    [blobPath(image.manifestDigest), image.manifestBytes],
  ];
  for (const [digest, bytes] of image.blobs) files.push([blobPath(digest), bytes]);
  if (image.format === "docker" && repoTag) {
    files.push([
      "manifest.json",
      jsonBytes([
        {
          Config: blobPath(image.manifest.config.digest),
          RepoTags: [repoTag],
          Layers: image.manifest.layers.map((l) => blobPath(l.digest)),
        },
      ]),
    ]);
  }
  return files;
}

export function writeLayoutDir(dir: string, image: BuiltImage, refName: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, bytes] of layoutFiles(image, refName)) {
    const abs = join(dir, rel);
    mkdirSync(join(abs, ".."), { recursive: true });
    writeFileSync(abs, bytes);
  }
}

export function layoutTar(image: BuiltImage, refName: string, repoTag?: string): Uint8Array {
  const entries: TarEntry[] = [{ name: "blobs/" }, { name: "blobs/sha256/" }];
  for (const [name, data] of layoutFiles(image, refName, repoTag)) entries.push({ name, data });
  return createTar(entries);
}

export function writeLayoutTar(file: string, image: BuiltImage, refName: string, repoTag?: string): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, layoutTar(image, refName, repoTag));
}
