// The demo upstream: answers every request with a JSON echo of what it received, so a client
// of the gateway sees exactly what passed the filter.
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, listen } from "../http/server.js";
import { ECHO_KEEP_ALIVE_MS } from "./forward.js";

// The gateway starts and stops its own listener with the same helpers.
export { closeServer, listen };

export interface EchoUpstream {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** How much of a request body the echo repeats. */
export const ECHO_BODY_BYTES = 1024 * 1024;

export async function startEchoUpstream(port = 0, host = "127.0.0.1"): Promise<EchoUpstream> {
  // Accept every header the gateway lets through (its limit is Envoy's 60 KiB), so a request the
  // filter authorized and counted is never refused afterwards for its size.
  const server = createServer({ maxHeaderSize: 128 * 1024 }, (req, res) => {
    // Echo at most the first MiB of a body (its full length is reported): a huge upload must not
    // be held whole, nor make a string too long to build.
    const chunks: Buffer[] = [];
    let kept = 0;
    let length = 0;
    req.on("data", (c: Buffer) => {
      length += c.length;
      if (kept < ECHO_BODY_BYTES) {
        const part = c.subarray(0, ECHO_BODY_BYTES - kept);
        chunks.push(part);
        kept += part.length;
      }
    });
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i]!.toLowerCase();
        headers[k] = headers[k] === undefined ? req.rawHeaders[i + 1]! : `${headers[k]}, ${req.rawHeaders[i + 1]}`;
      }
      const echo: Record<string, unknown> = { method: req.method, path: req.url, headers, body: Buffer.concat(chunks).toString("utf8") };
      if (length > kept) Object.assign(echo, { bodyLength: length, bodyTruncated: true });
      const body = JSON.stringify(echo);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = ECHO_KEEP_ALIVE_MS;
  await listen(server, port, host);
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}/`,
    server,
    close: () => closeServer(server),
  };
}
