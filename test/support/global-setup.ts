// Builds every wasm module the tests load, once, before any test file runs. A module that fails
// to compile is recorded (build/test-build-errors.json) instead of stopping the run, so tests
// that do not need it still run; modulePath() reports the compile error to those that do.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
// @ts-ignore: plain ESM helper shared with the build script
import { compileAs } from "../../scripts/lib/compile.mjs";
import { BUILD_ERRORS_FILE, ROOT, testModules } from "./modules.js";

export default async function setup(): Promise<void> {
  const errors: Record<string, string> = {};
  const jobs: Array<[string, string, string, Record<string, unknown>]> = [
    ["product", "assembly/index.ts", "build/threescale_wasm_auth.wasm", { mode: "release" }],
    ["product-debug", "assembly/index.ts", "build/threescale_wasm_auth.debug.wasm", { mode: "debug" }],
    ...testModules().map((m): [string, string, string, Record<string, unknown>] => [m.name, m.entry, m.outFile, m.options]),
  ];
  for (const [name, entry, out, opts] of jobs) {
    try {
      await compileAs(entry, out, opts);
    } catch (e) {
      errors[name] = String((e as Error).message ?? e);
    }
  }
  mkdirSync(resolve(ROOT, "build"), { recursive: true });
  writeFileSync(resolve(ROOT, BUILD_ERRORS_FILE), JSON.stringify(errors, null, 2));
}
