// Cluster handlers for the host simulator: an http call the module makes to a cluster name goes
// out over real HTTP to the URL mapped to that name, as Envoy's cluster would send it (the call's
// :authority becomes Host, the :path is sent as is). No answer (refused, reset) is "fail".
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { ClusterHandler, HttpCallRequest, HttpCallResponseInit } from "../index.js";

export interface ClusterTarget {
  protocol: "http:" | "https:";
  hostname: string;
  port: number;
}

/** Parses `http(s)://host[:port]` (a path is ignored: Envoy clusters have none). */
export function parseClusterUrl(url: string): ClusterTarget | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return null;
  const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
  return { protocol: u.protocol, hostname: u.hostname.replace(/^\[|\]$/g, ""), port };
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

export function clusterHandler(target: ClusterTarget): ClusterHandler {
  const agent =
    target.protocol === "https:" ? new HttpsAgent({ keepAlive: true, maxSockets: 128 }) : new HttpAgent({ keepAlive: true, maxSockets: 128 });
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return (call: HttpCallRequest) =>
    new Promise<HttpCallResponseInit | "fail">((resolve) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of call.headers) {
        if (k.startsWith(":")) continue;
        const name = k.toLowerCase();
        headers[name] = headers[name] === undefined ? v : `${headers[name]}, ${v}`;
      }
      if (call.authority !== "") headers["host"] = call.authority;
      if (call.body.length > 0) headers["content-length"] = String(call.body.length);
      const req = send(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: call.method || "GET",
          path: call.path || "/",
          headers,
          agent,
          servername: call.authority.replace(/:\d+$/, "") || target.hostname,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", () => resolve("fail"));
          res.on("end", () => {
            const pairs: Array<[string, string]> = [];
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
              const name = res.rawHeaders[i]!.toLowerCase();
              if (!HOP_BY_HOP.has(name)) pairs.push([name, res.rawHeaders[i + 1]!]);
            }
            resolve({ status: res.statusCode ?? 502, headers: pairs, body: new Uint8Array(Buffer.concat(chunks)) });
          });
        },
      );
      // The host's own timeout answers 504 first; this only frees the socket afterwards.
      req.setTimeout(Math.max(call.timeoutMs, 1000) + 5000, () => req.destroy());
      req.on("error", () => resolve("fail"));
      req.end(call.body.length > 0 ? Buffer.from(call.body) : undefined);
    });
}
