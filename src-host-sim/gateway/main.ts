// `npm start`: the local gateway with the 3scale simulators (see cli.ts for the options).
// Errors are one line on stderr and exit code 1. SIGTERM or SIGINT stops it gracefully (requests
// in flight finish first); a second signal stops it at once. The start script `exec`s this
// process, so the signal reaches it whether it is sent to npm's child or (forwarded) to npm.
import { runGatewayCli } from "./cli.js";

async function main(): Promise<void> {
  const r = await runGatewayCli(process.argv.slice(2), process.env, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
  if (r.code !== 0) process.exit(r.code);
  const gateway = r.gateway;
  if (!gateway) return;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`[info] ${signal}: shutting down, ${gateway.requestsInFlight} request(s) in flight\n`);
    gateway.stop().finally(() => {
      process.stderr.write("[info] gateway stopped\n");
      process.exit(0);
    });
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

void main();
