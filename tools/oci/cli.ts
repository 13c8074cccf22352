// The `npm run oci` and `npm run oci:push` commands, as functions (the tests call them directly;
// build.ts and push.ts are the thin executables).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { IMAGE_FORMATS, buildImage, sha256Digest, type BuiltImage, type ImageFormat, type ImageOptions, type OciManifest } from "./image.js";
import { writeLayoutDir, writeLayoutTar } from "./layout.js";
import { RegistryClient, parseReference } from "./registry.js";

/** The repository root, found from this file (tools/oci/cli.ts or dist/tools/oci/cli.js). */
export function repoRoot(): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "assembly"))) return dir;
    dir = resolve(dir, "..");
  }
  return process.cwd();
}

export const IMAGE_NAME = "threescale-wasm-auth";

export interface BuildOutputs {
  format: ImageFormat;
  layoutDir: string;
  tarball: string;
  image: BuiltImage;
}

function packageVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string }).version ?? "latest";
  } catch {
    return "latest";
  }
}

/** The configuration JSON Schema, when the schema/ directory has one (shipped in the docker layer). */
function findConfigSchema(root: string): Uint8Array | undefined {
  const dir = join(root, "schema");
  if (!existsSync(dir)) return undefined;
  const candidates = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const pick = candidates.find((f) => f.endsWith(".schema.json")) ?? candidates[0];
  return pick ? new Uint8Array(readFileSync(join(dir, pick))) : undefined;
}

export function imageOptions(root: string, tag: string): ImageOptions {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? "0");
  const opts: ImageOptions = {
    created: Number.isFinite(epoch) && epoch >= 0 ? Math.floor(epoch) : 0,
    version: tag,
    rootId: IMAGE_NAME,
    source: "https://github.com/3scale/threescale-wasm-auth",
  };
  const schema = findConfigSchema(root);
  if (schema) opts.configSchema = schema;
  return opts;
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[], valued: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (eq >= 0) flags.set(name, a.slice(eq + 1));
    else if (valued.includes(name)) {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      flags.set(name, v);
      i++;
    } else flags.set(name, true);
  }
  return { positional, flags };
}

function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

function parseFormats(value: string | undefined): ImageFormat[] {
  if (value === undefined || value === "all") return [...IMAGE_FORMATS];
  if ((IMAGE_FORMATS as readonly string[]).includes(value)) return [value as ImageFormat];
  throw new Error(`--format must be wasm, docker or all (got "${value}")`);
}

/**
 * `npm run oci [-- --wasm <file>] [--out <dir>] [--tag <tag>] [--format wasm|docker|all]`:
 * writes build/oci/<format>/ (OCI layout) and build/oci/threescale-wasm-auth-<format>.tar.
 */
export function runBuild(argv: string[], log: (line: string) => void = console.log, root = repoRoot()): BuildOutputs[] {
  const args = parseArgs(argv, ["wasm", "out", "tag", "format"]);
  const wasmPath = resolve(root, flagString(args, "wasm") ?? "build/threescale_wasm_auth.wasm");
  if (!existsSync(wasmPath)) throw new Error(`${wasmPath} does not exist; run npm run build first`);
  const outDir = resolve(root, flagString(args, "out") ?? "build/oci");
  const tag = flagString(args, "tag") ?? packageVersion(root);
  const wasm = new Uint8Array(readFileSync(wasmPath));
  const outputs: BuildOutputs[] = [];
  for (const format of parseFormats(flagString(args, "format"))) {
    const image = buildImage(format, wasm, imageOptions(root, tag));
    const layoutDir = join(outDir, format);
    const tarball = join(outDir, `${IMAGE_NAME}-${format}.tar`);
    writeLayoutDir(layoutDir, image, tag);
    writeLayoutTar(tarball, image, tag, `${IMAGE_NAME}:${tag}`);
    log(`${format}: ${image.manifestDigest} (${image.manifest.layers.map((l) => `${l.mediaType} ${l.size} B`).join(", ")})`);
    log(`  layout  ${layoutDir}`);
    log(`  tarball ${tarball}`);
    outputs.push({ format, layoutDir, tarball, image });
  }
  return outputs;
}

/** Reads an image back from an OCI layout directory (the one `runBuild` wrote), verifying digests. */
export function readLayoutDir(dir: string, format: ImageFormat): BuiltImage {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  const first = index.manifests[0];
  if (!first) throw new Error(`${dir}/index.json lists no manifest`);
  const blob = (digest: string): Uint8Array => {
    const bytes = new Uint8Array(readFileSync(join(dir, "blobs", ...digest.split(":"))));
    if (sha256Digest(bytes) !== digest) throw new Error(`${dir}: blob ${digest} does not match its digest`);
    return bytes;
  };
  const manifestBytes = blob(first.digest);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as OciManifest;
  const blobs = new Map<string, Uint8Array>();
  for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, blob(d.digest));
  return { format, manifest, manifestBytes, manifestDigest: first.digest, blobs };
}

export const PUSH_USAGE =
  "usage: npm run oci:push -- <registry>/<repository>:<tag> [--format wasm|docker] [--plain-http] " +
  "[--user <u> --password <p>] [--wasm <file> | --layout <dir>]";

/** `npm run oci:push -- <ref> …`: pushes one image; returns the manifest digest. */
export async function runPush(argv: string[], log: (line: string) => void = console.log, root = repoRoot()): Promise<string> {
  const args = parseArgs(argv, ["format", "user", "password", "wasm", "layout", "tag"]);
  const target = args.positional[0];
  if (!target || args.positional.length > 1) throw new Error(PUSH_USAGE);
  const formatFlag = flagString(args, "format") ?? "wasm";
  if (formatFlag !== "wasm" && formatFlag !== "docker") throw new Error(`--format must be wasm or docker (got "${formatFlag}")`);
  const format: ImageFormat = formatFlag;
  const ref = parseReference(target);
  const password = flagString(args, "password") ?? process.env.OCI_PASSWORD;
  const username = flagString(args, "user") ?? process.env.OCI_USER;
  if ((username === undefined) !== (password === undefined)) throw new Error("--user and --password go together");
  let image: BuiltImage;
  const layout = flagString(args, "layout");
  if (layout) image = readLayoutDir(resolve(root, layout), format);
  else {
    const wasmPath = resolve(root, flagString(args, "wasm") ?? "build/threescale_wasm_auth.wasm");
    if (!existsSync(wasmPath)) throw new Error(`${wasmPath} does not exist; run npm run build first`);
    image = buildImage(format, new Uint8Array(readFileSync(wasmPath)), imageOptions(root, ref.tag ?? packageVersion(root)));
  }
  const opts: ConstructorParameters<typeof RegistryClient>[1] = { plainHttp: args.flags.has("plain-http"), log };
  if (username !== undefined) opts.username = username;
  if (password !== undefined) opts.password = password;
  const client = new RegistryClient(ref, opts);
  const { digest } = await client.pushImage(image);
  log(`pushed ${format} image ${ref.registry}/${ref.repository}@${digest}`);
  log(`WasmPlugin url: oci://${ref.registry}/${ref.repository}:${ref.tag ?? "latest"}`);
  return digest;
}
