// Seed files for the backend and system simulators (YAML or an object of the same shape):
// services with ids, provider key, service tokens, backend_version, metrics with parents, plans with
// usage limits, applications, and the mapping rules the system simulator serves as proxy rules.
// See examples/seed.yaml for a commented example.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { isPeriod } from "../backend/periods.js";
import { type Application, type BackendVersion, BackendStore, type Metric, type Plan, type Service } from "../backend/store.js";

export interface SeedAccessToken {
  value: string;
  scopes: string[];
}

export interface Seed {
  store: BackendStore;
  /** porta personal access tokens the system simulator accepts */
  accessTokens: SeedAccessToken[];
}

export class SeedError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(path: string, why: string): never {
  throw new SeedError(`${path}: ${why}`);
}

function str(o: Obj, key: string, path: string, def?: string): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    fail(`${path}.${key}`, "missing required field");
  }
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v !== "string") fail(`${path}.${key}`, "expected string");
  return v;
}

function arr(o: Obj, key: string, path: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`${path}.${key}`, "expected array");
  return v;
}

function strList(o: Obj, key: string, path: string): string[] {
  return arr(o, key, path).map((v, i) => {
    if (typeof v !== "string" && typeof v !== "number") fail(`${path}.${key}[${i}]`, "expected string");
    return String(v);
  });
}

function intOf(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(path, "expected a non-negative integer");
  return v;
}

function loadService(raw: unknown, i: number, store: BackendStore): { service: Service; isDefault: boolean } {
  const path = `services[${i}]`;
  if (!isObj(raw)) fail(path, "expected object");
  const id = str(raw, "id", path);
  const bv = str(raw, "backend_version", path, "2");
  if (bv !== "1" && bv !== "2" && bv !== "oauth") fail(`${path}.backend_version`, 'expected "1", "2" or "oauth"');

  const metrics: Metric[] = arr(raw, "metrics", path).map((m, j) => {
    const mp = `${path}.metrics[${j}]`;
    if (isObj(m)) {
      const parent = m["parent"] === undefined || m["parent"] === null ? undefined : str(m, "parent", mp);
      return { id: str(m, "id", mp, String(j + 1)), name: str(m, "name", mp), parent };
    }
    if (typeof m === "string") return { id: String(j + 1), name: m };
    return fail(mp, "expected object or metric name");
  });
  const names = new Set(metrics.map((m) => m.name));
  metrics.forEach((m, j) => {
    if (m.parent !== undefined && !names.has(m.parent)) fail(`${path}.metrics[${j}].parent`, `unknown metric "${m.parent}"`);
  });

  const plans = new Map<string, Plan>();
  arr(raw, "plans", path).forEach((p, j) => {
    const pp = `${path}.plans[${j}]`;
    if (!isObj(p)) fail(pp, "expected object");
    const planId = str(p, "id", pp);
    const limits = arr(p, "limits", pp).map((l, k) => {
      const lp = `${pp}.limits[${k}]`;
      if (!isObj(l)) fail(lp, "expected object");
      const period = str(l, "period", lp);
      if (!isPeriod(period)) fail(`${lp}.period`, "expected minute|hour|day|week|month|year|eternity");
      return { metric: str(l, "metric", lp), period, value: intOf(l["value"], `${lp}.value`) };
    });
    plans.set(planId, { id: planId, name: str(p, "name", pp, planId), limits });
  });

  const applications = new Map<string, Application>();
  arr(raw, "applications", path).forEach((a, j) => {
    const ap = `${path}.applications[${j}]`;
    if (!isObj(a)) fail(ap, "expected object");
    const appId = str(a, "id", ap);
    const planId = a["plan"] === undefined || a["plan"] === null ? undefined : str(a, "plan", ap);
    if (planId !== undefined && !plans.has(planId)) fail(`${ap}.plan`, `unknown plan "${planId}"`);
    applications.set(appId, {
      id: appId,
      serviceId: id,
      state: str(a, "state", ap, "active"),
      planId,
      userKey: a["user_key"] === undefined || a["user_key"] === null ? undefined : str(a, "user_key", ap),
      keys: strList(a, "keys", ap),
      referrerFilters: strList(a, "referrer_filters", ap),
      redirectUrl: a["redirect_url"] === undefined || a["redirect_url"] === null ? undefined : str(a, "redirect_url", ap),
    });
  });

  const mappingRules = arr(raw, "mapping_rules", path).map((r, j) => {
    const rp = `${path}.mapping_rules[${j}]`;
    if (!isObj(r)) fail(rp, "expected object");
    return {
      method: str(r, "method", rp, "GET"),
      pattern: str(r, "pattern", rp),
      metric: str(r, "metric", rp, "hits"),
      delta: intOf(r["delta"] ?? 1, `${rp}.delta`),
      last: r["last"] === true,
    };
  });

  const proxy = isObj(raw["proxy"]) ? raw["proxy"] : {};
  const location = str(proxy, "credentials_location", `${path}.proxy`, "query");
  if (location !== "headers" && location !== "query" && location !== "authorization") {
    fail(`${path}.proxy.credentials_location`, "expected headers|query|authorization");
  }
  const service: Service = {
    id,
    name: str(raw, "name", path, `service-${id}`),
    providerKey: str(raw, "provider_key", path),
    backendVersion: bv as BackendVersion,
    state: str(raw, "state", path, "active"),
    referrerFiltersRequired: raw["referrer_filters_required"] === true,
    metrics,
    plans,
    applications,
    mappingRules,
    credentialsLocation: location,
    authUserKey: str(proxy, "auth_user_key", `${path}.proxy`, "user_key"),
    authAppId: str(proxy, "auth_app_id", `${path}.proxy`, "app_id"),
    authAppKey: str(proxy, "auth_app_key", `${path}.proxy`, "app_key"),
    proxyConfigVersion: intOf(raw["proxy_config_version"] ?? 1, `${path}.proxy_config_version`),
  };
  for (const t of strList(raw, "service_tokens", path)) store.addServiceToken(t, id);
  return { service, isDefault: raw["default"] === true };
}

/** Builds the simulators' state from a parsed seed document; throws SeedError naming the path. */
export function seedFromObject(doc: unknown): Seed {
  if (!isObj(doc)) fail("(root)", "expected a mapping with services");
  const store = new BackendStore();
  const loaded = arr(doc, "services", "(root)").map((s, i) => loadService(s, i, store));
  const seen = new Set<string>();
  loaded.forEach(({ service }, i) => {
    if (seen.has(service.id)) fail(`services[${i}].id`, `duplicate service id "${service.id}"`);
    seen.add(service.id);
  });
  // Explicit defaults first, so they win over "first service of the provider".
  for (const l of loaded) if (l.isDefault) store.addService(l.service, true);
  for (const l of loaded) if (!l.isDefault) store.addService(l.service);
  arr(doc, "service_tokens", "(root)").forEach((t, i) => {
    const tp = `service_tokens[${i}]`;
    if (!isObj(t)) fail(tp, "expected object");
    store.addServiceToken(str(t, "token", tp), str(t, "service_id", tp));
  });
  const system = isObj(doc["system"]) ? doc["system"] : {};
  const accessTokens = arr(system, "access_tokens", "system").map((t, i) => {
    const tp = `system.access_tokens[${i}]`;
    if (typeof t === "string") return { value: t, scopes: ["account_management"] };
    if (!isObj(t)) fail(tp, "expected object or string");
    const scopes = t["scopes"] === undefined ? ["account_management"] : strList(t, "scopes", tp);
    return { value: str(t, "value", tp), scopes };
  });
  return { store, accessTokens };
}

export function seedFromYaml(text: string, source = "seed"): Seed {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new SeedError(`${source}: invalid YAML: ${(e as Error).message.split("\n")[0]!.replace(/:\s*$/, "")}`);
  }
  try {
    return seedFromObject(doc);
  } catch (e) {
    if (e instanceof SeedError) throw new SeedError(`${source}: ${e.message}`);
    throw e;
  }
}

export function seedFromFile(path: string): Seed {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SeedError(`${path}: cannot read seed file (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return seedFromYaml(text, path);
}
