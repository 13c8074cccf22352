// Answers a simulated host's http call by sending it over a real socket to a server on
// 127.0.0.1 (usually the backend simulator), so tests exercise the wire format end to end.
import { request } from "node:http";
import type { HttpCallRequest, HttpCallResponseInit } from "../../src-host-sim/index.js";

/**
 * forward sends one call to `base`: the method, the :path byte for byte, the regular headers and
 * the body. A connection error answers "fail" (the host's failed call), never a rejection.
 */
export function forward(base: string, call: HttpCallRequest): Promise<HttpCallResponseInit | "fail"> {
  const u = new URL(base);
  const headers: Record<string, string> = {};
  for (const [k, v] of call.headers) if (!k.startsWith(":")) headers[k] = v;
  if (call.body.length > 0) headers["content-length"] = String(call.body.length);
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, method: call.method, path: call.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const out: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
      });
    });
    req.on("error", () => resolve("fail"));
    if (call.body.length > 0) req.write(call.body);
    req.end();
  });
}
