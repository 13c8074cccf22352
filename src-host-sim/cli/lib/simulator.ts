// The one place the CLI creates a host simulator (src-host-sim/index.ts): a fresh instance of the
// real module per check, root id "" as in Istio's WasmPlugin, every log level kept.
import { readFileSync } from "node:fs";
import { ProxyWasmSimulator, type HttpCall, type SimulatorOptions } from "../../index.js";

export type Sim = ProxyWasmSimulator;
export type SimHttpCall = HttpCall;

export async function createSimulator(wasmPath: string, opts: Pick<SimulatorOptions, "pluginConfiguration" | "clusters">): Promise<Sim> {
  return ProxyWasmSimulator.create(new Uint8Array(readFileSync(wasmPath)), { rootId: "", logLevel: "trace", ...opts });
}
