// Benchmark floor: full request cycles of the no-op proxy-runtime module (test/modules/noop.ts)
// in the host simulator — context create → request headers → response headers → on_log/on_done/
// on_delete. It prints the time per cycle and the linear memory size after 1,000 and after all
// cycles (it must stay flat: a growing number means a leak in the SDK shims or the host protocol).
// Run: `node dist/bench/floor.js [cycles]` after `npm run build` (needs build/test/noop.wasm,
// produced by the vitest global setup or compiled here on demand).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LogLevel, ProxyWasmSimulator } from "../src-host-sim/index.js";

export interface FloorResult {
  cycles: number;
  totalMs: number;
  microsPerCycle: number;
  pagesAfter1000: number;
  pagesAfterAll: number;
}

function findRoot(): string {
  let dir = resolve(fileURLToPath(new URL(".", import.meta.url)));
  for (let i = 0; i < 4; i++) {
    if (existsSync(resolve(dir, "package.json"))) return dir;
    dir = resolve(dir, "..");
  }
  return process.cwd();
}

async function noopModulePath(): Promise<string> {
  const root = findRoot();
  const out = resolve(root, "build/test/noop.wasm");
  if (!existsSync(out)) {
    const { compileAs } = (await import(pathToFileURL(resolve(root, "scripts/lib/compile.mjs")).href)) as {
      compileAs: (entry: string, out: string, opts: Record<string, unknown>) => Promise<unknown>;
    };
    await compileAs("test/modules/noop.ts", "build/test/noop.wasm", { mode: "release", watch: ["test/modules", "shim"] });
  }
  return out;
}

const REQUEST: Array<[string, string]> = [
  [":method", "GET"],
  [":path", "/floor?user_key=k"],
  [":authority", "api.example.com"],
  ["user-agent", "floor-bench"],
];
const RESPONSE: Array<[string, string]> = [[":status", "200"], ["content-length", "0"]];

/** runFloorBenchmark runs `cycles` full request cycles and returns the figures. */
export async function runFloorBenchmark(cycles = 100_000, wasmPath?: string): Promise<FloorResult> {
  // Envoy's default logger level is info: the SDK's per-call debug lines are dropped, and the
  // trace is off, so the host keeps no per-request state.
  const sim = await ProxyWasmSimulator.create(wasmPath ?? (await noopModulePath()), { rootId: "floor", logLevel: LogLevel.Info, trace: false, watchdog: false });
  const start = sim.start();
  if (!start.ok) throw new Error(`noop module failed to start: ${JSON.stringify(start)}`);
  let pagesAfter1000 = sim.memoryPages;
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= cycles; i++) {
    const s = sim.newHttpStream();
    s.sendRequestHeaders(REQUEST);
    s.sendResponseHeaders(RESPONSE, { endOfStream: true });
    s.complete();
    if (i === 1000) pagesAfter1000 = sim.memoryPages;
  }
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (sim.vmState.status !== "ok") throw new Error(`VM failed during the benchmark: ${sim.vmState.reason}`);
  return { cycles, totalMs, microsPerCycle: (totalMs * 1000) / cycles, pagesAfter1000, pagesAfterAll: sim.memoryPages };
}

export function formatFloor(r: FloorResult): string {
  return [
    `floor: ${r.cycles} request cycles of the no-op module in ${r.totalMs.toFixed(0)} ms`,
    `  ${r.microsPerCycle.toFixed(2)} µs per cycle (${Math.round(r.cycles / (r.totalMs / 1000))} cycles/s)`,
    `  linear memory: ${r.pagesAfter1000} pages after 1,000 cycles, ${r.pagesAfterAll} pages after ${r.cycles.toLocaleString("en-US")}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const cycles = Number(process.argv[2] ?? 100_000);
  const r = await runFloorBenchmark(cycles);
  console.log(formatFloor(r));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
