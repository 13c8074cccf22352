// Starting and stopping the simulators' real HTTP servers. One place for the details that are
// easy to get wrong: a listen error must reject (not crash the process on an unhandled 'error'),
// and stop must drop keep-alive connections, or `close()` waits for clients to hang up.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** listen binds `server` and resolves once it accepts connections; a bind error (EADDRINUSE…) rejects. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** closeServer drops every open connection, then resolves when the server has closed. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** baseUrl: `http://<address>:<port>/` of a listening server. */
export function baseUrl(server: Server): string {
  const addr = server.address() as AddressInfo;
  return `http://${addr.address}:${addr.port}/`;
}

/**
 * HttpListener owns one server for a simulator: `start` creates and binds it once (later calls
 * return the same URL), `stop` closes it and may be called any number of times.
 */
export class HttpListener {
  private server: Server | null = null;
  private _url = "";

  /** Base URL once started, "" before. */
  get url(): string {
    return this._url;
  }

  async start(create: () => Server, port = 0, host = "127.0.0.1"): Promise<string> {
    if (this.server) return this._url;
    const server = create();
    await listen(server, port, host);
    this.server = server;
    this._url = baseUrl(server);
    return this._url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await closeServer(s);
  }
}
