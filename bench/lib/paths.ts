// Locations of the modules and example files the benchmarks and the fuzzer load, resolved from the
// repository root whether the code runs as TypeScript (vitest) or compiled under dist/.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function findRoot(): string {
  let dir = resolve(fileURLToPath(new URL(".", import.meta.url)));
  for (let i = 0; i < 6; i++) {
    if (existsSync(resolve(dir, "package.json")) && existsSync(resolve(dir, "assembly"))) return dir;
    dir = resolve(dir, "..");
  }
  return process.cwd();
}

export const ROOT = findRoot();
export const PRODUCT_WASM = resolve(ROOT, "build/threescale_wasm_auth.wasm");
export const NOOP_WASM = resolve(ROOT, "build/test/noop.wasm");
export const EXAMPLES_DIR = resolve(ROOT, "examples");

type CompileAs = (entry: string, out: string, opts: Record<string, unknown>) => Promise<{ cached: boolean }>;

async function compiler(): Promise<CompileAs> {
  const mod = (await import(pathToFileURL(resolve(ROOT, "scripts/lib/compile.mjs")).href)) as { compileAs: CompileAs };
  return mod.compileAs;
}

/**
 * ensureNoopModule builds the no-op proxy-runtime floor module with the product's release flags
 * when it is missing or older than its sources (the vitest global setup normally builds it).
 */
export async function ensureNoopModule(): Promise<string> {
  const compileAs = await compiler();
  await compileAs("test/modules/noop.ts", "build/test/noop.wasm", { mode: "release", watch: ["test/modules", "shim"] });
  return NOOP_WASM;
}

/** ensureProductModule builds the release product module if it is missing (no forced rebuild). */
export async function ensureProductModule(): Promise<string> {
  if (!existsSync(PRODUCT_WASM)) {
    const compileAs = await compiler();
    await compileAs("assembly/index.ts", "build/threescale_wasm_auth.wasm", { mode: "release" });
  }
  return PRODUCT_WASM;
}
