// The CLI as a real process: the compiled entry (tsc → JavaScript, as `npm run build` makes
// dist/src-host-sim/cli/main.js) sets the exit status and separates stdout from stderr.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/modules.js";

let outDir = "";

beforeAll(() => {
  // Compiled inside the package (.cache/ is git-ignored) so the CLI finds schema/ and build/.
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  outDir = mkdtempSync(join(ROOT, ".cache", "cli-process-"));
  try {
    execFileSync(resolve(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json", "--outDir", outDir], { cwd: ROOT, stdio: "pipe" });
  } catch {
    // Type errors elsewhere in the tree do not stop the emit (noEmitOnError: false).
  }
});

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function run(...args: string[]) {
  const env = { ...process.env };
  delete env.VITEST; // the entry only runs itself outside vitest
  const r = spawnSync(process.execPath, [join(outDir, "src-host-sim/cli/main.js"), ...args], { cwd: ROOT, env, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("CLI process", () => {
  it("exits 0 for a valid configuration", () => {
    const r = run("validate", "examples/multi-service.yaml");
    expect(r.code).toBe(0);
    expect(r.out).toContain("examples/multi-service.yaml: valid");
    expect(r.err).toBe("");
  });

  it("exits 1 for an invalid configuration (examples/seed.yaml is a simulator seed, not a configuration)", () => {
    const r = run("validate", "examples/seed.yaml");
    expect(r.code).toBe(1);
    expect(r.out).toContain("error: api: missing required field");
  });

  it("exits 2 with a one-line error on stderr for a usage error", () => {
    const r = run("validate", "no-such-file.yaml");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe("threescale-wasm-auth validate: cannot read no-such-file.yaml: no such file\n");
  });

  it("prints help on stdout with exit 0", () => {
    const r = run("convert", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: threescale-wasm-auth convert/);
  });
});
