// `npm start`: the local gateway with the 3scale simulators (see cli.ts for the options).
// Errors are one line on stderr and exit code 1; Ctrl-C stops everything.
import { runGatewayCli } from "./cli.js";

async function main(): Promise<void> {
  const r = await runGatewayCli(process.argv.slice(2), process.env, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
  if (r.code !== 0) process.exit(r.code);
  const gateway = r.gateway;
  if (!gateway) return;
  const shutdown = () => {
    gateway.stop().finally(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

void main();
