// Logging through proxy_log. The only place the module writes log lines; never pass a secret here
// except masked (util/secrets.ts) in a debug line (docs/behaviour.md).
import * as imports from "@solo-io/proxy-runtime/assembly/imports";

export const LOG_TRACE: i32 = 0;
export const LOG_DEBUG: i32 = 1;
export const LOG_INFO: i32 = 2;
export const LOG_WARN: i32 = 3;
export const LOG_ERROR: i32 = 4;
export const LOG_CRITICAL: i32 = 5;

/** logAt writes one line at `level` (0 trace … 5 critical). A failed host call is ignored. */
export function logAt(level: i32, message: string): void {
  const bytes = String.UTF8.encode(message);
  imports.proxy_log(<usize>level, changetype<usize>(bytes), <usize>bytes.byteLength);
}

/** parseLogLevel maps a level name (case-insensitive) to its number, or -1. */
export function parseLogLevel(name: string): i32 {
  const n = name.toLowerCase();
  if (n == "trace") return LOG_TRACE;
  if (n == "debug") return LOG_DEBUG;
  if (n == "info") return LOG_INFO;
  if (n == "warn") return LOG_WARN;
  if (n == "error") return LOG_ERROR;
  if (n == "critical") return LOG_CRITICAL;
  return -1;
}
