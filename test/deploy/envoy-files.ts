// Reads the deployment files (envoy/*.yaml, docker-compose.yaml, examples/istio/*.yaml) into the
// pieces the tests check: the Wasm filter of each Envoy bootstrap, its embedded JSON
// configuration, the clusters, the compose mounts.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { ROOT } from "../support/modules.js";

export { ROOT };

type Obj = Record<string, any>;

export interface WasmFilter {
  config: Obj;
  /** The JSON text of configuration.value (StringValue). */
  configurationJson: string;
}

export interface EnvoyFile {
  file: string;
  bootstrap: Obj;
  httpFilters: Obj[];
  wasm: WasmFilter;
  clusters: Obj[];
  routeClusters: string[];
}

export function envoyFiles(): string[] {
  const dir = join(ROOT, "envoy");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => `envoy/${f}`);
}

function walk(node: unknown, visit: (o: Obj) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === "object") {
    visit(node as Obj);
    Object.values(node as Obj).forEach((n) => walk(n, visit));
  }
}

export function readEnvoyFile(file: string): EnvoyFile {
  const bootstrap = parse(readFileSync(join(ROOT, file), "utf8")) as Obj;
  const httpFilters: Obj[] = [];
  const routeClusters: string[] = [];
  walk(bootstrap, (o) => {
    if (Array.isArray(o.http_filters)) httpFilters.push(...o.http_filters);
    if (o.route && typeof o.route.cluster === "string") routeClusters.push(o.route.cluster);
  });
  const wasmFilters = httpFilters.filter((f) => f.name === "envoy.filters.http.wasm");
  if (wasmFilters.length !== 1) throw new Error(`${file}: expected one envoy.filters.http.wasm filter, found ${wasmFilters.length}`);
  const config = wasmFilters[0]!.typed_config.config as Obj;
  const value = config?.configuration?.value;
  return {
    file,
    bootstrap,
    httpFilters,
    wasm: { config, configurationJson: typeof value === "string" ? value : "" },
    clusters: (bootstrap.static_resources?.clusters ?? []) as Obj[],
    routeClusters,
  };
}

/** host:port of a cluster's single endpoint. */
export function clusterEndpoint(cluster: Obj): { host: string; port: number } {
  const sa = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
  return { host: sa.address, port: sa.port_value };
}

/** Every upstream object in a plugin configuration (backend, system). */
export function upstreamsOf(config: Obj): Array<{ where: string; name: string; url: string }> {
  const out: Array<{ where: string; name: string; url: string }> = [];
  for (const where of ["backend", "system"]) {
    const u = config[where]?.upstream;
    if (u) out.push({ where, name: u.name, url: u.url });
  }
  return out;
}

export function readCompose(): Obj {
  return parse(readFileSync(join(ROOT, "docker-compose.yaml"), "utf8")) as Obj;
}

/** Compose short-syntax volume "src:dst[:ro]" → { source, target }. */
export function composeMounts(service: Obj): Array<{ source: string; target: string }> {
  return ((service.volumes ?? []) as string[]).map((v) => {
    const [source, target] = v.split(":");
    return { source: source!, target: target! };
  });
}

export interface YamlDoc {
  file: string;
  index: number;
  doc: Obj;
}

export function istioDocuments(): YamlDoc[] {
  const dir = join(ROOT, "examples/istio");
  if (!existsSync(dir)) return [];
  const out: YamlDoc[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".yaml")).sort()) {
    const docs = parseAllDocuments(readFileSync(join(dir, f), "utf8"));
    docs.forEach((d, index) => {
      if (d.errors.length > 0) throw new Error(`examples/istio/${f} document ${index}: ${d.errors[0]!.message}`);
      const doc = d.toJS() as Obj | null;
      if (doc) out.push({ file: `examples/istio/${f}`, index, doc });
    });
  }
  return out;
}
