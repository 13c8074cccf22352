// The processes behind Envoy in the compose example, in one Node process: the 3scale backend
// simulator, the 3scale system simulator (when present in this build) and the echo upstream, on
// fixed ports. docker-compose.yaml gives the container the host names envoy/envoy.yaml's clusters
// resolve (threescale-backend, threescale-system, upstream).
import { BackendSimulator } from "../../src-host-sim/backend/index.js";
import { startEchoServer, type EchoServer } from "./echo.js";

export interface StackOptions {
  host?: string;
  backendPort?: number;
  systemPort?: number;
  echoPort?: number;
  /** Seed file for the simulators (services, applications, limits, access tokens). */
  seed: string;
}

export interface RunningStack {
  backendUrl: string;
  systemUrl: string | null;
  echoUrl: string;
  backend: BackendSimulator;
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = { backend: 3000, system: 3001, echo: 8000 } as const;

export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const host = opts.host ?? "127.0.0.1";
  const backend = new BackendSimulator({ seed: opts.seed, host, port: opts.backendPort ?? DEFAULT_PORTS.backend });
  const backendUrl = await backend.start();
  const stops: Array<() => Promise<void>> = [() => backend.stop()];
  let echo: EchoServer;
  try {
    echo = await startEchoServer(opts.echoPort ?? DEFAULT_PORTS.echo, host);
    stops.push(() => echo.close());
  } catch (e) {
    await Promise.all(stops.map((s) => s()));
    throw e;
  }
  const systemUrl: string | null = null;
  return {
    backendUrl,
    systemUrl,
    echoUrl: echo.url,
    backend,
    stop: async () => {
      await Promise.all(stops.map((s) => s()));
    },
  };
}
