// Entry of the `sims` service in docker-compose.yaml (node:20 running dist/tools/compose/sims.js):
// starts the 3scale simulators and the echo upstream on 0.0.0.0 with fixed ports.
// Environment: SIMS_SEED (default examples/seed.yaml), SIMS_HOST (0.0.0.0), SIMS_BACKEND_PORT
// (3000), SIMS_SYSTEM_PORT (3001), SIMS_ECHO_PORT (8000).
import { resolve } from "node:path";
import { DEFAULT_PORTS, startStack } from "./stack.js";

const env = process.env;
const port = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);

try {
  const stack = await startStack({
    seed: resolve(env.SIMS_SEED ?? "examples/seed.yaml"),
    host: env.SIMS_HOST ?? "0.0.0.0",
    backendPort: port("SIMS_BACKEND_PORT", DEFAULT_PORTS.backend),
    systemPort: port("SIMS_SYSTEM_PORT", DEFAULT_PORTS.system),
    echoPort: port("SIMS_ECHO_PORT", DEFAULT_PORTS.echo),
  });
  console.log(`3scale backend simulator  ${stack.backendUrl}`);
  console.log(`3scale system simulator   ${stack.systemUrl}`);
  console.log(`echo upstream             ${stack.echoUrl}`);
  const shutdown = () => {
    void stack.stop().then(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
} catch (e) {
  console.error(`sims: ${(e as Error).message}`);
  process.exit(1);
}
