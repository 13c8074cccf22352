// Loads a test-only entry (assembly/testing/<name>.ts built with asc's raw bindings) and captures
// the lines it logs. asc's raw loader forwards the module's env.proxy_log import to a GLOBAL
// `proxy_log` function (the imports object passed to instantiate is not consulted for it), so one
// global dispatcher is installed and each exported function is wrapped to make its own instance
// the log sink for the duration of the (synchronous) call. Several instances can then coexist.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

export interface EntryLogLine { level: number; message: string }

export interface LoadedEntry<T> {
  exports: T;
  logs: EntryLogLine[];
  memoryBytes(): number;
}

type Sink = (level: number, ptr: number, size: number) => void;
const sinks: Sink[] = [];
const decoder = new TextDecoder();

function installDispatcher(): void {
  const g = globalThis as Record<string, unknown>;
  if (g.__threescaleEntryDispatcher) return;
  g.__threescaleEntryDispatcher = true;
  g.proxy_log = (level: number, ptr: number, size: number): number => {
    const sink = sinks[sinks.length - 1];
    if (sink) sink(level >>> 0, ptr >>> 0, size >>> 0);
    return 0;
  };
}

const compiled = new Map<string, Promise<{ loader: { instantiate: Function }; module: WebAssembly.Module }>>();

function compileOnce(wasmPath: string) {
  let entry = compiled.get(wasmPath);
  if (!entry) {
    entry = (async () => {
      const loader = await import(pathToFileURL(wasmPath.replace(/\.wasm$/, ".js")).href);
      const module = await WebAssembly.compile(readFileSync(wasmPath));
      return { loader, module };
    })();
    compiled.set(wasmPath, entry);
  }
  return entry;
}

/** loadEntry instantiates the entry at `wasmPath` (its .js loader beside it) as a fresh instance. */
export async function loadEntry<T extends object>(wasmPath: string): Promise<LoadedEntry<T>> {
  installDispatcher();
  const { loader, module } = await compileOnce(wasmPath);
  const logs: EntryLogLine[] = [];
  let memory: WebAssembly.Memory | undefined;
  const sink: Sink = (level, ptr, size) => {
    if (!memory) return;
    logs.push({ level, message: decoder.decode(new Uint8Array(memory.buffer, ptr, size)) });
  };
  const raw = (await loader.instantiate(module, {})) as Record<string, unknown>;
  memory = raw.memory as WebAssembly.Memory;
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => {
      sinks.push(sink);
      try {
        return (value as (...a: unknown[]) => unknown)(...args);
      } finally {
        sinks.pop();
      }
    };
  }
  return { exports: wrapped as T, logs, memoryBytes: () => memory!.buffer.byteLength };
}
