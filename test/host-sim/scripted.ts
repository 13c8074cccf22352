// Helpers for conformance tests that drive test/modules/scriptable.ts: the script goes in the VM
// configuration, one line per callback; the module logs "> <command> = <status> <value>" lines.
import { ProxyWasmSimulator, type SimulatorOptions } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";

export type Script = Record<string, string | string[]>;

export function scriptText(script: Script): string {
  return Object.entries(script)
    .map(([callback, cmds]) => `${callback}: ${Array.isArray(cmds) ? cmds.join("; ") : cmds}`)
    .join("\n");
}

/** scripted creates (not starts) a simulator running the scriptable module with this script. */
export async function scripted(script: Script, options: SimulatorOptions = {}): Promise<ProxyWasmSimulator> {
  return ProxyWasmSimulator.create(modulePath("scriptable"), { rootId: "conformance", vmConfiguration: scriptText(script), ...options });
}

/** started: scripted + start(), failing loudly if the start does not succeed. */
export async function started(script: Script, options: SimulatorOptions = {}): Promise<ProxyWasmSimulator> {
  const sim = await scripted(script, options);
  const r = sim.start();
  if (!r.ok && !options.pluginConfiguration) throw new Error(`start failed: ${JSON.stringify(r)} ${sim.hostLogs.join("; ")}`);
  return sim;
}

/** outputs: the module's result lines ("<command> = <result>"), oldest first. */
export function outputs(sim: ProxyWasmSimulator): string[] {
  return sim.logs.filter((l) => l.message.startsWith("> ")).map((l) => l.message.slice(2));
}

/** result: what the last command starting with `prefix` returned (the text after " = "). */
export function result(sim: ProxyWasmSimulator, prefix: string): string {
  const lines = outputs(sim).filter((l) => l.startsWith(prefix));
  const line = lines[lines.length - 1];
  if (line === undefined) throw new Error(`no output for "${prefix}"; outputs:\n${outputs(sim).join("\n")}`);
  return line.slice(line.indexOf(" = ") + 3);
}

/** results: every result of commands starting with `prefix`, in order. */
export function results(sim: ProxyWasmSimulator, prefix: string): string[] {
  return outputs(sim)
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(l.indexOf(" = ") + 3));
}

export const GET = [[":method", "GET"], [":path", "/resource?x=1"], [":authority", "api.example.com"]] as Array<[string, string]>;
