// Configuration of the cache and failure modes (docs/cache.md): `backend.cache` and
// `backend.failure_mode` are compiled by the real module, every problem reported at its JSON path.
import { describe, expect, it } from "vitest";
import { readDiagnostics } from "../../src-host-sim/cli/lib/module-check.js";
import { ProxyWasmSimulator } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";

function config(backendExtra: Record<string, unknown>) {
  return {
    api: "v1",
    backend: { upstream: { name: "backend", url: "http://127.0.0.1:3001/" }, ...backendExtra },
    services: [{
      id: "S1",
      token: "t",
      credentials: { user_key: [{ query_string: { keys: ["user_key"] } }] },
      mapping_rules: [{ method: "GET", pattern: "/", usages: [{ name: "hits", delta: 1 }] }],
    }],
  };
}

async function configure(cfg: unknown) {
  const sim = await ProxyWasmSimulator.create(modulePath("product"), { pluginConfiguration: cfg as never, clusters: {} });
  const started = sim.start();
  const { problems } = readDiagnostics(sim.logs.map((l) => l.message));
  const text = (sev: string) => problems.filter((p) => p.severity === sev).map((p) => `${p.pathText}: ${p.reason}`);
  return { ok: started.ok, trapped: started.trapped, errors: text("error"), warnings: text("warning") };
}

describe("valid cache configurations", () => {
  it.each([
    { name: "no cache and no failure mode (defaults)", extra: {} },
    { name: "cache enabled with defaults", extra: { cache: { enabled: true } } },
    { name: "every field", extra: { cache: { enabled: true, ttl: 30, report_interval: 10, max_entries: 5000 }, failure_mode: "resilient" } },
    { name: "the range limits", extra: { cache: { enabled: true, ttl: 86400, report_interval: 3600, max_entries: 100000 } } },
    { name: "the lower limits", extra: { cache: { enabled: true, ttl: 1, report_interval: 1, max_entries: 1 } } },
    { name: "failure mode open without cache", extra: { failure_mode: "open" } },
    { name: "failure mode closed", extra: { failure_mode: "closed" } },
    { name: "null everywhere", extra: { cache: { enabled: null, ttl: null, report_interval: null, max_entries: null }, failure_mode: null } },
    { name: "cache null", extra: { cache: null } },
  ])("accepted: $name", async ({ extra }) => {
    const r = await configure(config(extra));
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it.each([
    { extra: { cache: { enabled: true, colour: "blue" } }, warning: "backend.cache.colour: unknown field" },
    { extra: { cache: { ttl: 30 } }, warning: "backend.cache.ttl: ignored while cache.enabled is not true" },
    { extra: { cache: { enabled: false, ttl: 30 } }, warning: "backend.cache.ttl: ignored while cache.enabled is not true" },
  ])("accepted with warning: $warning", async ({ extra, warning }) => {
    const r = await configure(config(extra));
    expect(r.ok).toBe(true);
    expect(r.warnings).toContain(warning);
  });
});

describe("invalid cache configurations", () => {
  it.each([
    { extra: { cache: true }, error: "backend.cache: expected object, got boolean" },
    { extra: { cache: [] }, error: "backend.cache: expected object, got array" },
    { extra: { cache: { enabled: "yes" } }, error: "backend.cache.enabled: expected boolean, got string" },
    { extra: { cache: { enabled: true, ttl: 0 } }, error: "backend.cache.ttl: integer out of range (1..86400)" },
    { extra: { cache: { enabled: true, ttl: 86401 } }, error: "backend.cache.ttl: integer out of range (1..86400)" },
    { extra: { cache: { enabled: true, ttl: 1.5 } }, error: "backend.cache.ttl: expected integer, got number" },
    { extra: { cache: { enabled: true, ttl: "60" } }, error: "backend.cache.ttl: expected integer, got string" },
    { extra: { cache: { enabled: true, report_interval: 0 } }, error: "backend.cache.report_interval: integer out of range (1..3600)" },
    { extra: { cache: { enabled: true, report_interval: 3601 } }, error: "backend.cache.report_interval: integer out of range (1..3600)" },
    { extra: { cache: { enabled: true, max_entries: 0 } }, error: "backend.cache.max_entries: integer out of range (1..100000)" },
    { extra: { cache: { enabled: true, max_entries: 100001 } }, error: "backend.cache.max_entries: integer out of range (1..100000)" },
    { extra: { cache: { enabled: true, max_entries: -3 } }, error: "backend.cache.max_entries: integer out of range (1..100000)" },
    { extra: { failure_mode: "sideways" }, error: 'backend.failure_mode: invalid value "sideways" (expected closed, open or resilient)' },
    { extra: { failure_mode: "OPEN" }, error: 'backend.failure_mode: invalid value "OPEN" (expected closed, open or resilient)' },
    { extra: { failure_mode: 1 }, error: "backend.failure_mode: expected string, got integer" },
  ])("rejected: $error", async ({ extra, error }) => {
    const r = await configure(config(extra));
    expect(r.trapped).toBeUndefined();
    expect(r.ok).toBe(false);
    expect(r.errors).toContain(error);
  });

  it("reports every problem of the cache object at once", async () => {
    const r = await configure(config({ cache: { enabled: 1, ttl: -1, report_interval: "5", max_entries: 0 }, failure_mode: "" }));
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      "backend.cache.enabled: expected boolean, got integer",
      "backend.cache.ttl: integer out of range (1..86400)",
      "backend.cache.report_interval: expected integer, got string",
      "backend.cache.max_entries: integer out of range (1..100000)",
      'backend.failure_mode: invalid value "" (expected closed, open or resilient)',
    ]);
  });
});
