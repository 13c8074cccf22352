// The host-side account of one request for `trace`: service selection, every credential source
// with the stack after each operation, matching mapping rules and summed usage. Every step uses the
// module's own code through its test-only entries (ops.wasm, pipeline.wasm), and `differences`
// checks the account against the authrep the module really sent.
import type { RequestLine } from "./request-line.js";
import { credentialHeaderNames, Secrets, sourceHasOps } from "./secrets.js";
import { type Entries, traceOps } from "./testing-entries.js";
import { type Obj, asList, asObj } from "./data.js";

const q = (s: string) => JSON.stringify(s);

/** explain prints the host-side account of service selection, credentials and mapping rules. */
/** What the host-side explanation predicts the module will send (null: no authrep expected). */
export interface Expectation {
  credentials: Record<string, string>;
  usage: Map<string, number>;
}

export function explain(
  config: Obj,
  req: RequestLine,
  extra: Array<[string, string]>,
  metadata: Obj | undefined,
  fetchedRules: Obj[] | null,
  e: Entries,
  secrets: Secrets,
  say: (l?: string) => void,
): Expectation | null {
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
    return null;
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
      // An app_id is an identifier, shown in clear like everywhere else, unless its source is
      // also where a secret is read from (e.g. an Authorization header holding id and key).
      const source = asObj(list[i]);
      const clear = kind === "app_id" && !readsSecret(source, config);
      const stack = traceSource(`${kind}[${i}]`, source, req, extra, metadata, e, clear ? CLEAR : secrets, say);
      if (stack) return stack;
    }
    say(`  ${kind}: no source resolved`);
    return null;
  };
  // An OIDC service (docs/features.md) authorizes the client id only: the module ignores
  // user_key sources and never sends an empty app_key.
  const oidc = typeof service.authentication === "string" && service.authentication.toLowerCase() === "oidc";
  if (oidc) say("  user_key: ignored (OIDC service: the client id comes from app_id)");
  const userKey = oidc ? null : resolve("user_key");
  const appStack = resolve("app_id");
  let appKey: string | null = appStack && appStack.length >= 2 ? appStack[1] : null;
  if (appKey === null && creds.app_key !== undefined && creds.app_key !== null) {
    const keyStack = resolve("app_key");
    if (keyStack) appKey = keyStack[0];
  } else if (appKey !== null) {
    say("  app_key: taken from the app_id source (its second value); app_key sources not consulted");
  }
  if (oidc && appKey === "") appKey = null;
  if (userKey) say(`  → user_key ${secrets.reveal(userKey[0])}${appStack ? " (user_key wins over app_id)" : ""}`);
  else if (appStack) say(`  → app_id ${q(appStack[0])}${appKey !== null ? `, app_key ${secrets.reveal(appKey)}` : ", no app_key"}`);
  else {
    say("  → no credentials → 403 Authentication parameters missing");
    return null;
  }
  const credentials: Record<string, string> = userKey ? { user_key: userKey[0] } : { app_id: appStack![0], ...(appKey !== null ? { app_key: appKey } : {}) };

  say(fetchedRules === null ? "mapping rules (static; none fetched from system)" : "mapping rules (static, then fetched from system)");
  const usage = new Map<string, number>();
  const statics = asList(service.mapping_rules).map(asObj);
  const rules = [...statics, ...(fetchedRules ?? [])];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const label = i < statics.length ? `[${i}]` : `[fetched ${i - statics.length}]`;
    const m = e.pipeline.matchRule(String(r.method), String(r.pattern), req.method, req.path);
    const usages = asList(r.usages).map(asObj);
    const text = usages.map((u) => `${u.name} +${u.delta}`).join(", ") || "no usage";
    const verdict = m === 1 ? `match → ${text}${r.last === true ? " (last: stop)" : ""}` : m === -1 ? "invalid pattern (the module skips this rule)" : "no match";
    say(`  ${label} ${String(r.method)} ${String(r.pattern)}: ${verdict}`);
    if (m === 1) {
      for (const u of usages) usage.set(String(u.name), (usage.get(String(u.name)) ?? 0) + Number(u.delta));
      if (r.last === true) break;
    }
  }
  if (usage.size === 0) say("  → no usage → 404 No Mapping Rule matched");
  else say(`  → usage ${[...usage].map(([k, v]) => `${k}=${v}`).join(", ")}`);
  return { credentials, usage };
}

/**
 * differences compares the explanation with the authrep the module really sent, so a trace
 * never silently explains something the module did not do.
 */
export function differences(expected: Expectation | null, authrepPath: string | null): string[] {
  if (authrepPath === null) return expected && expected.usage.size > 0 ? ["the explanation expected an authrep call, the module sent none"] : [];
  if (expected === null) return ["the module sent an authrep call the explanation did not expect"];
  const params = new URLSearchParams(authrepPath.slice(authrepPath.indexOf("?") + 1));
  const out: string[] = [];
  for (const name of ["user_key", "app_id", "app_key"]) {
    const sent = params.get(name);
    const want = expected.credentials[name] ?? null;
    if (sent !== want) out.push(`${name}: the module sent ${sent === null ? "none" : "a different value"}, the explanation expected ${want === null ? "none" : "another"}`);
  }
  const sentUsage = new Map<string, number>();
  for (const [k, v] of params) {
    const m = /^usage\[(.*)\]$/.exec(k);
    if (m) sentUsage.set(m[1], Number(v));
  }
  const wanted = [...expected.usage].map(([k, v]) => `${k}=${v}`).sort().join(", ");
  const sent = [...sentUsage].map(([k, v]) => `${k}=${v}`).sort().join(", ");
  // Rules fetched from system may add usage the static explanation cannot know about.
  if (wanted !== sent && expected.usage.size > 0) out.push(`usage: the module sent ${sent || "none"}, the explanation expected ${wanted}`);
  return out;
}

const CLEAR = new Secrets(true);

/** readsSecret: whether a source reads a header or query parameter a user_key or app_key source also reads. */
function readsSecret(source: Obj, config: Obj): boolean {
  if (sourceHasOps(source)) return true;
  if (source.filter) return false;
  const headerKeys = asList(asObj(source.header).keys).map((k) => String(k).toLowerCase());
  if (headerKeys.some((k) => credentialHeaderNames(config).has(k))) return true;
  const queryKeys = asList(asObj(source.query_string).keys).map(String);
  for (const s of asList(config.services).map(asObj)) {
    for (const kind of ["user_key", "app_key"]) {
      for (const src of asList(asObj(s.credentials)[kind]).map(asObj)) {
        if (asList(asObj(src.query_string).keys).map(String).some((k) => queryKeys.includes(k))) return true;
      }
    }
  }
  return false;
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


/**
 * fetchedRulesOf reads the mapping rules of a porta proxy-config answer (docs/behaviour.md) the
 * way the module turns them into rules; elements the module would skip are left out. null when
 * the answer has no usable content.
 */
export function fetchedRulesOf(answer: unknown): Obj[] | null {
  const content = asObj(asObj(asObj(answer).proxy_config).content);
  if (Object.keys(content).length === 0) return null;
  const out: Obj[] = [];
  for (const r of asList(asObj(content.proxy).proxy_rules).map(asObj)) {
    const ok = typeof r.http_method === "string" && r.http_method !== "" && typeof r.pattern === "string" && typeof r.metric_system_name === "string" && r.metric_system_name !== "" && Number.isInteger(r.delta) && (r.delta as number) >= 0;
    if (ok) out.push({ method: r.http_method, pattern: r.pattern, usages: [{ name: r.metric_system_name, delta: r.delta }], last: r.last === true });
  }
  return out;
}
