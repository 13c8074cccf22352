// compileConfig: JSON bytes → validated, immutable Config (configuration.md). Every rule and
// diagnostic of the contract lives here; nothing in the document may trap the VM.
// OWNER: config (issue 4). Keep the public API below.
import { Config } from "./model";
import { Diagnostics } from "./diagnostics";

/** compileConfig returns the model, or null when diag has errors (then nothing may be installed). */
export function compileConfig(bytes: ArrayBuffer, diag: Diagnostics): Config | null {
  diag.error("", "empty configuration");
  return null;
}
