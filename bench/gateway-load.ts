// Load through the local gateway: 10,000 requests from 50 concurrent keep-alive clients, every
// one authorized by the product module against the backend simulator. Prints figures only.
//   node scripts/build.mjs && node dist/bench/gateway-load.js [--requests N] [--clients N]
import { Agent, request } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Gateway } from "../src-host-sim/gateway/gateway.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]dist[\\/]?$/, ""));

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : def;
}

async function main(): Promise<void> {
  const total = flag("--requests", 10_000);
  const clients = flag("--clients", 50);
  const gw = await Gateway.start({
    port: 0,
    configPath: resolve(ROOT, "examples/quickstart.yaml"),
    seedPath: resolve(ROOT, "examples/seed.yaml"),
    modulePath: resolve(ROOT, "build/threescale_wasm_auth.wasm"),
  });
  const u = new URL(gw.url);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const statuses = new Map<number, number>();
  let errors = 0;
  let next = 0;
  const latencies: number[] = [];

  const one = (i: number) =>
    new Promise<void>((done) => {
      const t0 = performance.now();
      const req = request(
        { host: u.hostname, port: u.port, path: `/bench/${i}?user_key=user_key_demo`, agent },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - t0);
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            if (res.statusCode !== 200) errors++;
            done();
          });
          res.on("error", () => {
            errors++;
            done();
          });
        },
      );
      req.on("error", () => {
        errors++;
        done();
      });
      req.end();
    });

  const worker = async () => {
    while (next < total) await one(next++);
  };
  const memBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2) : "n/a");

  console.log(`gateway load: ${total} requests, ${clients} concurrent clients`);
  console.log(`  duration      ${seconds.toFixed(2)} s`);
  console.log(`  throughput    ${(total / seconds).toFixed(0)} requests/s`);
  console.log(`  errors        ${errors} (non-200 or failed)`);
  console.log(`  statuses      ${[...statuses].map(([s, n]) => `${s}×${n}`).join(" ")}`);
  console.log(`  latency ms    p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${pct(100)}`);
  console.log(`  rss           ${((process.memoryUsage().rss - memBefore) / 1048576).toFixed(1)} MiB growth`);
  console.log(`  backend hits  ${gw.backend.usage("2555417834780", "user-key-app", "hits", "day")}`);
  agent.destroy();
  await gw.stop();
}

main().catch((e) => {
  console.error(`gateway-load: ${(e as Error).message}`);
  process.exit(1);
});
