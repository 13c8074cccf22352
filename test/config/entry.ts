// Shared helpers for the configuration tests: a fresh instance of the test-only entry
// (assembly/testing/config.ts) per case, and typed views of its JSON reports. An abort inside
// the module surfaces as a thrown JS error, so every helper doubles as a "never traps" check.
import { loadTestingEntry } from "../support/testing-entry.js";

export interface ConfigEntryExports {
  parseJsonProbe(text: string, maxDepth?: number): string;
  parseJsonBytesProbe(bytes: ArrayBuffer, maxDepth?: number): string;
  jsonNumberProbe(text: string): string;
  validateConfig(json: string): string;
  validateConfigBytes(bytes: ArrayBuffer): string;
  parsePorta(body: string): string;
  parsePortaBytes(body: ArrayBuffer): string;
}

export interface JsonProbe {
  ok: boolean;
  error?: string;
  line: number;
  column: number;
  tooDeep?: boolean;
  kind?: number;
  value?: unknown;
}

export interface UpstreamSummary {
  name: string; url: string; timeout: number; scheme: string; authority: string; basePath: string; query: string;
}
export interface SourceSummary { kind: string; keys: string[]; path: string[]; ops: number }
export interface RuleSummary {
  method: string; any: boolean; pattern: string; usages: { name: string; delta: number }[]; last: boolean;
}
export interface ServiceSummary {
  id: string; token: string; environment: string; authorities: string[];
  credentials: { user_key: SourceSummary[] | null; app_id: SourceSummary[] | null; app_key: SourceSummary[] | null };
  mapping_rules: RuleSummary[];
}
export interface ConfigSummary {
  backend: { upstream: UpstreamSummary; optionsHeader: string };
  system: { upstream: UpstreamSummary; token: string; ttl: number } | null;
  services: ServiceSummary[];
}
export interface ConfigReport {
  ok: boolean;
  errors: string[];
  warnings: string[];
  config: ConfigSummary | null;
}

export interface PortaReport {
  ok: boolean;
  error?: string;
  token?: string;
  rules?: RuleSummary[];
  warnings?: string[];
}

/** freshEntry instantiates the test-only entry anew (no state shared between cases). */
export async function freshEntry(): Promise<ConfigEntryExports> {
  return (await loadTestingEntry<ConfigEntryExports>("config")).exports;
}

/** toArrayBuffer copies bytes into an ArrayBuffer of exactly their length. */
export function toArrayBuffer(bytes: Uint8Array | number[]): ArrayBuffer {
  const u8 = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  const copy = new Uint8Array(u8.byteLength);
  copy.set(u8);
  return copy.buffer;
}

export async function probeJson(text: string, maxDepth?: number): Promise<JsonProbe> {
  const e = await freshEntry();
  return JSON.parse(maxDepth === undefined ? e.parseJsonProbe(text) : e.parseJsonProbe(text, maxDepth)) as JsonProbe;
}

export async function probeJsonBytes(bytes: Uint8Array | number[]): Promise<JsonProbe> {
  const e = await freshEntry();
  return JSON.parse(e.parseJsonBytesProbe(toArrayBuffer(bytes))) as JsonProbe;
}

/** validate compiles a configuration: an object is serialised with JSON.stringify, a string is sent as written. */
export async function validate(config: unknown): Promise<ConfigReport> {
  const e = await freshEntry();
  const text = typeof config === "string" ? config : JSON.stringify(config);
  return JSON.parse(e.validateConfig(text)) as ConfigReport;
}

export async function validateBytes(bytes: Uint8Array | number[]): Promise<ConfigReport> {
  const e = await freshEntry();
  return JSON.parse(e.validateConfigBytes(toArrayBuffer(bytes))) as ConfigReport;
}

export async function porta(body: unknown): Promise<PortaReport> {
  const e = await freshEntry();
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return JSON.parse(e.parsePorta(text)) as PortaReport;
}

// ---------------------------------------------------------------------------------------------
// Configuration builders: a minimal valid document, and copies with one part changed.

/** A JSON document as written in tests; `undefined` members are left out by JSON.stringify (absent). */
export type Json = null | undefined | boolean | number | string | Json[] | { [k: string]: Json };

export const TOKEN = "s3cr3t-service-token-1234";
export const SYSTEM_TOKEN = "system-access-token-9876";

export function minimalService(): { [k: string]: Json } {
  return {
    id: "2555417834780",
    token: TOKEN,
    credentials: { user_key: [{ query_string: { keys: ["user_key"] } }] },
    mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
  };
}

export function minimalConfig(): { [k: string]: Json } {
  return {
    api: "v1",
    backend: { upstream: { name: "3scale-backend", url: "https://su1.3scale.net/" } },
    services: [minimalService()],
  };
}

export function systemObject(): { [k: string]: Json } {
  return {
    upstream: { name: "3scale-system", url: "https://tenant-admin.3scale.net/" },
    token: SYSTEM_TOKEN,
  };
}

/** withService returns the minimal configuration whose only service is patched by `patch`. */
export function withService(patch: (s: { [k: string]: Json }) => void): { [k: string]: Json } {
  const c = minimalConfig();
  const s = minimalService();
  patch(s);
  c.services = [s];
  return c;
}

/** withBackend returns the minimal configuration with `backend` patched. */
export function withBackend(patch: (b: { [k: string]: Json }) => void): { [k: string]: Json } {
  const c = minimalConfig();
  const b = c.backend as { [k: string]: Json };
  patch(b);
  return c;
}

/** withCredentials returns the minimal configuration whose service has these credentials. */
export function withCredentials(credentials: Json): { [k: string]: Json } {
  return withService((s) => {
    s.credentials = credentials;
  });
}
