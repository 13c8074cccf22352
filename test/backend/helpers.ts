// Shared fixtures for the backend simulator tests: apisonator's "provider fixtures" (service 1001
// of provider pk, app A on plan planN, metric hits) and a raw HTTP client that sends the request
// target byte for byte (latin1), so malformed and non-UTF-8 queries reach the server unchanged.
import { request } from "node:http";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";

export const XML = '<?xml version="1.0" encoding="UTF-8"?>';
export const CT = "application/vnd.3scale-v2.0+xml";
export const NOW = "2010-05-15T13:00:00Z";

export type SeedDoc = {
  services: Array<Record<string, unknown> & { applications: Array<Record<string, unknown>> }>;
  service_tokens?: Array<{ token: string; service_id: string }>;
};

/** apisonator's provider fixtures, plus a second provider (pk2) with service 2002 and app B. */
export function providerFixtures(): SeedDoc {
  return {
    services: [
      {
        id: "1001",
        provider_key: "pk",
        service_tokens: ["a_token"],
        metrics: [{ id: "1", name: "hits" }],
        plans: [{ id: "p", name: "planN", limits: [] }],
        applications: [{ id: "A", plan: "p" }],
      },
      {
        id: "2002",
        provider_key: "pk2",
        metrics: [{ id: "1", name: "hits" }],
        plans: [{ id: "p", name: "planN", limits: [] }],
        applications: [{ id: "B", plan: "p" }],
      },
    ],
    service_tokens: [{ token: "a_token", service_id: "id_non_existing_service" }],
  };
}

export function svc(doc: SeedDoc): Record<string, unknown> & { applications: Array<Record<string, unknown>> } {
  return doc.services[0]!;
}

export function app(doc: SeedDoc): Record<string, unknown> {
  return svc(doc).applications[0]!;
}

export function setLimits(doc: SeedDoc, limits: Array<{ metric: string; period: string; value: number }>): void {
  (svc(doc)["plans"] as Array<Record<string, unknown>>)[0]!["limits"] = limits;
}

export function setMetrics(doc: SeedDoc, metrics: Array<{ id?: string; name: string; parent?: string }>): void {
  svc(doc)["metrics"] = metrics.map((m, i) => ({ id: m.id ?? String(i + 1), ...m }));
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function startBackend(doc: SeedDoc, now = NOW): Promise<{ sim: BackendSimulator; clock: ManualClock }> {
  const clock = new ManualClock(now);
  const sim = new BackendSimulator({ seed: doc as unknown as Record<string, unknown>, clock });
  await sim.start();
  return { sim, clock };
}

/** Sends `method target` over a real socket; `target` is written as latin1 bytes. */
export function send(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method, path: target, headers: { ...headers, connection: "close" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const get = (sim: BackendSimulator, target: string, headers: Record<string, string> = {}): Promise<Reply> =>
  send(sim.url, "GET", target, headers);

export function errorBody(code: string, message: string): string {
  return `${XML}<error code="${code}">${message}</error>`;
}

export function statusBody(inner: string): string {
  return `${XML}<status>${inner}</status>`;
}
