// Real-host figures of `npm run bench`: the same request cycles as the simulator figures, run in
// Envoy's own Proxy-Wasm host (proxy-wasm-cpp-host + WAMR 2.4.1 fast interpreter) by the driver's
// `loop` command. CPU µs per request cycle of each case and of the no-op floor in the same driver
// process (interleaved rounds; ratio = median of per-round case/floor), and linear memory after
// the rounds. The driver's own per-request work is in both numbers, so the ratio is what to read.
import { handleBackendRequest } from "../src-host-sim/backend/listener.js";
import { BackendSimulator } from "../src-host-sim/backend/index.js";
import { encodeMetadata } from "../src-host-sim/abi/protobuf.js";
import { CASE_REQUESTS, JWT_METADATA, basicAuthExtendedConfig, benchSeed, oidcConfig, userKeyConfig, BACKEND_CLUSTER } from "./lib/configs.js";
import { RESPONSE_HEADERS } from "./lib/cycle.js";
import { median } from "./lib/measure.js";
import { loopResult, RealHostDriver, realHostAvailability, type HostEvent, type Pairs } from "./lib/real-host.js";

interface RealCase {
  key: string;
  label: string;
  module: string;
  rootId: string;
  config: unknown;
  request: Pairs;
  /** binary stream properties, base64 (the jwt_authn dynamic metadata of case (c)) */
  properties_b64?: Record<string, string>;
  /** the expected outcome of every cycle */
  expect: "continued" | "403";
}

export interface RealHostFigures {
  available: boolean;
  reason?: string;
  rounds?: number;
  perRound?: number;
  rows?: Array<{ key: string; label: string; micros: number; ratio: number; range: [number, number]; memoryBytes: number }>;
}

function cases(product: string, noop: string): RealCase[] {
  return [
    { key: "floor", label: "floor: no-op proxy-runtime module", module: noop, rootId: "floor", config: "", request: CASE_REQUESTS.userKey(3), expect: "continued" },
    { key: "a", label: "(a) user_key in query, 3 rules", module: product, rootId: "threescale-wasm-auth", config: userKeyConfig(3), request: CASE_REQUESTS.userKey(3), expect: "continued" },
    { key: "b", label: "(b) Basic-auth extended, 10 rules", module: product, rootId: "threescale-wasm-auth", config: basicAuthExtendedConfig(10), request: CASE_REQUESTS.basicAuth(10), expect: "continued" },
    {
      key: "c", label: "(c) OIDC jwt_authn metadata, 50 rules", module: product, rootId: "threescale-wasm-auth", config: oidcConfig(50), request: CASE_REQUESTS.oidc(50), expect: "continued",
      properties_b64: { metadata: Buffer.from(encodeMetadata(JWT_METADATA as never)).toString("base64") },
    },
    { key: "d", label: "(d) denied: no credentials → 403", module: product, rootId: "threescale-wasm-auth", config: userKeyConfig(3), request: CASE_REQUESTS.denied(3), expect: "403" },
  ];
}

/** The backend simulator's answer to a case's authrep, replayed on every cycle. */
function backendAnswer(call: HostEvent): { headers: Pairs; body: string } {
  const backend = new BackendSimulator({ seed: benchSeed() });
  const headers = call.headers as Pairs;
  const lower: Record<string, string> = {};
  for (const [k, v] of headers) if (!k.startsWith(":")) lower[k] = v;
  const path = headers.find(([k]) => k === ":path")![1];
  const r = handleBackendRequest({ store: backend.store, clock: backend.clock, enqueue: () => undefined }, { method: "GET", url: path, headers: lower });
  if (r.status !== 200) throw new Error(`the backend simulator answered ${r.status} to ${path}`);
  return { headers: [[":status", "200"], ...Object.entries(r.headers)], body: r.body };
}

export async function runRealHostBenchmark(opts: { quick: boolean; product: string; noop: string }): Promise<RealHostFigures> {
  const avail = realHostAvailability();
  if (!avail.available) return { available: false, reason: avail.reason };
  const driver = new RealHostDriver();
  driver.keepEvents = false;
  try {
    const defs = cases(opts.product, opts.noop);
    const loops: Record<string, Record<string, unknown>> = {};
    for (const c of defs) {
      const started = (await driver.send({
        cmd: "vm", vm: c.key, module: c.module, vm_id: `bench-${c.key}`, root_id: c.rootId,
        plugin_config: typeof c.config === "string" ? c.config : JSON.stringify(c.config), log_level: "info",
        clusters: [BACKEND_CLUSTER],
      })).find((e) => e.ev === "vm_started");
      if (!started?.ok) throw new Error(`real host: ${c.key} did not start: ${JSON.stringify(started)}`);
      // One interactive cycle: learn the authrep and the backend's answer to it.
      const request = { headers: c.request, ...(c.properties_b64 ? { properties_b64: c.properties_b64 } : {}) };
      const ev = await driver.send({ cmd: "request", vm: c.key, stream: `probe-${c.key}`, ...request });
      const call = ev.find((e) => e.ev === "http_call");
      let callResponse: { headers: Pairs; body: string } = { headers: [[":status", "200"]], body: "" };
      if (call) {
        callResponse = backendAnswer(call);
        await driver.send({ cmd: "respond", vm: c.key, token: call.token, headers: callResponse.headers, body: callResponse.body });
      }
      await driver.send({ cmd: "end", stream: `probe-${c.key}` });
      loops[c.key] = { cmd: "loop", vms: [c.key], request, call_response: callResponse, upstream: { headers: RESPONSE_HEADERS, body: "{}" } };
    }
    const run = async (key: string, n: number) => {
      const r = loopResult(await driver.send({ ...loops[key]!, n }));
      const c = defs.find((d) => d.key === key)!;
      const ok = r.vm_failed === false && (c.expect === "403" ? r.counts["local_reply.403"] === n : r.continued === n);
      if (!ok) throw new Error(`real host: case ${key} did not end as expected: ${JSON.stringify(r)}`);
      return r;
    };
    const warm = opts.quick ? 200 : 1000;
    for (const c of defs) await run(c.key, warm);
    const rounds = opts.quick ? 3 : 7;
    const perRound = opts.quick ? 500 : 2000;
    const micros: Record<string, number[]> = Object.fromEntries(defs.map((d) => [d.key, []]));
    const ratios: Record<string, number[]> = Object.fromEntries(defs.map((d) => [d.key, []]));
    const memory: Record<string, number> = {};
    for (let round = 0; round < rounds; round++) {
      const thisRound: Record<string, number> = {};
      for (const c of defs) {
        const r = await run(c.key, perRound);
        thisRound[c.key] = r.cpu_us_per_request;
        micros[c.key]!.push(r.cpu_us_per_request);
        memory[c.key] = r.memory_bytes;
      }
      for (const c of defs) ratios[c.key]!.push(thisRound[c.key]! / thisRound.floor!);
    }
    return {
      available: true,
      rounds,
      perRound,
      rows: defs.map((d) => ({
        key: d.key,
        label: d.label,
        micros: median(micros[d.key]!),
        ratio: median(ratios[d.key]!),
        range: [Math.min(...ratios[d.key]!), Math.max(...ratios[d.key]!)],
        memoryBytes: memory[d.key]!,
      })),
    };
  } finally {
    await driver.close();
  }
}

export function formatRealHostBench(f: RealHostFigures): string {
  const title = "Real host: Envoy's proxy-wasm-cpp-host with WAMR 2.4.1 (fast interpreter), through test/real-host/driver";
  if (!f.available) return `${title}\n  not run: ${f.reason}`;
  const lines = [
    `${title} (${f.rounds} interleaved rounds × ${f.perRound} cycles; ratio = median of per-round case/floor)`,
    `${"case".padEnd(42)} ${"µs/req".padStart(8)} ${"ratio".padStart(7)} ${"range".padStart(13)} ${"memory".padStart(10)}`,
  ];
  for (const r of f.rows!) {
    lines.push(`${r.label.padEnd(42)} ${r.micros.toFixed(1).padStart(8)} ${(r.ratio.toFixed(2) + "×").padStart(7)} ${`${r.range[0].toFixed(2)}–${r.range[1].toFixed(2)}`.padStart(13)} ${`${(r.memoryBytes / 1024).toFixed(0)} KiB`.padStart(10)}`);
  }
  lines.push("  µs/req: CPU time of the driver process per request cycle (cpp-host, WAMR interpreting the module, the driver's own");
  lines.push("  bookkeeping); memory: the VM's linear memory after the rounds");
  return lines.join("\n");
}
