// Builds every wasm module the tests load, once, before any test file runs.
// @ts-ignore: plain ESM helper shared with the build script
import { compileAs } from "../../scripts/lib/compile.mjs";
import { testModules } from "./modules.js";

export default async function setup(): Promise<void> {
  await compileAs("assembly/index.ts", "build/threescale_wasm_auth.wasm", { mode: "release" });
  await compileAs("assembly/index.ts", "build/threescale_wasm_auth.debug.wasm", { mode: "debug" });
  for (const m of testModules()) {
    await compileAs(m.entry, m.outFile, m.options);
  }
}
