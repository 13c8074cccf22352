// The gateway's command line: arguments and environment → options, the start-up banner with
// ready-to-paste curl commands, and one-line errors (exit code 1). main.ts only wires it to the
// process; tests call runGatewayCli directly.
//
//   npm start -- [--config FILE] [--port N] [--host H] [--seed FILE] [--module FILE]
//                [--cluster NAME=URL]... [--upstream URL] [--log-level LEVEL]
// Environment: GATEWAY_CONFIG, GATEWAY_PORT, GATEWAY_SEED, GATEWAY_UPSTREAM, GATEWAY_LOG_LEVEL,
// GATEWAY_CLUSTERS ("name=url,name=url").
import { relative, resolve } from "node:path";
import type { LogLevelName } from "../index.js";
import { DEFAULT_CONFIG, DEFAULT_SEED, Gateway, GatewayError, type GatewayOptions, REPO_ROOT } from "./gateway.js";

const USAGE = `usage: npm start -- [--config FILE] [--port N] [--host H] [--seed FILE] [--module FILE]
                    [--cluster NAME=URL]... [--upstream URL] [--log-level trace|debug|info|warn|error]`;

export interface Parsed {
  options: GatewayOptions;
  help: boolean;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Parsed {
  const options: GatewayOptions = { clusters: {} };
  const addCluster = (spec: string) => {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new GatewayError(`--cluster "${spec}": expected NAME=URL`);
    options.clusters![spec.slice(0, eq)] = spec.slice(eq + 1);
  };
  const port = (v: string, flag: string) => {
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new GatewayError(`${flag} "${v}": expected a port number 0-65535`);
    return Number(v);
  };
  if (env["GATEWAY_CONFIG"]) options.configPath = resolve(env["GATEWAY_CONFIG"]);
  if (env["GATEWAY_PORT"]) options.port = port(env["GATEWAY_PORT"], "GATEWAY_PORT");
  if (env["GATEWAY_SEED"]) options.seedPath = resolve(env["GATEWAY_SEED"]);
  if (env["GATEWAY_UPSTREAM"]) options.upstreamUrl = env["GATEWAY_UPSTREAM"];
  if (env["GATEWAY_LOG_LEVEL"]) options.logLevel = env["GATEWAY_LOG_LEVEL"] as LogLevelName;
  for (const spec of (env["GATEWAY_CLUSTERS"] ?? "").split(",").filter((s) => s.trim() !== "")) addCluster(spec.trim());

  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new GatewayError(`${flag}: missing value`);
      return v;
    };
    switch (flag) {
      case "-h":
      case "--help":
        help = true;
        break;
      case "-c":
      case "--config":
        options.configPath = resolve(value());
        break;
      case "-p":
      case "--port":
        options.port = port(value(), flag);
        break;
      case "--host":
        options.host = value();
        break;
      case "--seed":
        options.seedPath = resolve(value());
        break;
      case "--module":
        options.modulePath = resolve(value());
        break;
      case "--cluster":
        addCluster(value());
        break;
      case "--upstream":
        options.upstreamUrl = value();
        break;
      case "--backend-port":
        options.backendPort = port(value(), flag);
        break;
      case "--system-port":
        options.systemPort = port(value(), flag);
        break;
      case "--log-level": {
        const l = value();
        if (!["trace", "debug", "info", "warn", "error", "critical"].includes(l)) throw new GatewayError(`--log-level "${l}": expected trace|debug|info|warn|error`);
        options.logLevel = l as LogLevelName;
        break;
      }
      default:
        throw new GatewayError(`unknown argument "${arg}" (see --help)`);
    }
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
    io.out(`${USAGE}\n`);
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
