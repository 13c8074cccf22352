// npm run build:
// - build/threescale_wasm_auth.wasm (release) and build/threescale_wasm_auth.debug.wasm;
// - build/testing/*.wasm: the test-only entries (the CLI's `trace` runs op pipelines through them);
// - dist/: the TypeScript tools (simulators, gateway, CLI, benchmarks) compiled to JavaScript,
//   because Node 20 cannot run TypeScript directly.
// `--if-needed` skips up-to-date wasm outputs (used by `npm start`).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { compileAs, ROOT } from "./lib/compile.mjs";

const force = !process.argv.includes("--if-needed");
const started = Date.now();
const jobs = [
  ["assembly/index.ts", "build/threescale_wasm_auth.wasm", { mode: "release", force }],
  ["assembly/index.ts", "build/threescale_wasm_auth.debug.wasm", { mode: "debug", force }],
];
const testingDir = resolve(ROOT, "assembly/testing");
if (existsSync(testingDir)) {
  for (const f of readdirSync(testingDir).filter((f) => f.endsWith(".ts"))) {
    const name = f.slice(0, -3);
    jobs.push([`assembly/testing/${f}`, `build/testing/${name}.wasm`, { mode: "debug", bindings: "raw", sdk: false, force }]);
  }
}
let allCached = true;
for (const [entry, out, opts] of jobs) {
  const r = await compileAs(entry, out, opts);
  allCached &&= r.cached;
  if (r.diagnostics && /ERROR|WARNING/.test(r.diagnostics)) process.stderr.write(r.diagnostics);
}
const tsc = resolve(ROOT, "node_modules/.bin/tsc");
try {
  execFileSync(tsc, ["-p", resolve(ROOT, "tsconfig.build.json")], { cwd: ROOT, stdio: "pipe" });
} catch {
  // Type errors do not block the emit (noEmitOnError: false); `npm run typecheck` reports them.
}
const note = allCached ? " (wasm up to date)" : ` in ${Date.now() - started} ms`;
console.log(`built build/threescale_wasm_auth.wasm, debug and test entries, and dist/${note}`);
