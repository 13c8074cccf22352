// `trace <config> --request 'GET https://host/path?x=1' -H 'name: value'`: runs one request
// through the REAL module in the host simulator and explains the decision step by step. The
// explanation (service, credential sources with their op stacks, mapping rules) is computed with
// the module's own code from its test-only entries; the authrep call and the verdict are what the
// module itself did in the simulator.
import { readFileSync } from "node:fs";
import { type Io, EXIT_INVALID, EXIT_OK, UsageError } from "../lib/io.js";
import { checkWithModule, productWasmPath } from "../lib/module-check.js";
import { Secrets } from "../lib/secrets.js";
import { createSimulator } from "../lib/simulator.js";
import type { StreamOptions } from "../../index.js";
import { loadFile } from "../lib/source.js";
import { type Entries, loadEntries, traceOps } from "../lib/testing-entries.js";

export const traceHelp = `Usage: threescale-wasm-auth trace <config> --request 'METHOD URL' [options]

Runs one request through the real module (build/threescale_wasm_auth.wasm) in the host simulator
and prints its decision step by step: the selected service, every credential source tried with the
stack after each operation, the matching mapping rules and summed usage, the authrep call the
module dispatched, the backend's answer and the final verdict.

  -X, --request 'METHOD URL'   e.g. 'GET https://api.example.com/products/1?user_key=k' (required)
  -H, --header 'name: value'   a request header (repeatable)
  --metadata <file.json>       dynamic metadata: {"<filter namespace>": {...}}, e.g.
                               {"envoy.filters.http.jwt_authn": {"verified_jwt": {"azp": "app"}}}
  --backend-status <code>      the backend's answer to the authrep call (default 200; 409 is sent
                               with 3scale-rejection-reason: limits_exceeded)
  --show-secrets               print service tokens, user keys and app keys in clear
                               (default: *** followed by the last 4 characters)

Fetches from 3scale system are not answered: only static tokens and mapping rules apply.
Exit status: 0 traced (whatever the verdict), 1 invalid configuration, 2 usage error.
`;

export interface TraceOptions {
  config: string;
  request: string;
  headers: string[];
  metadataFile?: string;
  backendStatus: number;
  showSecrets: boolean;
}

interface RequestLine {
  method: string;
  scheme: string;
  authority: string;
  path: string;
}

export function parseRequestLine(text: string): RequestLine {
  const m = /^\s*([A-Za-z!#$%&'*+.^_`|~0-9-]+)\s+([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s]*)([^#\s]*)(#\S*)?\s*$/.exec(text);
  if (!m) throw new UsageError(`--request must be 'METHOD URL', e.g. 'GET https://api.example.com/?user_key=k' (got "${text}")`);
  const rest = m[4] === "" ? "/" : m[4].startsWith("?") ? "/" + m[4] : m[4];
  return { method: m[1].toUpperCase(), scheme: m[2].toLowerCase(), authority: m[3], path: rest };
}

export function parseHeader(text: string): [string, string] {
  const i = text.indexOf(":", text.startsWith(":") ? 1 : 0);
  if (i <= 0) throw new UsageError(`-H must be 'name: value' (got "${text}")`);
  return [text.slice(0, i).trim().toLowerCase(), text.slice(i + 1).trim()];
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const q = (s: string) => JSON.stringify(s);

export async function runTrace(opts: TraceOptions, io: Io): Promise<number> {
  const req = parseRequestLine(opts.request);
  const extra = opts.headers.map(parseHeader);
  const metadata = opts.metadataFile ? readMetadata(opts.metadataFile) : undefined;
  const loaded = loadFile(opts.config);
  const doc = loaded.documents[0];
  if (loaded.problems.length > 0 || !doc || !doc.parsed) {
    for (const p of loaded.problems) io.err(`${opts.config}:${p.line}:${p.column}: error: ${p.message}\n`);
    return EXIT_INVALID;
  }
  const wasm = productWasmPath();
  const verdict = await checkWithModule(doc.moduleInput, wasm);
  if (!verdict.accepted) {
    io.err(`${opts.config}: the module rejects this configuration (run \`threescale-wasm-auth validate ${opts.config}\`):\n`);
    for (const p of verdict.problems.filter((x) => x.severity === "error")) io.err(`  ${p.pathText || "(root)"}: ${p.reason}\n`);
    return EXIT_INVALID;
  }
  const secrets = new Secrets(opts.showSecrets);
  const config = asObj(doc.value);
  const entries = await loadEntries();
  const out: string[] = [];
  const say = (line = "") => out.push(line);

  const headers: Array<[string, string]> = [[":method", req.method], [":scheme", req.scheme], [":authority", req.authority], [":path", req.path], ...extra];
  say(`request      ${req.method} ${req.scheme}://${req.authority}${maskQuery(req.path, config, secrets)}`);
  const credentialHeaders = credentialHeaderNames(config);
  for (const [n, v] of extra) say(`             ${n}: ${credentialHeaders.has(n) ? secrets.reveal(v) : v}`);
  if (doc.label) say(`config       ${doc.label}`);

  explain(config, req, extra, metadata, entries, secrets, say);

  // The module's own run: configure, send the request, answer its authrep call, read its verdict.
  const backendCluster = String(asObj(asObj(asObj(config.backend).upstream)).name ?? "");
  const sim = await createSimulator(wasm, { pluginConfiguration: doc.moduleInput });
  if (!sim.start().ok) throw new Error("the module rejected a configuration it accepted a moment ago");
  const stream = sim.newHttpStream(metadata ? { metadata: metadata as NonNullable<StreamOptions["metadata"]> } : {});
  const before = new Set(sim.httpCalls.all());
  stream.sendRequestHeaders(headers, { endOfStream: true });
  const call = sim.httpCalls.pending().find((c) => !before.has(c) && c.cluster === backendCluster);
  say("module");
  if (call) {
    say(`  authrep    cluster ${call.cluster}, timeout ${call.timeoutMs} ms`);
    for (const [n, v] of call.headers) say(`             ${n}: ${n === ":path" ? maskAuthrepPath(v, secrets) : v}`);
    const answerHeaders: Array<[string, string]> = opts.backendStatus === 409 ? [["3scale-rejection-reason", "limits_exceeded"]] : [];
    call.respond({ status: opts.backendStatus, headers: answerHeaders, body: "" });
    say(`  backend    answered ${opts.backendStatus}${answerHeaders.length ? " with 3scale-rejection-reason: limits_exceeded" : ""}`);
  } else {
    say("  authrep    none dispatched (the module decided locally)");
  }
  const decided = await withTimeout(stream.whenRequestDecided(), 5000);
  const reply = stream.localResponse;
  if (decided === "continued") say("verdict      continue: the request goes upstream unchanged");
  else if (decided === "local-reply" && reply) say(`verdict      local reply ${reply.status} ${q(reply.bodyText ?? "")}${reply.details ? ` (details ${reply.details})` : ""}`);
  else say(`verdict      ${decided}`);
  io.out(out.join("\n") + "\n");
  return EXIT_OK;
}

function readMetadata(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${file}: metadata must be a JSON object {"<namespace>": {...}} (${(e as Error).message})`);
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | "undecided"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"undecided">((resolve) => (timer = setTimeout(() => resolve("undecided"), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** explain prints the host-side account of service selection, credentials and mapping rules. */
function explain(config: Obj, req: RequestLine, extra: Array<[string, string]>, metadata: Obj | undefined, e: Entries, secrets: Secrets, say: (l?: string) => void): void {
  const authority = e.pipeline.authority(req.authority, req.scheme);
  say(`authority    ${q(authority)} (normalised)`);
  const services = asList(config.services).map(asObj);
  let chosen: Obj | null = null;
  services.forEach((s, i) => {
    if (chosen) return;
    const patterns = s.authorities === undefined || s.authorities === null ? ["*"] : asList(s.authorities);
    const hit = e.ops.globMatch(JSON.stringify(patterns), authority) === 1;
    say(`service      services[${i}] id ${q(String(s.id))}: authorities ${JSON.stringify(patterns)} ${hit ? "match → selected" : "do not match"}`);
    if (hit) chosen = s;
  });
  if (!chosen) {
    say("             no service matches → 403 Unknown service");
    return;
  }
  const service: Obj = chosen;
  const creds = asObj(service.credentials);
  say("credentials");
  const resolve = (kind: string): string[] | null => {
    const sources = creds[kind];
    if (sources === undefined || sources === null) {
      say(`  ${kind}: not configured`);
      return null;
    }
    const list = asList(sources);
    for (let i = 0; i < list.length; i++) {
      const stack = traceSource(`${kind}[${i}]`, asObj(list[i]), req, extra, metadata, e, secrets, say);
      if (stack) return stack;
    }
    say(`  ${kind}: no source resolved`);
    return null;
  };
  const userKey = resolve("user_key");
  const appStack = resolve("app_id");
  let appKey: string | null = appStack && appStack.length >= 2 ? appStack[1] : null;
  if (appKey === null && creds.app_key !== undefined && creds.app_key !== null) {
    const keyStack = resolve("app_key");
    if (keyStack) appKey = keyStack[0];
  } else if (appKey !== null) {
    say("  app_key: taken from the app_id source (its second value); app_key sources not consulted");
  }
  if (userKey) say(`  → user_key ${secrets.reveal(userKey[0])}${appStack ? " (user_key wins over app_id)" : ""}`);
  else if (appStack) say(`  → app_id ${q(appStack[0])}${appKey !== null ? `, app_key ${secrets.reveal(appKey)}` : ", no app_key"}`);
  else {
    say("  → no credentials → 403 Authentication parameters missing");
    return;
  }

  say("mapping rules (static; rules fetched from system are not simulated)");
  const usage = new Map<string, number>();
  const rules = asList(service.mapping_rules).map(asObj);
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const m = e.pipeline.matchRule(String(r.method), String(r.pattern), req.method, req.path);
    const usages = asList(r.usages).map(asObj);
    const text = usages.map((u) => `${u.name} +${u.delta}`).join(", ") || "no usage";
    say(`  [${i}] ${String(r.method)} ${String(r.pattern)}: ${m === 1 ? `match → ${text}${r.last === true ? " (last: stop)" : ""}` : "no match"}`);
    if (m === 1) {
      for (const u of usages) usage.set(String(u.name), (usage.get(String(u.name)) ?? 0) + Number(u.delta));
      if (r.last === true) break;
    }
  }
  if (usage.size === 0) say("  → no usage → 404 No Mapping Rule matched (unless fetched rules match)");
  else say(`  → usage ${[...usage].map(([k, v]) => `${k}=${v}`).join(", ")}`);
}

/** traceSource looks one source up and runs its ops; returns the final stack when it resolves. */
function traceSource(label: string, source: Obj, req: RequestLine, extra: Array<[string, string]>, metadata: Obj | undefined, e: Entries, secrets: Secrets, say: (l?: string) => void): string[] | null {
  const show = (stack: string[] | null) => (stack === null ? "fail" : `[${stack.map((v) => q(secrets.reveal(v))).join(", ")}]`);
  let kind = "";
  let stack: string[] | null = null;
  let spec: Obj = {};
  if (source.header) {
    kind = "header";
    spec = asObj(source.header);
    for (const key of asList(spec.keys).map(String)) {
      const h = extra.find(([n]) => n === key.toLowerCase());
      if (h) {
        stack = [h[1]];
        say(`  ${label} header ${q(key)}: found → ${show(stack)}`);
        break;
      }
    }
  } else if (source.query_string) {
    kind = "query_string";
    spec = asObj(source.query_string);
    for (const key of asList(spec.keys).map(String)) {
      const r = e.pipeline.queryParam(req.path, key);
      if (r.startsWith("=")) {
        stack = [r.slice(1)];
        say(`  ${label} query parameter ${q(key)}: found → ${show(stack)}`);
        break;
      }
    }
  } else if (source.filter) {
    kind = "filter";
    spec = asObj(source.filter);
    const path = asList(spec.path).map(String);
    const ns = metadata ? metadata[path[0] ?? ""] : undefined;
    if (ns !== undefined) {
      const r = JSON.parse(e.ops.lookupJson(JSON.stringify(ns), JSON.stringify(path.slice(1)), JSON.stringify(asList(spec.keys).map(String)))) as string[] | null;
      if (r && r.length > 0) {
        stack = r;
        say(`  ${label} filter ${JSON.stringify(path)} keys ${JSON.stringify(spec.keys)}: found → ${show(stack)}`);
      }
    }
  }
  if (stack === null) {
    say(`  ${label} ${kind || "source"} ${JSON.stringify(spec.keys ?? spec.path ?? [])}: not found`);
    return null;
  }
  const ops = spec.ops;
  if (ops === undefined || ops === null || asList(ops).length === 0) return stack;
  const t = traceOps(e.ops, ops, stack);
  asList(ops).forEach((op, i) => {
    const step = t.steps[i];
    const name = typeof op === "string" ? op : JSON.stringify(op);
    if (step) say(`      ops[${i}] ${name} → ${show(step.stack)}`);
    else say(`      ops[${i}] ${name} (not run)`);
  });
  if (!t.ok) {
    say(`    ${label} fails; the next source is tried`);
    return null;
  }
  return t.steps.length > 0 ? t.steps[t.steps.length - 1].stack : stack;
}

/** maskAuthrepPath masks the secret parameters of the authrep :path. */
export function maskAuthrepPath(path: string, secrets: Secrets): string {
  if (secrets.reveal("12345") === "12345") return path;
  return path.replace(/([?&](?:service_token|user_key|app_key)=)([^&]*)/g, (_, name: string, value: string) => name + secrets.reveal(decodeSafe(value)));
}

function decodeSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Header names any credential source reads: their values may carry secrets. */
function credentialHeaderNames(config: Obj): Set<string> {
  const names = new Set<string>();
  for (const s of asList(config.services).map(asObj)) {
    for (const kind of ["user_key", "app_id", "app_key"]) {
      for (const src of asList(asObj(s.credentials)[kind]).map(asObj)) {
        for (const k of asList(asObj(src.header).keys)) names.add(String(k).toLowerCase());
      }
    }
  }
  return names;
}

/** maskQuery masks configured credential query parameters in the request line. */
function maskQuery(path: string, config: Obj, secrets: Secrets): string {
  const names = new Set<string>();
  for (const s of asList(config.services).map(asObj)) {
    for (const kind of ["user_key", "app_key"]) {
      for (const src of asList(asObj(s.credentials)[kind]).map(asObj)) {
        for (const k of asList(asObj(src.query_string).keys)) names.add(String(k));
      }
    }
  }
  return path.replace(/([?&])([^=&#]+)=([^&#]*)/g, (all, sep: string, name: string, value: string) => (names.has(name) ? `${sep}${name}=${secrets.reveal(value)}` : all));
}
