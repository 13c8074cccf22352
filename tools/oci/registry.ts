// A small OCI distribution API client on Node's fetch: push (blob HEAD → POST upload → monolithic
// PUT, then manifest PUT) and pull (manifest GET, blob GET). Authentication follows the registry's
// challenge: `WWW-Authenticate: Basic` gets the given credentials, `WWW-Authenticate: Bearer
// realm=…,service=…,scope=…` gets a token from the realm (anonymously, or with the credentials as
// Basic), which is then sent as `Authorization: Bearer`.
import { MEDIA_TYPES, sha256Digest, type BuiltImage, type OciManifest } from "./image.js";
import { explainFetchFailure } from "./network-error.js";

export interface ImageReference {
  /** host[:port] */
  registry: string;
  /** repository path, e.g. "3scale/threescale-wasm-auth" */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses `registry/repo[:tag|@digest]`. The first component must be a host (contain "." or ":" or be localhost). */
export function parseReference(ref: string): ImageReference {
  const text = ref.replace(/^oci:\/\//, "").replace(/^docker:\/\//, "");
  const slash = text.indexOf("/");
  if (slash <= 0) throw new Error(`invalid image reference "${ref}": expected <registry>/<repository>[:tag]`);
  const registry = text.slice(0, slash);
  if (!/[.:]/.test(registry) && registry !== "localhost") {
    throw new Error(`invalid image reference "${ref}": "${registry}" is not a registry host (add the host, e.g. quay.io/…)`);
  }
  let rest = text.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`invalid digest in "${ref}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new Error(`invalid tag "${tag}" in "${ref}"`);
  }
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest)) {
    throw new Error(`invalid repository "${rest}" in "${ref}" (lower-case letters, digits, separators)`);
  }
  const parsed: ImageReference = { registry, repository: rest };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  if (parsed.tag === undefined && parsed.digest === undefined) parsed.tag = "latest";
  return parsed;
}

export interface ClientOptions {
  plainHttp?: boolean;
  username?: string;
  password?: string;
  /** Called with one line per step (for the CLI's progress output). */
  log?: (line: string) => void;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted or token values). */
export function parseChallenge(header: string): Challenge | null {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

export class RegistryError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export class RegistryClient {
  private authorization: string | undefined;
  readonly base: string;

  constructor(readonly ref: ImageReference, private readonly opts: ClientOptions = {}) {
    this.base = `${opts.plainHttp ? "http" : "https"}://${ref.registry}`;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private basicCredentials(): string | undefined {
    if (this.opts.username === undefined) return undefined;
    return `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ""}`).toString("base64")}`;
  }

  /** Answers a 401 challenge; returns false when it cannot be answered. */
  private async authenticate(challengeHeader: string | null): Promise<boolean> {
    const challenge = challengeHeader ? parseChallenge(challengeHeader) : null;
    if (!challenge) return false;
    if (challenge.scheme === "basic") {
      const basic = this.basicCredentials();
      if (!basic || this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (challenge.scheme !== "bearer" || !challenge.params.realm) return false;
    const url = new URL(challenge.params.realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    const scope = challenge.params.scope ?? `repository:${this.ref.repository}:pull,push`;
    url.searchParams.set("scope", scope);
    const headers: Record<string, string> = {};
    const basic = this.basicCredentials();
    if (basic) headers.authorization = basic;
    const res = await this.fetch(url, { headers });
    if (!res.ok) throw new RegistryError(`token request to ${url.origin}${url.pathname} failed: HTTP ${res.status}`, res.status);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError("token response has no token");
    const bearer = `Bearer ${token}`;
    if (this.authorization === bearer) return false;
    this.authorization = bearer;
    this.log(`authenticated with a bearer token from ${url.host}`);
    return true;
  }

  /** fetch with transport failures explained (the cause, and --plain-http when it fits). */
  private async fetch(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (e) {
      throw new RegistryError(explainFetchFailure(e, url, this.opts.plainHttp === true));
    }
  }

  /** One request, retried once per successful authentication step after a 401. */
  async request(method: string, pathOrUrl: string, init: { headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<Response> {
    const url = new URL(pathOrUrl, this.base);
    for (let attempt = 0; attempt < 3; attempt++) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (this.authorization) headers.authorization = this.authorization;
      const requestInit: RequestInit = { method, headers };
      // A copy typed over a plain ArrayBuffer, as fetch's BodyInit wants.
      if (init.body) requestInit.body = new Uint8Array(init.body);
      const res = await this.fetch(url, requestInit);
      if (res.status !== 401) return res;
      await res.arrayBuffer();
      if (!(await this.authenticate(res.headers.get("www-authenticate")))) {
        throw new RegistryError(`${method} ${url.pathname}: unauthorized (HTTP 401); pass --user and --password`, 401);
      }
    }
    throw new RegistryError(`${method} ${url.pathname}: still unauthorized after authenticating`, 401);
  }

  private repoPath(kind: "blobs" | "manifests", ref: string): string {
    return `/v2/${this.ref.repository}/${kind}/${ref}`;
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request("HEAD", this.repoPath("blobs", digest));
    await res.arrayBuffer();
    return res.status === 200;
  }

  /** Pushes a blob unless present: POST to open an upload, then one monolithic PUT with ?digest=. */
  async pushBlob(digest: string, bytes: Uint8Array): Promise<"uploaded" | "exists"> {
    if (await this.hasBlob(digest)) return "exists";
    const start = await this.request("POST", `/v2/${this.ref.repository}/blobs/uploads/`, { headers: { "content-length": "0" } });
    await start.arrayBuffer();
    const location = start.headers.get("location");
    if (start.status !== 202 || !location) {
      throw new RegistryError(`blob upload could not start: HTTP ${start.status}`, start.status);
    }
    const uploadUrl = new URL(location, this.base);
    uploadUrl.searchParams.set("digest", digest);
    const put = await this.request("PUT", uploadUrl.href, {
      headers: { "content-type": "application/octet-stream", "content-length": String(bytes.length) },
      body: bytes,
    });
    const text = await put.text();
    if (put.status !== 201) throw new RegistryError(`blob ${digest} upload failed: HTTP ${put.status} ${text.slice(0, 200)}`, put.status);
    return "uploaded";
  }

  async pushManifest(tagOrDigest: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const res = await this.request("PUT", this.repoPath("manifests", tagOrDigest), {
      headers: { "content-type": mediaType },
      body: bytes,
    });
    const text = await res.text();
    if (res.status !== 201) throw new RegistryError(`manifest upload failed: HTTP ${res.status} ${text.slice(0, 300)}`, res.status);
    const expected = sha256Digest(bytes);
    const reported = res.headers.get("docker-content-digest");
    if (reported && reported !== expected) {
      throw new RegistryError(`registry stored the manifest as ${reported}, expected ${expected}`);
    }
    return expected;
  }

  /** Pushes every blob, then the manifest under the reference's tag (or its digest). */
  async pushImage(image: BuiltImage): Promise<{ digest: string; blobs: Array<{ digest: string; size: number; result: string }> }> {
    const blobs: Array<{ digest: string; size: number; result: string }> = [];
    for (const [digest, bytes] of image.blobs) {
      const result = await this.pushBlob(digest, bytes);
      this.log(`blob ${digest} (${bytes.length} B): ${result}`);
      blobs.push({ digest, size: bytes.length, result });
    }
    const target = this.ref.tag ?? image.manifestDigest;
    const digest = await this.pushManifest(target, image.manifest.mediaType, image.manifestBytes);
    this.log(`manifest ${digest} → ${this.ref.registry}/${this.ref.repository}:${target}`);
    return { digest, blobs };
  }

  async pullManifest(tagOrDigest?: string): Promise<{ manifest: OciManifest; bytes: Uint8Array; digest: string; mediaType: string }> {
    const ref = tagOrDigest ?? this.ref.digest ?? this.ref.tag ?? "latest";
    const res = await this.request("GET", this.repoPath("manifests", ref), {
      headers: { accept: [MEDIA_TYPES.manifest, MEDIA_TYPES.index, "application/vnd.docker.distribution.manifest.v2+json"].join(", ") },
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new RegistryError(`manifest ${ref}: HTTP ${res.status}`, res.status);
    return {
      manifest: JSON.parse(new TextDecoder().decode(bytes)) as OciManifest,
      bytes,
      digest: sha256Digest(bytes),
      mediaType: res.headers.get("content-type") ?? "",
    };
  }

  /** Fetches a blob and verifies its digest. */
  async pullBlob(digest: string): Promise<Uint8Array> {
    const res = await this.request("GET", this.repoPath("blobs", digest));
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new RegistryError(`blob ${digest}: HTTP ${res.status}`, res.status);
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new RegistryError(`blob ${digest} arrived with digest ${actual}`);
    return bytes;
  }
}
