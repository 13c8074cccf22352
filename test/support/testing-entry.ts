// Loads a test-only entry (assembly/testing/<name>.ts, built with raw bindings) and captures the
// lines it logs through env.proxy_log. Aborts surface as thrown JS errors, so a test can assert
// that no input traps.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { modulePath } from "./modules.js";

export interface CapturedLog { level: number; message: string }

export interface TestingEntry<T> {
  exports: T;
  logs: CapturedLog[];
  memoryBytes(): number;
}

export async function loadTestingEntry<T>(name: string): Promise<TestingEntry<T>> {
  const wasmPath = modulePath(`testing/${name}`);
  const loader = await import(pathToFileURL(wasmPath.replace(/\.wasm$/, ".js")).href);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  const logs: CapturedLog[] = [];
  let memory: WebAssembly.Memory | undefined;
  const exports = await loader.instantiate(module, {
    env: {
      proxy_log(level: number, ptr: number, size: number): number {
        const bytes = new Uint8Array(memory!.buffer, ptr >>> 0, size >>> 0);
        logs.push({ level, message: new TextDecoder().decode(bytes) });
        return 0;
      },
    },
  });
  memory = exports.memory as WebAssembly.Memory;
  return { exports: exports as T, logs, memoryBytes: () => memory!.buffer.byteLength };
}
