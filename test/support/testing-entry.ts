// Loads a test-only entry (assembly/testing/<name>.ts) by name and captures the lines it logs.
// Aborts surface as thrown JS errors, so a test can assert that no input traps.
import { loadEntry, type LoadedEntry } from "../../src-host-sim/testing/load-entry.js";
import { modulePath } from "./modules.js";

export type CapturedLog = { level: number; message: string };
export type TestingEntry<T> = LoadedEntry<T>;

export async function loadTestingEntry<T extends object>(name: string): Promise<TestingEntry<T>> {
  return loadEntry<T>(modulePath(`testing/${name}`));
}
