#!/usr/bin/env node
// `npx threescale-wasm-auth …`: runs the CLI compiled into dist/ (built by `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
const main = fileURLToPath(new URL("../dist/src-host-sim/cli/main.js", import.meta.url));
if (!existsSync(main)) {
  console.error("threescale-wasm-auth: the CLI is not built yet; run `npm run build` first");
  process.exit(2);
}
await import(new URL("../dist/src-host-sim/cli/main.js", import.meta.url).href);
