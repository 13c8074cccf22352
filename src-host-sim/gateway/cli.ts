// The gateway's command line: arguments and environment → options, the start-up banner with
// ready-to-paste curl commands, and one-line errors (exit code 1). main.ts only wires it to the
// process; tests call runGatewayCli directly. OPTIONS is the one list behind parsing and --help.
import { relative, resolve } from "node:path";
import type { LogLevelName } from "../index.js";
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from "./admission.js";
import { DEFAULT_UPSTREAM_IDLE_MS } from "./forward.js";
import { DEFAULT_CONFIG, DEFAULT_MODULE, DEFAULT_SEED, Gateway, GatewayError, type GatewayOptions, REPO_ROOT } from "./gateway.js";

export interface Parsed {
  options: GatewayOptions;
  help: boolean;
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical"];

interface OptionSpec {
  flags: string[];
  value: string;
  env?: string;
  help: string;
  default: string;
  apply(o: GatewayOptions, v: string, flag: string): void;
}

function port(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new GatewayError(`${flag} "${v}": expected a port number 0-65535`);
  return Number(v);
}

function count(v: string, flag: string, what: string): number {
  if (!/^\d+$/.test(v)) throw new GatewayError(`${flag} "${v}": expected ${what}`);
  return Number(v);
}

/** bytes: a count of bytes, with an optional k/K/m/M (×1024) suffix. */
function bytes(v: string, flag: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(v);
  if (!m) throw new GatewayError(`${flag} "${v}": expected a number of bytes (e.g. 1048576, 512k, 2m)`);
  const unit = m[2]!.toLowerCase() === "k" ? 1024 : m[2]!.toLowerCase() === "m" ? 1024 * 1024 : 1;
  return Number(m[1]) * unit;
}

function addCluster(o: GatewayOptions, spec: string): void {
  const eq = spec.indexOf("=");
  if (eq <= 0 || eq === spec.length - 1) throw new GatewayError(`--cluster "${spec}": expected NAME=URL`);
  (o.clusters ??= {})[spec.slice(0, eq)] = spec.slice(eq + 1);
}

export const OPTIONS: OptionSpec[] = [
  { flags: ["-c", "--config"], value: "FILE", env: "GATEWAY_CONFIG", default: DEFAULT_CONFIG,
    help: "plugin configuration (YAML or JSON): a pluginConfig, or a whole WasmPlugin",
    apply: (o, v) => { o.configPath = resolve(v); } },
  { flags: ["-p", "--port"], value: "N", env: "GATEWAY_PORT", default: "8080",
    help: "port the gateway listens on (0: any free port)",
    apply: (o, v, f) => { o.port = port(v, f); } },
  { flags: ["--host"], value: "ADDR", env: "GATEWAY_HOST", default: "127.0.0.1",
    help: "address the gateway and the simulators listen on",
    apply: (o, v) => { o.host = v; } },
  { flags: ["--seed"], value: "FILE", env: "GATEWAY_SEED", default: DEFAULT_SEED,
    help: "services, applications and limits of the 3scale simulators",
    apply: (o, v) => { o.seedPath = resolve(v); } },
  { flags: ["--module"], value: "FILE", env: "GATEWAY_MODULE", default: DEFAULT_MODULE,
    help: "the Wasm module to run",
    apply: (o, v) => { o.modulePath = resolve(v); } },
  { flags: ["--cluster"], value: "NAME=URL", env: "GATEWAY_CLUSTERS", default: "the configuration's backend and system clusters → the simulators",
    help: "send the module's calls to cluster NAME to URL (repeatable; the variable takes NAME=URL,NAME=URL)",
    apply: (o, v) => addCluster(o, v) },
  { flags: ["--upstream"], value: "URL", env: "GATEWAY_UPSTREAM", default: "the built-in echo upstream",
    help: "where allowed requests go",
    apply: (o, v) => { o.upstreamUrl = v; } },
  { flags: ["--backend-port"], value: "N", default: "any free port",
    help: "port of the 3scale backend simulator",
    apply: (o, v, f) => { o.backendPort = port(v, f); } },
  { flags: ["--system-port"], value: "N", default: "any free port",
    help: "port of the 3scale system simulator",
    apply: (o, v, f) => { o.systemPort = port(v, f); } },
  { flags: ["--log-level"], value: "LEVEL", env: "GATEWAY_LOG_LEVEL", default: "info",
    help: "trace|debug|info|warn|error|critical: module lines and the access log (info) at or above it",
    apply: (o, v, f) => {
      if (!LEVELS.includes(v)) throw new GatewayError(`${f} "${v}": expected trace|debug|info|warn|error|critical`);
      o.logLevel = v as LogLevelName;
    } },
  { flags: ["--max-request-body"], value: "BYTES", env: "GATEWAY_MAX_REQUEST_BODY", default: `${DEFAULT_MAX_REQUEST_BODY_BYTES} (1 MiB, Envoy's buffer limit)`,
    help: "larger request bodies get 413 Payload Too Large; smaller ones stream to the upstream (k and m suffixes allowed)",
    apply: (o, v, f) => { o.maxRequestBodyBytes = bytes(v, f); } },
  { flags: ["--upstream-idle-timeout"], value: "MS", env: "GATEWAY_UPSTREAM_IDLE_TIMEOUT", default: `${DEFAULT_UPSTREAM_IDLE_MS} (below the echo upstream's 5000)`,
    help: "idle connections to the upstream are closed after this many ms; keep it below the upstream's keep-alive timeout",
    apply: (o, v, f) => { o.upstreamIdleMs = count(v, f, "milliseconds"); } },
  { flags: ["--drain-timeout"], value: "MS", env: "GATEWAY_DRAIN_TIMEOUT", default: "5000",
    help: "on SIGTERM/SIGINT, requests in flight get this long to finish",
    apply: (o, v, f) => { o.drainMs = count(v, f, "milliseconds"); } },
];

export function usage(): string {
  const lines = [
    "usage: npm start -- [OPTION]...",
    "",
    "Runs the filter module in an Envoy-like local gateway, with simulators standing in for 3scale's",
    "backend and system and an echo upstream. Every option can also be set by the environment",
    "variable shown; a flag wins over its variable. SIGTERM or SIGINT (Ctrl-C) stops it gracefully.",
    "",
    "options:",
  ];
  for (const o of OPTIONS) {
    lines.push(`  ${o.flags.join(", ")} ${o.value}${o.env ? `   [env ${o.env}]` : ""}`);
    lines.push(`      ${o.help}`);
    lines.push(`      default: ${o.default}`);
  }
  lines.push("  -h, --help", "      print this help and exit (exit code 0)", "");
  lines.push("exit codes: 0 stopped normally or --help; 1 bad option or the gateway could not start.", "");
  return lines.join("\n");
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Parsed {
  const options: GatewayOptions = { clusters: {} };
  for (const o of OPTIONS) {
    const v = o.env ? env[o.env] : undefined;
    if (!v) continue;
    if (o.flags.includes("--cluster")) {
      for (const spec of v.split(",").filter((s) => s.trim() !== "")) addCluster(options, spec.trim());
    } else o.apply(options, v, o.env!);
  }
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (flag === "-h" || flag === "--help") {
      help = true;
      continue;
    }
    const spec = OPTIONS.find((o) => o.flags.includes(flag));
    if (!spec) throw new GatewayError(`unknown argument "${arg}" (see --help)`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new GatewayError(`${flag}: missing value`);
    spec.apply(options, v, flag);
  }
  return { options, help };
}

const show = (p: string) => {
  const r = relative(process.cwd(), p);
  return r.startsWith("..") ? p : r;
};

export function banner(gw: Gateway, usingDefaults: boolean): string {
  const base = gw.url.replace(/\/$/, "");
  const lines = [
    `threescale-wasm-auth gateway listening on ${base}`,
    `  config    ${show(gw.configPath)}`,
    `  backend   ${gw.backend.url} (3scale backend simulator)`,
    `  system    ${gw.system.url} (3scale system simulator)`,
    `  upstream  ${gw.upstreamUrl}${gw.upstream ? " (echo)" : ""}`,
    ...Object.entries(gw.clusters).map(([name, url]) => `  cluster   ${name} -> ${url}`),
    "",
  ];
  if (usingDefaults) {
    lines.push(
      "Try it:",
      "  # authorized: 200 and the upstream's echo of the request",
      `  curl -i '${base}/?user_key=user_key_demo'`,
      "  # missing credentials: 403 Authentication parameters missing",
      `  curl -i '${base}/'`,
      "  # wrong key: 403 Authentication failed",
      `  curl -i '${base}/?user_key=wrong_key'`,
      "  # limit exceeded: the plan allows 3 hits per minute, the 4th request gets 429",
      `  for i in 1 2 3 4; do curl -s -o /dev/null -w '%{http_code}\\n' '${base}/?user_key=limited_demo'; done`,
      "  # app_id + app_key service",
      `  curl -i -H 'Host: apps.localhost' '${base}/?app_id=aladdin&app_key=opensesame'`,
      "",
    );
  } else {
    lines.push(`Send requests to ${base}/ (Ctrl-C to stop).`, "");
  }
  return lines.join("\n");
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export type CliResult = { code: 0; gateway: Gateway | null } | { code: 1; gateway: null };

/** Parses, starts the gateway and prints the banner; any failure is one `error: …` line. */
export async function runGatewayCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo, extra: Partial<GatewayOptions> = {}): Promise<CliResult> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv, env);
  } catch (e) {
    io.err(`error: ${(e as Error).message.split("\n")[0]}\n`);
    return { code: 1, gateway: null };
  }
  if (parsed.help) {
    io.out(usage());
    return { code: 0, gateway: null };
  }
  const opts: GatewayOptions = { ...parsed.options, ...extra };
  opts.onLog ??= (line) => io.err(`${line}\n`);
  const usingDefaults =
    (opts.configPath === undefined || opts.configPath === resolve(REPO_ROOT, DEFAULT_CONFIG)) &&
    (opts.seedPath === undefined || opts.seedPath === resolve(REPO_ROOT, DEFAULT_SEED)) &&
    Object.keys(opts.clusters ?? {}).length === 0;
  try {
    const gateway = await Gateway.start(opts);
    io.out(banner(gateway, usingDefaults));
    return { code: 0, gateway };
  } catch (e) {
    const msg = e instanceof GatewayError ? e.message : `unexpected error: ${(e as Error).message ?? e}`;
    io.err(`error: ${msg.split("\n")[0]}\n`);
    return { code: 1, gateway: null };
  }
}
