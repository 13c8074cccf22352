// The backend simulator's data: services, metrics (with parents), plans with usage limits,
// applications, service tokens, and usage counters per (app, metric, period instance).
// Mirrors what apisonator keeps in Redis, as plain maps.
import { type Period, PERIODS, periodInstance } from "./periods.js";

export type BackendVersion = "1" | "2" | "oauth";

export interface Metric {
  id: string;
  name: string;
  parent?: string;
}

export interface UsageLimit {
  metric: string;
  period: Period;
  value: number;
}

export interface Plan {
  id: string;
  name: string;
  limits: UsageLimit[];
}

export interface Application {
  id: string;
  serviceId: string;
  state: string;
  planId?: string;
  userKey?: string;
  keys: string[];
  referrerFilters: string[];
  redirectUrl?: string;
}

export interface MappingRule {
  method: string;
  pattern: string;
  metric: string;
  delta: number;
  last: boolean;
}

export interface Service {
  id: string;
  name: string;
  providerKey: string;
  backendVersion: BackendVersion;
  state: string;
  referrerFiltersRequired: boolean;
  metrics: Metric[];
  plans: Map<string, Plan>;
  applications: Map<string, Application>;
  mappingRules: MappingRule[];
  /** proxy-config fields the system simulator serves */
  credentialsLocation: "headers" | "query" | "authorization";
  authUserKey: string;
  authAppId: string;
  authAppKey: string;
  proxyConfigVersion: number;
}

export interface ReportError {
  serviceId: string;
  code: string;
  message: string;
  timestamp: number;
}

export class BackendStore {
  readonly services = new Map<string, Service>();
  /** provider key → default service id */
  readonly defaultServices = new Map<string, string>();
  /** `${token}\n${serviceId}` pairs apisonator knows */
  readonly serviceTokens = new Set<string>();
  /** `${appServiceKey}\n${metric}\n${period}\n${start}` → value */
  private readonly counters = new Map<string, number>();
  readonly errors: ReportError[] = [];

  addService(s: Service, isDefault = false): void {
    this.services.set(s.id, s);
    if (isDefault || !this.defaultServices.has(s.providerKey)) this.defaultServices.set(s.providerKey, s.id);
  }

  addServiceToken(token: string, serviceId: string): void {
    this.serviceTokens.add(`${token}\n${serviceId}`);
  }

  hasServiceToken(token: string, serviceId: string): boolean {
    return this.serviceTokens.has(`${token}\n${serviceId}`);
  }

  providerHasServices(providerKey: string): boolean {
    return this.defaultServices.has(providerKey);
  }

  application(serviceId: string, appId: string): Application | undefined {
    return this.services.get(serviceId)?.applications.get(appId);
  }

  appIdByUserKey(serviceId: string, userKey: string): string | undefined {
    const s = this.services.get(serviceId);
    if (!s) return undefined;
    for (const app of s.applications.values()) if (app.userKey === userKey) return app.id;
    return undefined;
  }

  private key(serviceId: string, appId: string, metric: string, period: Period, at: number): string {
    const start = periodInstance(period, at).start ?? 0;
    return `${serviceId}\n${appId}\n${metric}\n${period}\n${start}`;
  }

  /** The stored value of a counter for the period instance that contains `at`. */
  usage(serviceId: string, appId: string, metric: string, period: Period, at: number): number {
    return this.counters.get(this.key(serviceId, appId, metric, period, at)) ?? 0;
  }

  /** Applies one metric's usage at `at` to every period instance (increment, or set for `#N`). */
  apply(serviceId: string, appId: string, metric: string, value: number, set: boolean, at: number): void {
    for (const period of PERIODS) {
      const k = this.key(serviceId, appId, metric, period, at);
      this.counters.set(k, set ? value : (this.counters.get(k) ?? 0) + value);
    }
  }

  clearCounters(): void {
    this.counters.clear();
    this.errors.length = 0;
  }
}

/** Metric lookups for one service: by name, parent chain, children, set order. */
export class MetricIndex {
  private readonly byName = new Map<string, Metric>();
  readonly ordered: Metric[];

  constructor(metrics: Metric[]) {
    for (const m of metrics) this.byName.set(m.name, m);
    // apisonator iterates metric ids in the Redis set's order: ascending for small integer sets.
    const numeric = metrics.every((m) => /^\d+$/.test(m.id));
    this.ordered = numeric ? [...metrics].sort((a, b) => Number(a.id) - Number(b.id)) : [...metrics];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): Metric | undefined {
    return this.byName.get(name);
  }

  /** Parent, grandparent, …; stops on a missing parent or a cycle. */
  ancestors(name: string): string[] {
    const out: string[] = [];
    let cur = this.byName.get(name)?.parent;
    while (cur !== undefined && this.byName.has(cur) && !out.includes(cur) && cur !== name) {
      out.push(cur);
      cur = this.byName.get(cur)!.parent;
    }
    return out;
  }

  children(name: string): string[] {
    return this.ordered.filter((m) => m.parent === name).map((m) => m.name);
  }

  /** Every metric below `name`, in set order. */
  descendants(name: string): string[] {
    return this.ordered.filter((m) => m.name !== name && this.ancestors(m.name).includes(name)).map((m) => m.name);
  }

  isDescendantOrSelf(name: string, of: string): boolean {
    return name === of || this.ancestors(name).includes(of);
  }
}
