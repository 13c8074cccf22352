// `trace <config> --request 'GET https://host/path?x=1' -H 'name: value'`: runs one request
// through the REAL module in the host simulator and explains the decision step by step. The
// explanation (service, credential sources with their op stacks, mapping rules) is computed with
// the module's own code from its test-only entries; the authrep call and the verdict are what the
// module itself did in the simulator.
import { readFileSync } from "node:fs";
import { type Io, EXIT_INVALID, EXIT_OK, UsageError } from "../lib/io.js";
import { checkWithModule, productWasmPath } from "../lib/module-check.js";
import { differences, explain, fetchedRulesOf } from "../lib/explain.js";
import { parseHeader, parseRequestLine } from "../lib/request-line.js";
import { asObj } from "../lib/data.js";
import { credentialHeaderNames, maskAuthrepPath, maskQuery, Secrets } from "../lib/secrets.js";
import { createSimulator } from "../lib/simulator.js";
import type { StreamOptions } from "../../index.js";
import { loadFile } from "../lib/source.js";
import { loadEntries } from "../lib/testing-entries.js";
import { upstreamChanges } from "../lib/upstream-changes.js";

export const traceHelp = `Usage: threescale-wasm-auth trace <config> --request 'METHOD URL' [options]
       threescale-wasm-auth trace <config> [-X METHOD] URL [options]   (as with curl; GET by default)

Runs one request through the real module (build/threescale_wasm_auth.wasm) in the host simulator
and prints its decision step by step: the selected service, every credential source tried with the
stack after each operation, the matching mapping rules and summed usage, the authrep call the
module dispatched, the backend's answer and the final verdict.

  -X, --request 'METHOD URL'   e.g. 'GET https://api.example.com/products/1?user_key=k'; or, with
                               the URL as a separate argument, just the method: -X POST URL
  -H, --header 'name: value'   a request header (repeatable)
  --metadata <file.json>       dynamic metadata: {"<filter namespace>": {...}}, e.g.
                               {"envoy.filters.http.jwt_authn": {"verified_jwt": {"azp": "app"}}}
  --system-answer <file.json>  answer every fetch from 3scale system with this proxy-config JSON
                               (status 200), e.g. {"proxy_config": {"content": {...}}}; its rules
                               then count, after the static ones
  --backend-status <code>      the backend's answer to the authrep call (default 200; 409 is sent
                               with 3scale-rejection-reason: limits_exceeded)
  --show-secrets               print service tokens, user keys and app keys in clear
                               (default: *** followed by the last 4 characters, wherever
                               they appear; app ids are identifiers and always shown)

Without --system-answer, fetches from 3scale system stay unanswered: only the static token and
mapping rules apply.

Exit status:
  0  the request was traced, whether the module let it through or denied it: read the
     verdict line to see which (a 403 from the module is still exit status 0)
  1  the configuration is invalid (the module rejects it) or the file cannot be parsed
  2  usage error: a missing or malformed option, request line or header, an unreadable file
`;

export interface TraceOptions {
  config: string;
  request: string;
  headers: string[];
  metadataFile?: string;
  systemAnswerFile?: string;
  backendStatus: number;
  showSecrets: boolean;
}

const q = (s: string) => JSON.stringify(s);

export async function runTrace(opts: TraceOptions, io: Io): Promise<number> {
  const req = parseRequestLine(opts.request);
  const extra = opts.headers.map(parseHeader);
  const metadata = opts.metadataFile ? readMetadata(opts.metadataFile) : undefined;
  const systemAnswer = opts.systemAnswerFile ? readText(opts.systemAnswerFile) : undefined;
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

  const fetched = systemAnswer === undefined ? null : fetchedRulesOf(parseOrNull(systemAnswer));
  const expected = explain(config, req, headers, metadata, fetched, entries, secrets, say);

  // The module's own run: configure, send the request, answer its authrep call, read its verdict.
  const backendCluster = String(asObj(asObj(asObj(config.backend).upstream)).name ?? "");
  const sim = await createSimulator(wasm, { pluginConfiguration: doc.moduleInput });
  if (!sim.start().ok) throw new Error("the module rejected a configuration it accepted a moment ago");
  say("module");
  const systemCluster = String(asObj(asObj(asObj(config.system).upstream)).name ?? "");
  for (const fetch of sim.httpCalls.pending().filter((c) => systemAnswer !== undefined && c.cluster === systemCluster)) {
    fetch.respond({ status: 200, headers: [["content-type", "application/json"]], body: systemAnswer! });
    say(`  system     ${fetch.method} ${maskAccessToken(fetch.path, secrets)} answered 200 from ${opts.systemAnswerFile}`);
  }
  await sim.idle();
  const stream = sim.newHttpStream(metadata ? { metadata: metadata as NonNullable<StreamOptions["metadata"]> } : {});
  const before = new Set(sim.httpCalls.all());
  stream.sendRequestHeaders(headers, { endOfStream: true });
  const call = sim.httpCalls.pending().find((c) => !before.has(c) && c.cluster === backendCluster);
  if (call) {
    say(`  authrep    cluster ${call.cluster}, timeout ${call.timeoutMs} ms`);
    for (const [n, v] of call.headers) say(`             ${n}: ${n === ":path" ? maskAuthrepPath(v, secrets) : v}`);
    const answerHeaders: Array<[string, string]> = opts.backendStatus === 409 ? [["3scale-rejection-reason", "limits_exceeded"]] : [];
    call.respond({ status: opts.backendStatus, headers: answerHeaders, body: "" });
    say(`  backend    answered ${opts.backendStatus}${answerHeaders.length ? " with 3scale-rejection-reason: limits_exceeded" : ""}`);
  } else {
    say("  authrep    none dispatched (the module decided locally)");
  }
  for (const d of differences(expected, call ? call.path : null)) say(`  note       ${d}`);
  const decided = await withTimeout(stream.whenRequestDecided(), 5000);
  const reply = stream.localResponse;
  if (decided === "continued") {
    // Gateway features (docs/features.md) may strip credentials or set identity headers.
    const changes = upstreamChanges(headers, stream.forwardedUpstream?.headers ?? headers, (p) => maskQuery(p, config, secrets));
    say(changes.length === 0 ? "verdict      continue: the request goes upstream unchanged" : "verdict      continue: the request goes upstream with changes");
    for (const c of changes) say(`             ${c}`);
  } else if (decided === "local-reply" && reply) {
    say(`verdict      local reply ${reply.status} ${q(reply.bodyText ?? "")}${reply.details ? ` (details ${reply.details})` : ""}`);
    for (const [n, v] of reply.additionalHeaders ?? []) say(`             ${n}: ${v}`);
  } else say(`verdict      ${decided}`);
  io.out(out.join("\n") + "\n");
  return EXIT_OK;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The system fetch path carries the system token as access_token. */
function maskAccessToken(path: string, secrets: Secrets): string {
  return path.replace(/([?&]access_token=)([^&]*)/, (_, name: string, value: string) => name + secrets.reveal(value));
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

