// Locates files of the package (schema, built wasm modules) whether the CLI runs from its
// TypeScript sources (vitest) or from dist/ (node), by walking up to the package.json.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = resolve(dir, "package.json");
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name;
      if (name === "threescale-wasm-auth") return (cached = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the threescale-wasm-auth package root");
    dir = parent;
  }
}

export function packagePath(...parts: string[]): string {
  return resolve(packageRoot(), ...parts);
}
