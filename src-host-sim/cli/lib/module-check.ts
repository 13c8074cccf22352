// Runs the REAL module's proxy_on_configure in the host simulator and collects its diagnostics
// (docs/configuration.md): `invalid configuration: <path>: <reason>` and
// `configuration warning: <path>: <reason>`. The module is the authority on validity; the
// schema only adds positions and editor support.
import { existsSync } from "node:fs";
import { parsePath, type PathSegment } from "./json-path.js";
import { packagePath } from "./root.js";
import { UsageError } from "./io.js";
import { createSimulator } from "./simulator.js";

export const PRODUCT_WASM = "build/threescale_wasm_auth.wasm";

export interface ModuleProblem {
  severity: "error" | "warning";
  /** Parsed path; null when the line's path could not be read (then `text` is the whole line). */
  path: PathSegment[] | null;
  pathText: string;
  reason: string;
}

export interface ModuleVerdict {
  accepted: boolean;
  problems: ModuleProblem[];
  /** The summary line (`configuration accepted: …` / `configuration rejected: …`), if logged. */
  summary: string | null;
  logs: string[];
  /** Set when the module trapped instead of answering (a module bug: nothing may trap). */
  trap?: string;
}

export function productWasmPath(): string {
  const path = packagePath(PRODUCT_WASM);
  if (!existsSync(path)) throw new UsageError(`${PRODUCT_WASM} is not built; run \`npm run build\` first`);
  return path;
}

/** checkWithModule gives `input` to a fresh module instance as its plugin configuration. */
export async function checkWithModule(input: string | Uint8Array, wasm = productWasmPath()): Promise<ModuleVerdict> {
  const sim = await createSimulator(wasm, { pluginConfiguration: input, clusters: {} });
  const started = sim.start();
  const logs = sim.logs.map((l) => l.message);
  const trap = started.trapped ? `${started.trapped.exportName}: ${started.trapped.message}` : undefined;
  return { accepted: started.ok, ...readDiagnostics(logs), logs, ...(trap ? { trap } : {}) };
}

/** readDiagnostics picks the configuration diagnostics out of the module's log lines. */
export function readDiagnostics(lines: readonly string[]): { problems: ModuleProblem[]; summary: string | null } {
  const problems: ModuleProblem[] = [];
  let summary: string | null = null;
  for (const line of lines) {
    const error = stripPrefix(line, "invalid configuration: ");
    const warning = error === null ? stripPrefix(line, "configuration warning: ") : null;
    const body = error ?? warning;
    if (body !== null) problems.push({ severity: error !== null ? "error" : "warning", ...splitPathReason(body) });
    else if (/^configuration (accepted|rejected): /.test(line)) summary = line;
  }
  return { problems, summary };
}

function stripPrefix(line: string, prefix: string): string | null {
  const i = line.indexOf(prefix);
  return i < 0 ? null : line.slice(i + prefix.length);
}

/** `<path>: <reason>`: the path is the longest prefix before ": " that reads as a path. */
export function splitPathReason(body: string): { path: PathSegment[] | null; pathText: string; reason: string } {
  for (let i = body.indexOf(": "); i >= 0; i = body.indexOf(": ", i + 1)) {
    const path = parsePath(body.slice(0, i));
    if (path !== null) return { path, pathText: body.slice(0, i), reason: body.slice(i + 2) };
  }
  return { path: null, pathText: "", reason: body };
}
