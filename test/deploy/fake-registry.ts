// An in-memory OCI distribution endpoint (real HTTP on 127.0.0.1) for testing the push client's
// authentication: none, Basic (`WWW-Authenticate: Basic`) or a Bearer token service on the same
// server. It implements only what a push and a pull use, and records every request.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export type AuthMode = "none" | "basic" | "bearer";

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  contentType?: string;
}

export interface FakeRegistry {
  host: string;
  requests: RecordedRequest[];
  blobs: Map<string, Buffer>;
  manifests: Map<string, { contentType: string; body: Buffer }>;
  close(): Promise<void>;
}

const USER = "deployer";
const PASSWORD = "s3cret";
const TOKEN = "token-for-deployer";
export const FAKE_CREDENTIALS = { user: USER, password: PASSWORD };

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolveBody(Buffer.concat(chunks)));
  });
}

const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const basicOf = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

export async function startFakeRegistry(mode: AuthMode): Promise<FakeRegistry> {
  const requests: RecordedRequest[] = [];
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { contentType: string; body: Buffer }>();
  const uploads = new Set<string>();
  let host = "";
  let uploadSeq = 0;

  function authorized(req: IncomingMessage): boolean {
    if (mode === "none") return true;
    if (mode === "basic") return req.headers.authorization === basicOf(USER, PASSWORD);
    return req.headers.authorization === `Bearer ${TOKEN}`;
  }

  function challenge(res: ServerResponse, repo: string): void {
    const value =
      mode === "basic"
        ? 'Basic realm="fake-registry"'
        : `Bearer realm="http://${host}/token",service="fake-registry",scope="repository:${repo}:pull,push"`;
    res.writeHead(401, { "www-authenticate": value, "content-type": "application/json" });
    res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const record: RecordedRequest = { method: req.method ?? "", path: url.pathname + url.search };
    if (req.headers.authorization) record.authorization = req.headers.authorization;
    if (req.headers["content-type"]) record.contentType = req.headers["content-type"];
    requests.push(record);
    const body = await readBody(req);

    if (url.pathname === "/token") {
      // The token service wants the account's Basic credentials and the scope it announced.
      if (req.headers.authorization !== basicOf(USER, PASSWORD) || !url.searchParams.get("scope")?.includes("push")) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: TOKEN }));
      return;
    }
    const m = /^\/v2\/(.+?)\/(blobs\/uploads\/?(.*)|blobs\/(.+)|manifests\/(.+))$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const repo = m[1]!;
    if (!authorized(req)) {
      challenge(res, repo);
      return;
    }
    if (m[2]!.startsWith("blobs/uploads")) {
      const id = m[3] ?? "";
      if (req.method === "POST" && id === "") {
        const newId = `u${++uploadSeq}`;
        uploads.add(newId);
        res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${newId}?_state=x`, "docker-upload-uuid": newId }).end();
        return;
      }
      if (req.method === "PUT" && uploads.has(id)) {
        const digest = url.searchParams.get("digest") ?? "";
        if (digestOf(body) !== digest || url.searchParams.get("_state") !== "x") {
          res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID"}]}');
          return;
        }
        uploads.delete(id);
        blobs.set(digest, body);
        res.writeHead(201, { location: `/v2/${repo}/blobs/${digest}`, "docker-content-digest": digest }).end();
        return;
      }
    } else if (m[4]) {
      const blob = blobs.get(m[4]);
      if (!blob) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": String(blob.length), "docker-content-digest": m[4] });
      res.end(req.method === "HEAD" ? undefined : blob);
      return;
    } else if (m[5]) {
      if (req.method === "PUT") {
        const manifest = JSON.parse(body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
        const missing = [manifest.config, ...manifest.layers].filter((d) => !blobs.has(d.digest));
        if (missing.length > 0) {
          res.writeHead(400).end('{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN"}]}');
          return;
        }
        const entry = { contentType: req.headers["content-type"] ?? "", body };
        manifests.set(m[5], entry);
        manifests.set(digestOf(body), entry);
        res.writeHead(201, { "docker-content-digest": digestOf(body) }).end();
        return;
      }
      const found = manifests.get(m[5]);
      if (!found) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": found.contentType }).end(found.body);
      return;
    }
    res.writeHead(405).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  host = `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    host,
    requests,
    blobs,
    manifests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
