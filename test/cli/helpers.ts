// Runs the CLI in-process and writes throw-away input files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";

export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = new BufferIo();
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** tempFile writes `text` to a new file named `name` in a fresh directory and returns its path. */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tswa-cli-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
