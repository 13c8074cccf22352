// `npm run oci` / `oci:push`: builds what is out of date, then runs the tool. With --help the
// tool only prints its usage, so the build (tsc takes seconds) is skipped when the tool exists.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const [tool, ...args] = process.argv.slice(2);
if (!tool) {
  console.error("usage: node scripts/run-tool.mjs <dist/…/tool.js> [args…]");
  process.exit(2);
}
const target = resolve(ROOT, tool);
const helpOnly = args.includes("--help") || args.includes("-h");
const run = (argv) => spawnSync(process.execPath, argv, { cwd: process.cwd(), stdio: "inherit" });
if (!(helpOnly && existsSync(target))) {
  const built = run([resolve(ROOT, "scripts/build.mjs"), "--if-needed"]);
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const r = run([target, ...args]);
process.exit(r.status ?? 1);
