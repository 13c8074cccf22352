// The protected API of the compose example: answers every request with 200 and a JSON echo of
// what arrived (method, path, headers), so a curl shows that the request got through Envoy and
// which headers the filter chain forwarded. GET /__health is the container health check.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface EchoServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startEchoServer(port = 0, host = "127.0.0.1"): Promise<EchoServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/__health") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
        return;
      }
      const body = JSON.stringify(
        { echo: true, method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") },
        null,
        2,
      );
      res.writeHead(200, { "content-type": "application/json" }).end(`${body}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
