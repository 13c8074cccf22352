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

export interface PackageInfo {
  version?: string;
  /** a browsable URL of the project's repository, from package.json `repository` */
  repository?: string;
}

/** packageInfo reads the version and repository of the package.json at `root` (empty when unreadable). */
export function packageInfo(root: string): PackageInfo {
  let pkg: { version?: unknown; repository?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as typeof pkg;
  } catch {
    return {};
  }
  const info: PackageInfo = {};
  if (typeof pkg.version === "string" && pkg.version !== "") info.version = pkg.version;
  const repository = repositoryUrl(pkg.repository);
  if (repository) info.repository = repository;
  return info;
}

const SHORTHAND_HOSTS: Record<string, string> = { github: "github.com", gitlab: "gitlab.com", bitbucket: "bitbucket.org" };

/**
 * repositoryUrl turns package.json's `repository` (a string, or `{ url }`) into an https URL:
 * `git+https://h/o/r.git`, `git@h:o/r.git`, `github:o/r` and `o/r` all become `https://h/o/r`.
 */
export function repositoryUrl(field: unknown): string | undefined {
  const raw = typeof field === "string" ? field : typeof field === "object" && field !== null ? (field as { url?: unknown }).url : undefined;
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  let v = raw.trim();
  const short = /^(?:(github|gitlab|bitbucket):)?([\w.-]+\/[\w.-]+)$/.exec(v);
  if (short) return `https://${SHORTHAND_HOSTS[short[1] ?? "github"]}/${short[2]!.replace(/\.git$/, "")}`;
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(v);
  if (scp) v = `https://${scp[1]}/${scp[2]}`;
  v = v.replace(/^git\+/, "").replace(/^(git|ssh):\/\/(?:[^@/]+@)?/, "https://");
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return undefined;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return undefined;
  return `https://${u.host}${u.pathname.replace(/\.git$/, "").replace(/\/$/, "")}`;
}

/** The configuration JSON Schema, when the schema/ directory has one (shipped in the docker layer). */
function findConfigSchema(root: string): Uint8Array | undefined {
  const dir = join(root, "schema");
  if (!existsSync(dir)) return undefined;
  const candidates = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const pick = candidates.find((f) => f.endsWith(".schema.json")) ?? candidates[0];
  return pick ? new Uint8Array(readFileSync(join(dir, pick))) : undefined;
}

/**
 * imageOptions: what goes into the image besides the module. The version annotation is the
 * package's version (or `version` when given), never the tag, so that one build has one digest
 * whatever it is tagged, and can be promoted by digest. The source label names this project's
 * repository from package.json, or is left out.
 */
export function imageOptions(root: string, version?: string): ImageOptions {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? "0");
  const pkg = packageInfo(root);
  const opts: ImageOptions = {
    created: Number.isFinite(epoch) && epoch >= 0 ? Math.floor(epoch) : 0,
    rootId: IMAGE_NAME,
  };
  const v = version ?? pkg.version;
  if (v !== undefined) opts.version = v;
  if (pkg.repository !== undefined) opts.source = pkg.repository;
  const schema = findConfigSchema(root);
  if (schema) opts.configSchema = schema;
  return opts;
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** Thrown for --help: the message is the usage, printed on stdout with exit code 0. */
export class HelpRequested extends Error {}

/** parseArgs: `valued` flags take a value, `switches` take none; anything else is an error. */
export function parseArgs(argv: string[], valued: string[], switches: string[] = [], usage = ""): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") throw new HelpRequested(usage);
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (usage !== "" && !valued.includes(name) && !switches.includes(name)) throw new Error(`unknown option --${name}\n${usage}`);
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

export const BUILD_USAGE = [
  "usage: npm run oci -- [--wasm FILE] [--out DIR] [--tag TAG] [--image-version V] [--format wasm|docker|all]",
  "",
  "Writes the filter as OCI images (no Docker needed): DIR/<format>/ (an OCI layout) and",
  "DIR/threescale-wasm-auth-<format>.tar, for the Wasm artifact format, the docker-compatible one, or both.",
  "",
  "  --wasm FILE          the module (default build/threescale_wasm_auth.wasm)",
  "  --out DIR            where to write (default build/oci)",
  "  --tag TAG            the tag the layout and tarball name (default: the package version)",
  "  --image-version V    the org.opencontainers.image.version annotation (default: the package version;",
  "                       never the tag, so retagging keeps the digest)",
  "  --format F           wasm, docker or all (default all)",
  "  -h, --help           this help",
].join("\n");

/**
 * `npm run oci [-- --wasm <file>] [--out <dir>] [--tag <tag>] [--format wasm|docker|all]`:
 * writes build/oci/<format>/ (OCI layout) and build/oci/threescale-wasm-auth-<format>.tar.
 */
export function runBuild(argv: string[], log: (line: string) => void = console.log, root = repoRoot()): BuildOutputs[] {
  const args = parseArgs(argv, ["wasm", "out", "tag", "format", "image-version"], [], BUILD_USAGE);
  if (args.positional.length > 0) throw new Error(`unexpected argument "${args.positional[0]}"\n${BUILD_USAGE}`);
  const wasmPath = resolve(root, flagString(args, "wasm") ?? "build/threescale_wasm_auth.wasm");
  if (!existsSync(wasmPath)) throw new Error(`${wasmPath} does not exist; run npm run build first`);
  const outDir = resolve(root, flagString(args, "out") ?? "build/oci");
  const tag = flagString(args, "tag") ?? packageInfo(root).version ?? "latest";
  const version = flagString(args, "image-version");
  const wasm = new Uint8Array(readFileSync(wasmPath));
  const outputs: BuildOutputs[] = [];
  for (const format of parseFormats(flagString(args, "format"))) {
    const image = buildImage(format, wasm, imageOptions(root, version));
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

export const PUSH_USAGE = [
  "usage: npm run oci:push -- REGISTRY/REPOSITORY[:TAG] [--format wasm|docker] [--plain-http]",
  "                           [--user U --password P] [--wasm FILE | --layout DIR] [--image-version V]",
  "",
  "Pushes the filter's OCI image over the registry API (no Docker needed) and prints its digest.",
  "",
  "  --format F           wasm (the Wasm artifact, default) or docker (docker-compatible image)",
  "  --plain-http         talk HTTP, not HTTPS (a local registry such as registry:2 on port 5000)",
  "  --user U, --password P   registry credentials (or OCI_USER and OCI_PASSWORD)",
  "  --wasm FILE          the module to push (default build/threescale_wasm_auth.wasm)",
  "  --layout DIR         push an image npm run oci wrote (its build/oci/<format> directory)",
  "  --image-version V    the version annotation (default: the package version; never the tag)",
  "  -h, --help           this help",
].join("\n");

/** `npm run oci:push -- <ref> …`: pushes one image; returns the manifest digest. */
export async function runPush(argv: string[], log: (line: string) => void = console.log, root = repoRoot()): Promise<string> {
  const args = parseArgs(argv, ["format", "user", "password", "wasm", "layout", "image-version"], ["plain-http"], PUSH_USAGE);
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
    image = buildImage(format, new Uint8Array(readFileSync(wasmPath)), imageOptions(root, flagString(args, "image-version")));
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
