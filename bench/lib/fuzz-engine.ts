// The fuzz engine shared by test/robustness/fuzz.test.ts (a bounded CI run) and bench/fuzz.ts
// (long local runs). Each iteration is fully determined by its own seed (printed on failure, and
// replayable with `npm run fuzz -- --replay <area>:<seed>`). Three areas:
// - config:  random and mutated configurations (examples/*.yaml converted to JSON, then members
//            deleted/duplicated, types changed, deep nesting, random ops, random bytes, invalid
//            UTF-8, truncation) through on_configure, then a few requests through what was accepted;
// - request: random request headers (garbage, 64 KiB values, hundreds of headers, odd paths, raw
//            header bytes that are not UTF-8 — Envoy's HTTP/1 codec passes obs-text 0x80-0xFF
//            through) and random jwt_authn/other metadata against valid configurations;
// - backend: random 3scale backend answers (statuses, headers, bodies, failures, timeouts) and random
//            porta (system) answers, streams reset while their call is pending.
// Checked after every step: the VM never traps (vmState ok, no trapped phase/callback), linear memory
// stays under a page limit, every rejected configuration logs at least one `invalid configuration:`
// line and every accepted one a `configuration accepted` line.
import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { FailState, ProxyWasmSimulator, type HeaderValue, type HttpCall, type HttpCallResponseInit, type HttpStream, type JsonValue } from "../../src-host-sim/index.js";
import { loadSeed } from "../../src-host-sim/backend/index.js";
import { proxyConfigDocument } from "../../src-host-sim/system/simulator.js";
import { benchSeed } from "./configs.js";
import { concat, damageBytes, mutateTree, randomString, randomValue, serialize, type JsonTree } from "./mutate.js";
import { EXAMPLES_DIR, PRODUCT_WASM } from "./paths.js";
import { Prng } from "./prng.js";

export type FuzzArea = "config" | "request" | "backend";
export const FUZZ_AREAS: readonly FuzzArea[] = ["config", "request", "backend"];

export interface FuzzOptions {
  seed: number;
  /** stop starting iterations after this much wall time */
  budgetMs: number;
  maxIterations?: number;
  areas?: readonly FuzzArea[];
  wasmPath?: string;
  /** linear memory limit in 64 KiB pages (default 512 = 32 MiB) */
  pageLimit?: number;
  /** stop after this many failures (default 5) */
  maxFailures?: number;
  onProgress?: (r: FuzzReport) => void;
}

export interface FuzzFailure {
  area: FuzzArea;
  /** the iteration's seed: `npm run fuzz -- --replay <area>:<seed>` */
  seed: number;
  problem: string;
  /** the inputs of the iteration up to the failure (truncated) */
  trail: string[];
}

export interface FuzzReport {
  iterations: number;
  perArea: Record<FuzzArea, number>;
  configsAccepted: number;
  configsRejected: number;
  streams: number;
  backendAnswers: number;
  /** header values sent as raw bytes that are not UTF-8 (requests, responses, backend answers) */
  rawHeaderValues: number;
  maxPages: number;
  elapsedMs: number;
  failures: FuzzFailure[];
}

interface Inputs {
  wasm: Uint8Array;
  bases: Array<{ name: string; doc: JsonTree }>;
  porta: Map<string, JsonTree>;
  pageLimit: number;
}

let cachedInputs: { key: string; inputs: Inputs } | null = null;

/** loadInputs: the module bytes, the example configurations as JSON and porta answers for them. */
export function loadInputs(wasmPath = PRODUCT_WASM, pageLimit = 512): Inputs {
  const key = `${wasmPath}:${pageLimit}`;
  if (cachedInputs?.key === key) return cachedInputs.inputs;
  const bases: Inputs["bases"] = [];
  for (const f of readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".yaml") && f !== "seed.yaml").sort()) {
    const doc = parse(readFileSync(resolve(EXAMPLES_DIR, f), "utf8")) as JsonTree;
    if (doc !== null && typeof doc === "object" && !Array.isArray(doc) && "api" in doc) bases.push({ name: f, doc });
  }
  const seed = loadSeed(benchSeed());
  const porta = new Map<string, JsonTree>();
  for (const s of seed.store.services.values()) porta.set(s.id, proxyConfigDocument(s, seed.store, "production") as JsonTree);
  const inputs = { wasm: new Uint8Array(readFileSync(wasmPath)), bases, porta, pageLimit };
  cachedInputs = { key, inputs };
  return inputs;
}

/** iterationSeed: the seed of iteration `i` of a run seeded with `seed`. */
export function iterationSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

class Failure extends Error {}

/** One iteration: a fresh simulator, its inputs, the checks, the counters. */
class Iteration {
  readonly rng: Prng;
  readonly trail: string[] = [];
  sim!: ProxyWasmSimulator;
  accepted = 0;
  rejected = 0;
  streams = 0;
  answers = 0;
  rawHeaderValues = 0;
  maxPages = 0;

  constructor(
    readonly area: FuzzArea,
    readonly seed: number,
    readonly inputs: Inputs,
  ) {
    this.rng = new Prng(seed);
  }

  note(s: string): void {
    this.trail.push(s.length > 2000 ? `${s.slice(0, 2000)}… (${s.length} chars)` : s);
    if (this.trail.length > 40) this.trail.shift();
  }

  fail(problem: string): never {
    throw new Failure(problem);
  }

  /** check: the invariants that hold after every step. */
  check(what: string, trapped?: { message: string; exportName: string }): void {
    if (trapped) this.fail(`${what}: trap in ${trapped.exportName}: ${trapped.message}`);
    const vm = this.sim.vmState;
    if (vm.status !== "ok") this.fail(`${what}: VM failed: ${vm.reason ?? ""}`);
    const pages = this.sim.memoryPages;
    this.maxPages = Math.max(this.maxPages, pages);
    if (pages > this.inputs.pageLimit) this.fail(`${what}: linear memory grew to ${pages} pages (limit ${this.inputs.pageLimit})`);
  }

  base(): { name: string; doc: JsonTree } {
    const b = this.rng.pick(this.inputs.bases);
    return { name: b.name, doc: structuredClone(b.doc) };
  }

  /** mutatedConfig: a base example with structural mutations and, sometimes, byte damage. */
  mutatedConfig(): { bytes: Uint8Array; what: string } {
    const rng = this.rng;
    if (rng.chance(0.05)) {
      const v = randomValue(rng, 4);
      return { bytes: new TextEncoder().encode(serialize(v)), what: "random JSON value" };
    }
    const b = this.base();
    const steps: string[] = [];
    for (let n = rng.range(1, 4); n > 0; n--) steps.push(mutateTree(rng, b.doc));
    let bytes: Uint8Array = new TextEncoder().encode(serialize(b.doc));
    if (rng.chance(0.25)) {
      const d = damageBytes(rng, bytes);
      bytes = d.bytes;
      steps.push(d.what);
    }
    return { bytes, what: `${b.name}: ${steps.join(", ")}` };
  }

  async create(config: Uint8Array, what: string): Promise<boolean> {
    const rootId = this.rng.pick(["", "threescale-wasm-auth", "other"]);
    const logLevel = this.rng.pick(["trace", "debug", "info"] as const);
    this.note(`create root_id=${JSON.stringify(rootId)} log=${logLevel} config (${what}): ${textOf(config)}`);
    this.sim = await ProxyWasmSimulator.create(this.inputs.wasm, { rootId, pluginConfiguration: config, logLevel, keepLogs: true, trace: false, httpCallHistory: false });
    const mark = this.sim.logs.length;
    const r = this.sim.start();
    if (r.trapped) this.fail(`start: trap in ${r.trapped.exportName}: ${r.trapped.message}`);
    this.checkDiagnostics(mark, r.ok, "start");
    if (!r.ok) {
      // A rejected first configuration fails the VM (Envoy: the listener does not load) — expected.
      if (r.failState !== FailState.ConfigureFailed) this.fail(`start failed with FailState ${r.failState}`);
      return false;
    }
    this.check("start");
    return true;
  }

  reconfigure(config: Uint8Array, what: string): boolean {
    this.note(`reconfigure (${what}): ${textOf(config)}`);
    const mark = this.sim.logs.length;
    const ok = this.sim.reconfigure(config);
    this.check("reconfigure");
    this.checkDiagnostics(mark, ok, "reconfigure");
    return ok;
  }

  private checkDiagnostics(mark: number, accepted: boolean, what: string): void {
    const lines = this.sim.logs.slice(mark).map((l) => l.message);
    if (accepted) {
      this.accepted++;
      if (!lines.some((l) => l.startsWith("configuration accepted"))) this.fail(`${what}: accepted without a "configuration accepted" line: ${JSON.stringify(lines.slice(0, 5))}`);
    } else {
      this.rejected++;
      if (!lines.some((l) => l.startsWith("invalid configuration:"))) this.fail(`${what}: rejected without an "invalid configuration:" line: ${JSON.stringify(lines.slice(0, 5))}`);
    }
  }

  // ---- requests -------------------------------------------------------------------------------

  /** A request that some example configuration accepts, or garbage, or something in between. */
  request(garbage: boolean, credentialed = false): { headers: Array<[string, HeaderValue]>; metadata?: Record<string, Record<string, JsonValue>> } {
    const rng = this.rng;
    if (credentialed) {
      // Every credential the examples read, all valid: whatever the configuration, a call goes out.
      return {
        headers: [
          [":method", rng.pick(["GET", "POST"])],
          [":path", `${rng.pick(["/", "/products/", "/oidc", "/products/7/sold"])}?user_key=user_key_demo&app_id=aladdin&app_key=opensesame`],
          [":authority", rng.pick(["api.example.com", "apps.localhost", "localhost", "127.0.0.1:8080"])],
          [":scheme", "http"],
          ["authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"],
          ["x-jwt-payload", "eyJhenAiOiJhbGFkZGluIiwiYXVkIjoieCJ9"],
          ["user_key", "user_key_demo"],
          ["app_id", "aladdin"],
          ["app_key", "opensesame"],
        ],
        metadata: { "envoy.filters.http.jwt_authn": { my_provider: { azp: "aladdin", aud: ["aladdin", "x"] } } },
      };
    }
    const path = garbage ? randomPath(rng) : rng.pick(["/", "/products/", "/products/7/sold", "/oidc", "/x?bigsale=1", "/a/b/c"]);
    const query = rng.pick(["", "?user_key=user_key_demo", "?app_id=aladdin&app_key=opensesame", "?user_key=", "?user_key=%zz%", "?app_id=aladdin"]);
    const headers: Array<[string, HeaderValue]> = [];
    if (!garbage || rng.chance(0.9)) headers.push([":method", garbage ? rng.pick(["GET", "POST", "", "get", "X".repeat(300), randomString(rng)]) : rng.pick(["GET", "POST", "DELETE"])]);
    if (!garbage || rng.chance(0.9)) headers.push([":path", path + (path.includes("?") ? "" : query)]);
    if (!garbage || rng.chance(0.9)) headers.push([":authority", garbage ? rng.pick(["", "api.example.com", "a:99999", "[::1]", "😀.example", randomString(rng)]) : rng.pick(["api.example.com", "127.0.0.1:8080", "svc.example.net"])]);
    headers.push([":scheme", rng.pick(["http", "https"])]);
    const auth = rng.int(8);
    if (auth === 0) headers.push(["authorization", `Basic ${Buffer.from(rng.pick(["aladdin:opensesame", "admin:", "longenusername", "bob:secret", randomString(rng)])).toString("base64")}`]);
    else if (auth === 1) headers.push(["authorization", rng.pick(["Basic", "Basic ", "Basic !!!", "basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer x.y.z", randomString(rng)])]);
    else if (auth === 2) headers.push(["x-jwt-payload", rng.chance(0.5) ? Buffer.from(JSON.stringify(randomValue(rng, 3))).toString("base64url") : randomString(rng)]);
    else if (auth === 3) headers.push(["user_key", rng.pick(["user_key_demo", "", randomString(rng)])]);
    if (garbage) {
      for (let n = rng.pick([0, 1, 3, 10, 100]); n > 0; n--) headers.push([randomHeaderName(rng), randomHeaderValue(rng)]);
      if (rng.chance(0.1)) headers.push([rng.pick(["authorization", "user_key", "x-jwt-payload", "cookie"]), rng.string(65536)]);
    }
    // Invalid UTF-8 in otherwise plausible values (a credential, :path, :authority…): the bytes
    // land before, inside or after whatever the module parses (Basic's base64, a query value).
    if (rng.chance(garbage ? 0.3 : 0.1)) {
      for (let n = rng.range(1, 3); n > 0 && headers.length > 0; n--) {
        const i = rng.int(headers.length);
        headers[i] = [headers[i]![0], withInvalidUtf8(rng, headers[i]![1])];
      }
    }
    const md = rng.int(4);
    let metadata: Record<string, Record<string, JsonValue>> | undefined;
    if (md === 0) metadata = { "envoy.filters.http.jwt_authn": { [rng.pick(["my_provider", "p", ""])]: { azp: "aladdin", aud: ["aladdin", "x"], iss: "https://sso" } } };
    else if (md === 1) metadata = { [rng.pick(["envoy.filters.http.jwt_authn", "other", ""])]: randomMetadata(rng) };
    return metadata ? { headers, metadata } : { headers };
  }

  /** stream runs one request through the filter; backend calls are answered by `answer`. */
  stream(garbage: boolean, answer: (call: HttpCall) => void, credentialed = false): void {
    const rng = this.rng;
    const req = this.request(garbage, credentialed);
    this.note(`request ${JSON.stringify(req.headers.map(([k, v]) => [k, noteValue(v)]))}${req.metadata ? ` metadata ${JSON.stringify(req.metadata).slice(0, 500)}` : ""}`);
    const s = this.sim.newHttpStream(req.metadata ? { metadata: req.metadata as never } : {});
    this.streams++;
    this.countRaw(req.headers);
    const eos = rng.chance(0.8);
    this.check("request headers", s.sendRequestHeaders(req.headers, { endOfStream: eos }).trapped);
    if (!eos && s.alive) this.check("request body", s.sendRequestBody(rng.bytes(rng.range(0, 100)), { endOfStream: true }).trapped);
    for (const call of this.sim.httpCalls.pending().filter((c) => !isSystemFetch(c))) {
      if (rng.chance(0.1)) {
        this.note("stream reset while its call is pending");
        this.check("reset", s.reset().trapped);
      }
      answer(call);
      this.answers++;
    }
    if (s.status === "active" && rng.chance(0.9)) {
      const response: Array<[string, HeaderValue]> = [[":status", String(rng.pick([200, 404, 500]))], ["content-length", "0"]];
      if (rng.chance(0.1)) response.push([rng.pick(["content-type", "x-raw", "3scale-rejection-reason"]), withInvalidUtf8(rng, "text/plain")]);
      this.countRaw(response);
      this.check("response headers", s.sendResponseHeaders(response, { endOfStream: true }).trapped);
    }
    if (s.alive) this.check("complete", (rng.chance(0.9) ? s.complete() : s.reset()).trapped);
  }

  private countRaw(headers: ReadonlyArray<readonly [string, HeaderValue]>): void {
    for (const [, v] of headers) if (typeof v !== "string") this.rawHeaderValues++;
  }

  answerOk(call: HttpCall): void {
    this.note(`answer ${call.cluster} ${call.path.slice(0, 300)} → 200`);
    this.check("backend answer", call.respond({ status: 200, headers: [["content-type", "application/vnd.3scale-v2.0+xml"]] }).trapped);
  }

  answerRandom(call: HttpCall): void {
    const rng = this.rng;
    const kind = rng.int(10);
    if (kind === 0) {
      this.note(`fail ${call.cluster} ${call.path.slice(0, 300)}`);
      this.check("backend failure", call.fail(rng.pick(["reset", "overflow", ""])).trapped);
      return;
    }
    if (kind === 1) {
      this.note(`timeout ${call.cluster} ${call.path.slice(0, 300)} (${call.timeoutMs} ms)`);
      this.sim.advanceTime(Math.max(call.timeoutMs, 1) + 1);
      this.check("backend timeout");
      if (call.pending) call.respond({ status: 504 });
      return;
    }
    const r = randomBackendAnswer(rng);
    const headers = (r.headers ?? []) as Array<[string, HeaderValue]>;
    this.countRaw(headers);
    this.note(`answer ${call.cluster} ${call.path.slice(0, 300)} → ${r.status} ${JSON.stringify(headers.map(([k, v]) => [k, noteValue(v)]))} body ${textOf(r.body as Uint8Array)}`);
    this.check("backend answer", call.respond(r).trapped);
  }

  /** answerSystem: porta answers (valid, mutated or garbage) to every pending system fetch. */
  answerSystem(): void {
    const rng = this.rng;
    for (const call of this.sim.httpCalls.pending().filter(isSystemFetch)) {
      const m = /services\/([^/]+)\//.exec(call.path);
      const doc = structuredClone(this.inputs.porta.get(m?.[1] ?? "") ?? rng.pick([...this.inputs.porta.values()]));
      let body: Uint8Array;
      let what = "valid";
      const k = rng.int(4);
      if (k === 0) body = new TextEncoder().encode(serialize(doc));
      else if (k === 1) {
        const steps: string[] = [];
        for (let n = rng.range(1, 4); n > 0; n--) steps.push(mutateTree(rng, doc));
        body = new TextEncoder().encode(serialize(doc));
        what = steps.join(", ");
      } else if (k === 2) {
        const d = damageBytes(rng, new TextEncoder().encode(serialize(doc)));
        body = d.bytes;
        what = d.what;
      } else {
        body = rng.bytes(rng.range(0, 200));
        what = "random bytes";
      }
      const status = rng.pick([200, 200, 200, 403, 404, 500, 0]);
      this.note(`system answer ${call.path.slice(0, 200)} → ${status} (${what}) ${textOf(body)}`);
      if (rng.chance(0.1)) this.check("system failure", call.fail().trapped);
      else this.check("system answer", call.respond({ status, headers: [["content-type", "application/json"]], body }).trapped);
      this.answers++;
    }
  }

  // ---- areas ------------------------------------------------------------------------------------

  async runConfig(): Promise<void> {
    const rng = this.rng;
    if (rng.chance(0.2)) {
      const c = this.mutatedConfig();
      if (!(await this.create(c.bytes, c.what))) return; // a rejected first configuration fails the VM
    } else {
      const b = this.base();
      if (!(await this.create(new TextEncoder().encode(serialize(b.doc)), b.name))) this.fail(`example ${b.name} was rejected`);
    }
    for (let n = rng.range(2, 5); n > 0; n--) {
      const c = this.mutatedConfig();
      this.reconfigure(c.bytes, c.what);
      this.answerSystem();
      // Whatever configuration is in force (mutated ops included) runs on a few requests.
      for (let r = rng.range(1, 3); r > 0; r--) this.stream(rng.chance(0.3), (call) => this.answerOk(call), rng.chance(0.5));
    }
  }

  async runRequest(): Promise<void> {
    const b = this.base();
    if (!(await this.create(new TextEncoder().encode(serialize(b.doc)), b.name))) this.fail(`example ${b.name} was rejected`);
    this.answerSystem();
    for (let n = 20; n > 0; n--) this.stream(this.rng.chance(0.8), (call) => this.answerOk(call));
  }

  async runBackend(): Promise<void> {
    const b = this.base();
    if (!(await this.create(new TextEncoder().encode(serialize(b.doc)), b.name))) this.fail(`example ${b.name} was rejected`);
    for (let n = 15; n > 0; n--) {
      this.answerSystem();
      const garbage = this.rng.chance(0.15);
      this.stream(garbage, (call) => this.answerRandom(call), !garbage && this.rng.chance(0.8));
      if (this.rng.chance(0.2)) {
        const ms = this.rng.pick([1000, 60_000, 400_000]);
        this.note(`advance time ${ms} ms`);
        this.sim.advanceTime(ms);
        this.check("ticks");
      }
    }
    this.answerSystem();
  }
}

/** System (porta) fetches ask for /admin/api/…; everything else is a backend call. */
function isSystemFetch(call: HttpCall): boolean {
  return call.path.includes("/admin/api/");
}

function textOf(b: Uint8Array | string | undefined): string {
  if (b === undefined) return "";
  if (typeof b === "string") return b.length > 1500 ? `${b.slice(0, 1500)}…` : b;
  const s = Buffer.from(b.subarray(0, 1500)).toString("latin1");
  return b.length > 1500 ? `${JSON.stringify(s)}… (${b.length} bytes)` : JSON.stringify(s);
}

function randomPath(rng: Prng): string {
  switch (rng.int(7)) {
    case 0: return "";
    case 1: return "/" + rng.string(rng.range(0, 40));
    case 2: return "/%" + rng.string(2, "0123456789abcdefxyz%") + "?%ff%fe=%00&&=&" + rng.string(5);
    case 3: return "*";
    case 4: return "/" + "a/".repeat(rng.range(100, 3000)) + "?" + "k=v&".repeat(rng.range(1, 2000));
    case 5: return "http://api.example.com/absolute?user_key=x";
    default: return "/products/" + randomString(rng) + "?" + randomString(rng) + "=" + randomString(rng);
  }
}

function randomHeaderName(rng: Prng): string {
  return rng.pick([":method", ":path", ":authority", ":status", "user_key", "authorization", "x-jwt-payload", "", rng.string(rng.range(1, 30)), "X-UPPER", "\u00e9t\u00e9"]);
}

/** Byte sequences that are not UTF-8: lone continuation/lead bytes, truncated, overlong, surrogates, > U+10FFFF. */
const INVALID_UTF8: readonly number[][] = [
  [0x80], [0xbf], [0xff], [0xfe], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf0, 0x80, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3],
];

/**
 * withInvalidUtf8: the UTF-8 of `v` (a string, or bytes already) with invalid sequences inserted
 * at random places (start, end, anywhere inside), or replaced outright by obs-text bytes.
 */
function withInvalidUtf8(rng: Prng, v: HeaderValue): Uint8Array {
  const base = typeof v === "string" ? new TextEncoder().encode(v) : v;
  if (rng.chance(0.15)) return Uint8Array.from({ length: rng.range(1, 40) }, () => 0x80 + rng.int(0x80));
  let out = base;
  for (let n = rng.range(1, 3); n > 0; n--) {
    const at = rng.pick([0, out.length, rng.int(out.length + 1)]);
    out = concat(out.subarray(0, at), Uint8Array.from(rng.pick(INVALID_UTF8)), out.subarray(at));
  }
  return out;
}

/** noteValue: a header value for the trail (long values cut, raw bytes as hex). */
function noteValue(v: HeaderValue): string {
  if (typeof v === "string") return v.length > 200 ? `${v.slice(0, 200)}…(${v.length})` : v;
  const hex = Buffer.from(v.subarray(0, 200)).toString("hex");
  return `<raw ${v.length} bytes: ${hex}${v.length > 200 ? "…" : ""}>`;
}

function randomHeaderValue(rng: Prng): HeaderValue {
  switch (rng.int(6)) {
    case 5: return withInvalidUtf8(rng, rng.chance(0.5) ? randomString(rng) : "");
    case 0: return "";
    case 1: return rng.string(rng.range(1, 200));
    case 2: return String.fromCharCode(...Array.from({ length: rng.range(1, 50) }, () => rng.int(0x10000)));
    case 3: return rng.string(rng.pick([1024, 8192, 65536]));
    default: return randomString(rng);
  }
}

function randomMetadata(rng: Prng): Record<string, JsonValue> {
  const v = randomValue(rng, 5);
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, JsonValue>;
  return { [rng.pick(["0", "my_provider", "azp"])]: v as JsonValue };
}

const XML_OK = '<?xml version="1.0" encoding="UTF-8"?><status><authorized>true</authorized><plan>Basic</plan></status>';
const XML_DENIED = '<?xml version="1.0" encoding="UTF-8"?><status><authorized>false</authorized><reason>usage limits are exceeded</reason></status>';
const XML_ERROR = '<?xml version="1.0" encoding="UTF-8"?><error code="user_key_invalid">user key "x" is invalid</error>';

function randomBackendAnswer(rng: Prng): HttpCallResponseInit {
  const status = rng.chance(0.8) ? rng.pick([200, 200, 200, 201, 202, 204, 302, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]) : rng.range(0, 999);
  const headers: Array<[string, HeaderValue]> = [];
  if (rng.chance(0.7)) headers.push(["content-type", rng.pick(["application/vnd.3scale-v2.0+xml", "text/plain", "", randomString(rng)])]);
  if (rng.chance(0.4)) headers.push(["3scale-rejection-reason", rng.pick(["limits_exceeded", "user_key_invalid", "application_not_found", "", randomString(rng), "x".repeat(5000)])]);
  if (rng.chance(0.1)) headers.push([rng.pick(["3scale-rejection-reason", "content-type", "3scale-limit-remaining"]), withInvalidUtf8(rng, rng.pick(["limits_exceeded", "application/vnd.3scale-v2.0+xml", "5"]))]);
  if (rng.chance(0.3)) headers.push(["3scale-limit-remaining", rng.pick(["0", "-1", "99999999999999999999", "abc", ""])]);
  if (rng.chance(0.3)) headers.push(["3scale-limit-reset", rng.pick(["0", "-1", "1e9", "abc", ""])]);
  if (rng.chance(0.2)) for (let n = rng.range(1, 50); n > 0; n--) headers.push([randomHeaderName(rng), randomHeaderValue(rng)]);
  const enc = new TextEncoder();
  const body = rng.pick([
    () => new Uint8Array(0),
    () => enc.encode(rng.pick([XML_OK, XML_DENIED, XML_ERROR])),
    () => enc.encode(rng.pick([XML_OK, XML_DENIED, XML_ERROR]).slice(0, rng.range(0, 80))),
    () => rng.bytes(rng.range(1, 500)),
    () => concat(enc.encode("<status>"), rng.bytes(100_000)),
  ])();
  return { status, headers, body };
}

/** runIteration runs one iteration; it returns the failure, if any, and the counters. */
export async function runIteration(area: FuzzArea, seed: number, inputs = loadInputs()): Promise<{ failure: FuzzFailure | null; it: Iteration }> {
  const it = new Iteration(area, seed, inputs);
  try {
    if (area === "config") await it.runConfig();
    else if (area === "request") await it.runRequest();
    else await it.runBackend();
    return { failure: null, it };
  } catch (e) {
    const problem = e instanceof Failure ? e.message : `harness error: ${(e as Error).stack ?? String(e)}`;
    return { failure: { area, seed, problem, trail: it.trail.slice() }, it };
  }
}

/** runFuzz runs iterations (areas in turn) until the time budget or the iteration count is spent. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const inputs = loadInputs(opts.wasmPath ?? PRODUCT_WASM, opts.pageLimit ?? 512);
  const areas = opts.areas ?? FUZZ_AREAS;
  const report: FuzzReport = {
    iterations: 0,
    perArea: { config: 0, request: 0, backend: 0 },
    configsAccepted: 0,
    configsRejected: 0,
    streams: 0,
    backendAnswers: 0,
    rawHeaderValues: 0,
    maxPages: 0,
    elapsedMs: 0,
    failures: [],
  };
  const t0 = Date.now();
  const maxIterations = opts.maxIterations ?? Number.POSITIVE_INFINITY;
  const maxFailures = opts.maxFailures ?? 5;
  let lastProgress = t0;
  for (let i = 0; i < maxIterations && Date.now() - t0 < opts.budgetMs && report.failures.length < maxFailures; i++) {
    const area = areas[i % areas.length]!;
    const { failure, it } = await runIteration(area, iterationSeed(opts.seed, i), inputs);
    report.iterations++;
    report.perArea[area]++;
    report.configsAccepted += it.accepted;
    report.configsRejected += it.rejected;
    report.streams += it.streams;
    report.backendAnswers += it.answers;
    report.rawHeaderValues += it.rawHeaderValues;
    report.maxPages = Math.max(report.maxPages, it.maxPages);
    if (failure) report.failures.push(failure);
    if (opts.onProgress && Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      report.elapsedMs = lastProgress - t0;
      opts.onProgress(report);
    }
  }
  report.elapsedMs = Date.now() - t0;
  return report;
}

export function formatFailure(f: FuzzFailure): string {
  return [`FAIL ${f.area}:${f.seed} — ${f.problem}`, `  replay: npm run fuzz -- --replay ${f.area}:${f.seed}`, ...f.trail.map((t) => `  | ${t}`)].join("\n");
}
