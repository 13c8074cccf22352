// The processes behind Envoy in the compose example, in one Node process and from the same code
// `npm start` uses: the 3scale backend simulator, the 3scale system simulator (both seeded from one
// seed file) and the echo upstream, on fixed ports. docker-compose.yaml gives the container the
// host names envoy/envoy.yaml's clusters resolve (threescale-backend, threescale-system, upstream).
import { BackendSimulator, loadSeed } from "../../src-host-sim/backend/index.js";
import { startEchoUpstream } from "../../src-host-sim/gateway/upstream.js";
import { SystemSimulator } from "../../src-host-sim/system/index.js";

export interface StackOptions {
  /** Seed file for the simulators (services, applications, limits, mapping rules, access tokens). */
  seed: string;
  host?: string;
  backendPort?: number;
  systemPort?: number;
  echoPort?: number;
}

export interface RunningStack {
  backendUrl: string;
  systemUrl: string;
  echoUrl: string;
  backend: BackendSimulator;
  system: SystemSimulator;
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = { backend: 3000, system: 3001, echo: 8000 } as const;

export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const host = opts.host ?? "127.0.0.1";
  // One parsed seed shared by both simulators, so system serves the services backend knows.
  const seed = loadSeed(opts.seed);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    await Promise.all(stops.splice(0).map((s) => s()));
  };
  try {
    // A long-running container: keep only the latest requests in memory.
    const backend = new BackendSimulator({ seed, host, port: opts.backendPort ?? DEFAULT_PORTS.backend, maxRecordedRequests: 1000 });
    const backendUrl = await backend.start();
    stops.push(() => backend.stop());
    const system = new SystemSimulator({ seed, host, port: opts.systemPort ?? DEFAULT_PORTS.system });
    // System serves the services (tokens, mapping rules) of the backend's store, as npm start does.
    system.useStore(backend.store);
    const systemUrl = await system.start();
    stops.push(() => system.stop());
    const echo = await startEchoUpstream(opts.echoPort ?? DEFAULT_PORTS.echo, host);
    stops.push(() => echo.close());
    return { backendUrl, systemUrl, echoUrl: echo.url, backend, system, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
