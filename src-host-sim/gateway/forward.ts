// Sending an allowed request to the upstream over a keep-alive pool. Two things make idle pools
// fail: the upstream closes a connection the pool still holds (its keep-alive timeout), and the
// next request on it is reset. So the pool drops idle connections before the echo upstream does,
// and an idempotent request whose reused connection is reset is sent once more on a fresh one,
// as Envoy's router retries a reset before any response byte.
import { Agent, type ClientRequest, type IncomingMessage, request as httpRequest } from "node:http";
import type { Readable } from "node:stream";
import type { ClusterTarget } from "./clusters.js";

/** The echo upstream closes idle connections after this long. */
export const ECHO_KEEP_ALIVE_MS = 5000;
/** The pool forgets idle connections sooner, so it never reuses one the upstream is closing. */
export const DEFAULT_UPSTREAM_IDLE_MS = 4000;

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

export function upstreamAgent(idleMs: number): Agent {
  // `timeout` is what the agent uses to destroy a socket idle in its free list.
  return new Agent({ keepAlive: true, maxSockets: 256, timeout: idleMs });
}

export interface UpstreamRequest {
  target: ClusterTarget;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** the body bytes already received */
  head: Buffer[];
  /** the rest of the body, still arriving; null when `head` is the whole body */
  rest: Readable | null;
}

export type UpstreamResult = { res: IncomingMessage; retried: boolean } | { failed: string; retried: boolean };

/** isRetriable: a reset of a reused connection before any answer, for a request that can be replayed. */
function isRetriable(req: ClientRequest, err: NodeJS.ErrnoException, r: UpstreamRequest): boolean {
  return req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE") && r.rest === null && IDEMPOTENT.has(r.method);
}

export function sendUpstream(agent: Agent, r: UpstreamRequest): Promise<UpstreamResult> {
  const attempt = (retried: boolean): Promise<UpstreamResult> =>
    new Promise((resolve) => {
      let answered = false;
      const req = httpRequest(
        { hostname: r.target.hostname, port: r.target.port, method: r.method, path: r.path, headers: r.headers, agent },
        (res) => {
          answered = true;
          resolve({ res, retried });
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (answered) return;
        answered = true;
        if (!retried && isRetriable(req, err, r)) resolve(attempt(true));
        else resolve({ failed: err.code ?? err.message, retried });
      });
      for (const chunk of r.head) req.write(chunk);
      if (r.rest === null) req.end();
      else {
        r.rest.pipe(req);
        r.rest.on("error", () => req.destroy());
      }
    });
  return attempt(false);
}
