// Shared helpers for the product-level filter tests: the compiled module in the host simulator,
// a configuration builder, request helpers and an authrep-call parser. Every test builds a fresh
// simulator.
import { expect } from "vitest";
import { ProxyWasmSimulator, type SimulatorOptions } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";

export const BACKEND_CLUSTER = "outbound|443||su1.3scale.net";
export const SYSTEM_CLUSTER = "outbound|443||multitenant.3scale.net";
export const SERVICE_ID = "2555417834780";

export type Json = Record<string, unknown>;

/** service builds one services[] item; the default is user_key in the query, rule GET / hits 1. */
export function service(overrides: Json = {}): Json {
  return {
    id: SERVICE_ID,
    token: "service_token",
    authorities: ["*"],
    credentials: { user_key: [{ query_string: { keys: ["user_key"] } }, { header: { keys: ["user_key"] } }] },
    mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
    ...overrides,
  };
}

/** config builds a whole configuration with one service unless `services` is given. */
export function config(overrides: Json = {}, svc: Json = {}): Json {
  return {
    api: "v1",
    backend: { upstream: { name: BACKEND_CLUSTER, url: "https://su1.3scale.net/", timeout: 5000 }, extensions: ["no_body"] },
    services: [service(svc)],
    ...overrides,
  };
}

export function systemBlock(overrides: Json = {}): Json {
  return {
    upstream: { name: SYSTEM_CLUSTER, url: "https://istiodevel-admin.3scale.net/", timeout: 5000 },
    token: "atoken-system-secret",
    ttl: 600,
    ...overrides,
  };
}

/** startFilter loads the product module, starts it with `cfg` and asserts that it was accepted. */
export async function startFilter(cfg: unknown, options: SimulatorOptions = {}): Promise<ProxyWasmSimulator> {
  const sim = await createFilter(cfg, options);
  const r = sim.start();
  expect(r, JSON.stringify(sim.logs.map((l) => l.message))).toMatchObject({ ok: true });
  return sim;
}

export async function createFilter(cfg: unknown, options: SimulatorOptions = {}): Promise<ProxyWasmSimulator> {
  return ProxyWasmSimulator.create(modulePath("product"), {
    rootId: "threescale-wasm-auth",
    logLevel: "trace",
    pluginConfiguration: cfg as SimulatorOptions["pluginConfiguration"],
    ...options,
  });
}

export type Headers = Array<[string, string]>;

/** requestHeaders: pseudo-headers for `method path` on `authority` over `scheme`, plus extras. */
export function requestHeaders(method: string, path: string, extra: Headers = [], authority = "api.example.com", scheme = "http"): Headers {
  return [[":method", method], [":path", path], [":authority", authority], [":scheme", scheme], ...extra];
}

/** send opens a stream and sends the request headers (end of stream). */
export function send(sim: ProxyWasmSimulator, headers: Headers, metadata?: Record<string, Json>) {
  const s = sim.newHttpStream(metadata ? { metadata: metadata as never } : {});
  const phase = s.sendRequestHeaders(headers, { endOfStream: true });
  expect(phase.trapped).toBeUndefined();
  return s;
}

export function get(sim: ProxyWasmSimulator, path: string, extra: Headers = [], authority?: string) {
  return send(sim, requestHeaders("GET", path, extra, authority));
}

/** Authrep is the parsed `:path` of an authrep call. */
export interface Authrep {
  path: string;
  base: string;
  params: Array<[string, string]>;
  param(name: string): string | undefined;
  usage: Record<string, number>;
}

/** parseAuthrep splits `:path`; parameter values stay percent-encoded as sent. */
export function parseAuthrep(path: string): Authrep {
  const q = path.indexOf("?");
  const base = q < 0 ? path : path.slice(0, q);
  const params: Array<[string, string]> = [];
  for (const item of (q < 0 ? "" : path.slice(q + 1)).split("&")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    params.push(eq < 0 ? [item, ""] : [item.slice(0, eq), item.slice(eq + 1)]);
  }
  const usage: Record<string, number> = {};
  for (const [k, v] of params) {
    const m = /^usage\[(.*)\]$/.exec(k);
    if (m) usage[decodeURIComponent(m[1]!)] = Number(v);
  }
  return { path, base, params, param: (n) => params.find(([k]) => k === n)?.[1], usage };
}

/** onlyAuthrep asserts exactly one pending call to the backend cluster and parses it. */
export function onlyAuthrep(sim: ProxyWasmSimulator) {
  const calls = sim.httpCalls.pending().filter((c) => c.cluster === BACKEND_CLUSTER);
  expect(calls, "pending authrep calls").toHaveLength(1);
  const call = calls[0]!;
  return { call, authrep: parseAuthrep(call.path) };
}

/** credentialsOf: the credential parameters an authrep carried (user_key / app_id / app_key). */
export function credentialsOf(a: Authrep): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of a.params) if (k === "user_key" || k === "app_id" || k === "app_key") out[k] = v;
  return out;
}

/** expectLocalReply asserts the exact local reply of */
export function expectLocalReply(s: { localResponse?: { status: number; bodyText: string; details: string } | null }, status: number, body: string, details?: string) {
  expect(s.localResponse).toBeTruthy();
  expect(s.localResponse!.status).toBe(status);
  expect(s.localResponse!.bodyText).toBe(body);
  if (details) expect(s.localResponse!.details).toBe(details);
}

export const REPLY = {
  badRequest: [400, "Bad Request\n", "threescale_bad_request"],
  unknownService: [403, "Unknown service\n", "threescale_unknown_service"],
  credentialsMissing: [403, "Authentication parameters missing\n", "threescale_credentials_missing"],
  noMappingRule: [404, "No Mapping Rule matched\n", "threescale_no_mapping_rule"],
  authFailed: [403, "Authentication failed\n", "threescale_auth_failed"],
  limitsExceeded: [429, "Usage limit exceeded\n", "threescale_limits_exceeded"],
  badGateway: [502, "Bad Gateway\n", "threescale_backend_unavailable"],
} as const;

export function expectReply(s: Parameters<typeof expectLocalReply>[0], reply: readonly [number, string, string]) {
  expectLocalReply(s, reply[0], reply[1], reply[2]);
}

/** base64 of a UTF-8 string (standard alphabet, padded). */
export function b64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}
