// threescale-wasm-auth CLI: argument parsing and dispatch only; each command lives in
// commands/<name>.ts. `runCli` is exported so tests run the CLI in-process; the process entry
// (node dist/src-host-sim/cli/main.js, bin/threescale-wasm-auth.mjs) runs it on process.argv.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { convertHelp, runConvert, type ConvertFormat } from "./commands/convert.js";
import { runTrace, traceHelp } from "./commands/trace.js";
import { runValidate, validateHelp } from "./commands/validate.js";
import { EXIT_OK, EXIT_USAGE, type Io, processIo, UsageError } from "./lib/io.js";

export const mainHelp = `Usage: threescale-wasm-auth <command> [options]

Commands:
  validate <file>   check a configuration (YAML, JSON or WasmPlugin manifest) with the JSON
                    Schema and the real module; problems with file:line:column and JSON path
  convert <file>    print the JSON the module receives, plain and as an Envoy StringValue
  trace <config> --request 'GET https://host/path?x=1' [-H 'name: value']...
                    run one request through the real module and explain its decision

Run \`threescale-wasm-auth <command> --help\` for a command's options.
Exit status: 0 done (validate: valid; trace: traced, even when the request is denied),
1 invalid configuration (or, with validate --strict, warnings), 2 usage error.
`;

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMANDS: Record<string, { help: string; options: Options; positionals: number; maxPositionals?: number; run: (values: Record<string, unknown>, positionals: string[], io: Io) => Promise<number> | number }> = {
  validate: {
    help: validateHelp,
    options: { "schema-only": { type: "boolean" }, json: { type: "boolean" }, strict: { type: "boolean" } },
    positionals: 1,
    run: (v, p, io) => runValidate({ file: p[0], schemaOnly: v["schema-only"] === true, json: v.json === true, strict: v.strict === true }, io),
  },
  convert: {
    help: convertHelp,
    options: { format: { type: "string" } },
    positionals: 1,
    run: (v, p, io) => {
      const format = (v.format ?? "all") as string;
      if (!["all", "json", "string", "envoy", "wasmplugin"].includes(format)) throw new UsageError(`--format must be all, json, string, envoy or wasmplugin (got "${format}")`);
      return runConvert({ file: p[0], format: format as ConvertFormat }, io);
    },
  },
  trace: {
    help: traceHelp,
    options: {
      request: { type: "string", short: "X" },
      header: { type: "string", short: "H", multiple: true },
      metadata: { type: "string" },
      "system-answer": { type: "string" },
      "backend-status": { type: "string" },
      "show-secrets": { type: "boolean" },
    },
    positionals: 1,
    // curl's habit: `trace config.yaml -X POST https://host/path` (or just the URL, for GET)
    maxPositionals: 2,
    run: (v, p, io) => {
      if (p.length === 2) {
        if (typeof v.request === "string" && /\s/.test(v.request.trim())) throw new UsageError("give the URL either inside --request 'METHOD URL' or as an argument, not both");
        v.request = `${typeof v.request === "string" ? v.request.trim() : "GET"} ${p[1]}`;
      }
      if (typeof v.request !== "string") throw new UsageError("trace needs --request 'METHOD URL' (or -X METHOD URL, or just the URL)");
      const status = v["backend-status"] === undefined ? 200 : Number(v["backend-status"]);
      if (!Number.isInteger(status) || status < 100 || status > 599) throw new UsageError(`--backend-status must be an HTTP status 100..599 (got "${String(v["backend-status"])}")`);
      return runTrace(
        { config: p[0], request: v.request, headers: (v.header as string[] | undefined) ?? [], metadataFile: v.metadata as string | undefined, systemAnswerFile: v["system-answer"] as string | undefined, backendStatus: status, showSecrets: v["show-secrets"] === true },
        io,
      );
    },
  },
};

/** runCli runs one command line (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out).call(io, mainHelp);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`threescale-wasm-auth: unknown command "${name}" (expected validate, convert or trace; see --help)\n`);
    return EXIT_USAGE;
  }
  try {
    const { values, positionals } = parseArgs({ args: [...rest], options: { ...command.options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    if (values.help) {
      io.out(command.help);
      return EXIT_OK;
    }
    if (positionals.length < command.positionals || positionals.length > (command.maxPositionals ?? command.positionals)) {
      throw new UsageError(positionals.length === 0 ? `${name} needs a file argument` : `${name} takes one file argument (got ${positionals.length})`);
    }
    return await command.run(values as Record<string, unknown>, positionals, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`threescale-wasm-auth ${name}: ${(e as Error).message.split("\n")[0]}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

// The process entry. Tests import runCli instead (vitest sets VITEST), so importing never runs it.
if (!process.env.VITEST) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`threescale-wasm-auth: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
