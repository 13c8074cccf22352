// npm run build: the release module build/threescale_wasm_auth.wasm and a debug build beside it.
// `--if-needed` skips work when the outputs are newer than every source (used by `npm start`).
import { compileAs } from "./lib/compile.mjs";

const force = !process.argv.includes("--if-needed");
const started = Date.now();
const release = await compileAs("assembly/index.ts", "build/threescale_wasm_auth.wasm", { mode: "release", force });
const debug = await compileAs("assembly/index.ts", "build/threescale_wasm_auth.debug.wasm", { mode: "debug", force });
for (const r of [release, debug]) {
  if (r.diagnostics && /ERROR|WARNING/.test(r.diagnostics)) process.stderr.write(r.diagnostics);
}
const note = release.cached && debug.cached ? " (up to date)" : ` in ${Date.now() - started} ms`;
console.log(`built build/threescale_wasm_auth.wasm and build/threescale_wasm_auth.debug.wasm${note}`);
