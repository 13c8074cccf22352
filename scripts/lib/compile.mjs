// Compiles an AssemblyScript entry with the project's flags through asc's JS API.
// Release flags are -O3 without --shrinkLevel: with shrinkLevel ≥ 1 the standard library builds
// Array<string>.join by repeated concatenation (quadratic), a denial-of-service risk on request data.
// Used by `npm run build` (the product module) and by tests (purpose-built test modules and the
// test-only entries that expose pure functions). Results are cached by source mtimes, so a test
// run that finds an up-to-date module does not recompile it.
import { main } from "assemblyscript/asc";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) visit(join(p, e));
    } else if (p.endsWith(".ts") || p.endsWith(".json")) {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of paths) visit(p);
  return newest;
}

/**
 * compileAs compiles `entry` to `outFile`.
 * options.mode: "release" (-O3 --noAssert, the product's flags) or "debug".
 * options.sdk: true (default) adds the shim lib and `--use abort=abort_proc_exit`, as a
 *   proxy-runtime module needs; false compiles a plain module (abort imported as env.abort).
 * options.bindings: "raw" also writes a JS loader next to the module (test-only entries).
 * options.watch: extra paths whose changes invalidate the cache (default: assembly/, shim/).
 * options.force: ignore the cache.
 */
export async function compileAs(entry, outFile, options = {}) {
  const { mode = "release", sdk = true, bindings, force = false, extraArgs = [] } = options;
  const entryPath = resolve(ROOT, entry);
  const outPath = resolve(ROOT, outFile);
  const watch = (options.watch ?? ["assembly", "shim"]).map((p) => resolve(ROOT, p)).concat([entryPath]);
  if (!force && existsSync(outPath) && statSync(outPath).mtimeMs >= newestMtime(watch)) {
    return { outFile: outPath, cached: true };
  }
  mkdirSync(dirname(outPath), { recursive: true });
  const args = [
    entryPath,
    "--outFile", outPath,
    "--runtime", "incremental",
    "--exportStart", "_initialize",
    "--config", resolve(ROOT, "scripts/lib/asconfig.empty.json"),
  ];
  if (sdk) args.push("--lib", resolve(ROOT, "shim"), "--use", "abort=abort_proc_exit");
  if (mode === "release") args.push("-O3", "--converge", "--noAssert");
  else args.push("--debug");
  if (bindings) args.push("--bindings", bindings);
  args.push(...extraArgs);
  let stderrText = "";
  const stderr = { write: (s) => { stderrText += typeof s === "string" ? s : Buffer.from(s).toString(); return true; } };
  const { error } = await main(args, { stdout: { write: () => true }, stderr });
  if (error) {
    throw new Error(`asc failed for ${entry}:\n${stderrText}`);
  }
  return { outFile: outPath, cached: false, diagnostics: stderrText };
}

export function writeEmptyConfig() {
  const p = resolve(ROOT, "scripts/lib/asconfig.empty.json");
  if (!existsSync(p)) writeFileSync(p, "{}\n");
}
