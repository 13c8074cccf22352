// The gateway's plugin configuration: a YAML (or JSON) file shaped like a WasmPlugin's
// `pluginConfig` (a whole WasmPlugin document is accepted too), and the cluster names it uses.
import { readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { parse as parseYaml } from "yaml";

export class GatewayError extends Error {}

/** A path as the user would write it: relative to the working directory when inside it. */
export function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r === "" || r.startsWith("..") || isAbsolute(r) ? p : r;
}

export interface PluginConfigFile {
  path: string;
  config: Record<string, unknown>;
  backendCluster: string | null;
  systemCluster: string | null;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clusterName(section: unknown): string | null {
  if (!isObj(section) || !isObj(section["upstream"])) return null;
  const name = section["upstream"]["name"];
  return typeof name === "string" && name !== "" ? name : null;
}

export function loadPluginConfig(file: string): PluginConfigFile {
  const path = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GatewayError(`${path}: cannot read configuration file${code === "ENOENT" ? " (no such file)" : code ? ` (${code})` : ""}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new GatewayError(`${path}: invalid YAML: ${(e as Error).message.split("\n")[0]!.replace(/:\s*$/, "")}`);
  }
  if (isObj(doc) && doc["kind"] === "WasmPlugin") {
    const spec = doc["spec"];
    doc = isObj(spec) ? spec["pluginConfig"] : undefined;
    if (!isObj(doc)) throw new GatewayError(`${path}: WasmPlugin has no spec.pluginConfig mapping`);
  }
  if (!isObj(doc)) throw new GatewayError(`${path}: expected a mapping (the plugin configuration), got ${doc === null ? "nothing" : Array.isArray(doc) ? "a list" : typeof doc}`);
  return { path: file, config: doc, backendCluster: clusterName(doc["backend"]), systemCluster: clusterName(doc["system"]) };
}
