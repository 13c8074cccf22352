// Every wasm module the tests load, found by convention so that no shared list needs editing:
// - "product" / "product-debug": the filter itself (build/threescale_wasm_auth*.wasm);
// - test/modules/<name>.ts: purpose-built Proxy-Wasm modules (host-simulator conformance, the
//   no-op floor for benchmarks) → build/test/<name>.wasm;
// - assembly/testing/<name>.ts: test-only entries exposing the filter's pure functions to vitest,
//   built with raw bindings → build/testing/<name>.wasm + build/testing/<name>.js.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Where global-setup records modules that failed to compile (name → compiler output). */
export const BUILD_ERRORS_FILE = "build/test-build-errors.json";

export interface TestModule {
  name: string;
  entry: string;
  outFile: string;
  options: Record<string, unknown>;
}

function listTs(dir: string): string[] {
  const abs = resolve(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => f.slice(0, -3));
}

export function testModules(): TestModule[] {
  const out: TestModule[] = [];
  for (const name of listTs("test/modules")) {
    out.push({
      name,
      entry: `test/modules/${name}.ts`,
      outFile: `build/test/${name}.wasm`,
      options: { mode: "release", watch: ["test/modules", "shim"] },
    });
  }
  for (const name of listTs("assembly/testing")) {
    out.push({
      name: `testing/${name}`,
      entry: `assembly/testing/${name}.ts`,
      outFile: `build/testing/${name}.wasm`,
      options: { mode: "debug", bindings: "raw", sdk: false },
    });
  }
  return out;
}

/** modulePath returns the built .wasm for a module name (see the conventions above). */
export function modulePath(name: string): string {
  const errorsPath = resolve(ROOT, BUILD_ERRORS_FILE);
  if (existsSync(errorsPath)) {
    const errors = JSON.parse(readFileSync(errorsPath, "utf8")) as Record<string, string>;
    if (errors[name]) throw new Error(`module "${name}" failed to compile:\n${errors[name]}`);
  }
  if (name === "product") return resolve(ROOT, "build/threescale_wasm_auth.wasm");
  if (name === "product-debug") return resolve(ROOT, "build/threescale_wasm_auth.debug.wasm");
  const m = testModules().find((t) => t.name === name);
  if (!m) throw new Error(`unknown test module "${name}" (expected test/modules/${name}.ts or assembly/testing/…)`);
  return resolve(ROOT, m.outFile);
}
