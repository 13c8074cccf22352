// The system (porta) simulator: serves
//   GET /admin/api/services/<id>/proxy/configs/<environment>/latest.json?access_token=…
// with a proxy-config document built from the seed (3scale's backend API), plus test
// knobs: forced status, delay, malformed body, request log.
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { loadSeed } from "../backend/simulator.js";
import { HttpListener } from "../http/server.js";
import type { BackendStore, Service } from "../backend/store.js";
import type { Seed, SeedAccessToken } from "../seed/seed.js";

export interface SystemSimulatorOptions {
  seed?: string | Seed | Record<string, unknown>;
  host?: string;
  port?: number;
}

export interface SystemRequest {
  method: string;
  url: string;
  status: number;
}

export interface SystemReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = "application/json; charset=utf-8";
const PATH = /^\/admin\/api\/services\/([^/]+)\/proxy\/configs\/([^/]+)\/latest\.json$/;

function json(status: number, value: unknown): SystemReply {
  return { status, headers: { "content-type": JSON_TYPE }, body: JSON.stringify(value) };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

function queryParam(query: string, name: string): string | null {
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const k = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    if (k === name) return eq < 0 ? "" : safeDecode(pair.slice(eq + 1));
  }
  return null;
}

/** Numeric ids where the seed's id is numeric, as porta's JSON has them. */
function idValue(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/** The proxy-config document porta returns for a service; only the filter's fields vary. */
export function proxyConfigDocument(service: Service, store: BackendStore, environment: string): unknown {
  const token = [...store.serviceTokens].map((p) => p.split("\n")).find(([, sid]) => sid === service.id)?.[0];
  const metricIds = new Map(service.metrics.map((m) => [m.name, m.id]));
  const proxyId = 124000 + (Number(service.id.slice(-3)) || 0);
  return {
    proxy_config: {
      id: 92000 + service.proxyConfigVersion,
      version: service.proxyConfigVersion,
      environment,
      content: {
        id: idValue(service.id),
        account_id: 2445582571513,
        name: service.name,
        oneline_description: null,
        description: service.name,
        txt_api: null,
        txt_support: null,
        txt_features: null,
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-01T00:00:00Z",
        logo_file_name: null,
        state: service.state === "active" ? "incomplete" : service.state,
        intentions_required: false,
        draft_name: "",
        display_provider_keys: false,
        buyers_manage_apps: true,
        buyers_manage_keys: true,
        custom_keys_enabled: true,
        buyer_plan_change_permission: "request",
        buyer_can_select_plan: false,
        notification_settings: null,
        default_application_plan_id: null,
        default_service_plan_id: null,
        default_end_user_plan_id: null,
        end_user_registration_required: true,
        tenant_id: 2445582571513,
        system_name: service.name,
        backend_version: service.backendVersion,
        mandatory_app_key: true,
        buyer_key_regenerate_enabled: true,
        support_email: "admin@example.com",
        referrer_filters_required: service.referrerFiltersRequired,
        deployment_option: "self_managed",
        kubernetes_service_link: null,
        "proxiable?": true,
        backend_authentication_type: "service_token",
        backend_authentication_value: token ?? null,
        proxy: {
          id: proxyId,
          tenant_id: 2445582571513,
          service_id: idValue(service.id),
          endpoint: "http://production.3scale.net:80",
          deployed_at: null,
          api_backend: "https://echo-api.3scale.net:443",
          auth_app_key: service.authAppKey,
          auth_app_id: service.authAppId,
          auth_user_key: service.authUserKey,
          credentials_location: service.credentialsLocation,
          error_auth_failed: "Authentication failed",
          error_auth_missing: "Authentication Missing",
          created_at: "2026-01-01T00:00:00Z",
          updated_at: "2026-01-01T00:00:00Z",
          error_status_auth_failed: 403,
          error_headers_auth_failed: "text/plain; charset=us-ascii",
          error_status_auth_missing: 401,
          error_headers_auth_missing: "text/plain; charset=us-ascii",
          error_no_match: "No Mapping Rule matched",
          error_status_no_match: 404,
          error_headers_no_match: "text/plain; charset=us-ascii",
          secret_token: "Shared_secret_sent_from_proxy_to_API_backend",
          hostname_rewrite: "",
          oauth_login_url: null,
          sandbox_endpoint: "http://staging.3scale.net:80",
          api_test_path: "/",
          policies_config: [],
          authentication_method: service.backendVersion,
          lock_version: 3,
          apicast_configuration_driven: true,
          oidc_issuer_endpoint: null,
          oidc_issuer_type: null,
          endpoint_port: 80,
          "valid?": true,
          service_backend_version: service.backendVersion,
          hosts: ["production.3scale.net", "staging.3scale.net"],
          backend: { endpoint: "https://su1.3scale.net", host: "su1.3scale.net" },
          policy_chain: [{ name: "apicast", version: "builtin", configuration: {} }],
          proxy_rules: service.mappingRules.map((r, i) => ({
            id: 375800 + i,
            proxy_id: proxyId,
            http_method: r.method,
            pattern: r.pattern,
            metric_id: Number(metricIds.get(r.metric) ?? 0) || metricIds.get(r.metric) || null,
            metric_system_name: r.metric,
            delta: r.delta,
            tenant_id: 2445582571513,
            created_at: "2026-01-01T00:00:00Z",
            updated_at: "2026-01-01T00:00:00Z",
            redirect_url: null,
            position: i + 1,
            last: r.last,
            parameters: [],
            querystring_parameters: {},
          })),
        },
      },
    },
  };
}

/** Knobs a test sets to make porta misbehave; every field is optional. */
export interface SystemFault {
  status?: number;
  body?: string;
  /** answer `not json{` with status 200 (unless status is also set) */
  malformed?: boolean;
  /** delay before answering, in ms */
  delayMs?: number;
}

export class SystemSimulator {
  readonly requests: SystemRequest[] = [];
  fault: SystemFault = {};
  private seed: Seed;
  private readonly listener = new HttpListener();

  constructor(private readonly options: SystemSimulatorOptions = {}) {
    this.seed = loadSeed(options.seed);
  }

  get url(): string {
    return this.listener.url;
  }

  get store(): BackendStore {
    return this.seed.store;
  }

  get accessTokens(): SeedAccessToken[] {
    return this.seed.accessTokens;
  }

  /** Number of proxy-config requests received (any answer). */
  get requestCount(): number {
    return this.requests.length;
  }

  /** Shares the backend simulator's store, so both serve the same services. */
  useStore(store: BackendStore): void {
    this.seed = { store, accessTokens: this.seed.accessTokens };
  }

  start(): Promise<string> {
    return this.listener.start(() => createServer((req, res) => this.onRequest(req, res)), this.options.port, this.options.host);
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  reset(): void {
    this.requests.length = 0;
    this.fault = {};
  }

  /** porta's answer to one request, without faults. */
  answer(method: string, url: string, authorization?: string): SystemReply {
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? "" : url.slice(q + 1);
    const m = PATH.exec(path);
    if (!m || (method !== "GET" && method !== "HEAD")) return json(404, { status: "Not found" });

    let token = queryParam(query, "access_token");
    if (token === null && authorization?.toLowerCase().startsWith("basic ")) {
      const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      // porta takes the token as the basic-auth user or password
      token = colon < 0 ? decoded : decoded.slice(colon + 1) || decoded.slice(0, colon);
    }
    if (token === null || token === "") return json(403, { error: "Access Denied" });
    const known = this.seed.accessTokens.find((t) => t.value === token);
    if (!known) return json(403, { error: "Access Denied" });
    if (!known.scopes.includes("account_management")) {
      return json(403, { error: "Your access token does not have the correct permissions" });
    }

    const env = safeDecode(m[2]!);
    const environment = env === "production" ? "production" : env === "sandbox" || env === "staging" ? "sandbox" : null;
    if (environment === null) return json(400, { error: "invalid environment" });
    const service = this.seed.store.services.get(safeDecode(m[1]!) ?? "");
    if (!service) return json(404, { status: "Not found" });
    return json(200, proxyConfigDocument(service, this.seed.store, environment));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    req.resume();
    req.on("end", () => {
      let out = this.answer(method, url, req.headers.authorization);
      const f = this.fault;
      if (f.malformed) out = { status: 200, headers: { "content-type": JSON_TYPE }, body: "not json{" };
      if (f.status !== undefined) out = { ...out, status: f.status };
      if (f.body !== undefined) out = { ...out, body: f.body };
      this.requests.push({ method, url, status: out.status });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(out.status, out.headers);
        res.end(out.body);
      };
      if (f.delayMs && f.delayMs > 0) setTimeout(send, f.delayMs);
      else send();
    });
  }
}
