// `validate <file>`: checks a configuration (bare YAML/JSON, or every WasmPlugin document of a
// manifest) with the JSON Schema AND the real module's proxy_on_configure, and prints every
// problem with its file, line, column and JSON path.
import { type Io, EXIT_INVALID, EXIT_OK } from "../lib/io.js";
import { formatPath, type PathSegment } from "../lib/json-path.js";
import { checkWithModule, type ModuleVerdict } from "../lib/module-check.js";
import { validateSchema } from "../lib/schema.js";
import { type ConfigDocument, type LoadedFile, loadFile, locate } from "../lib/source.js";
import { checkServiceMeshExtension, checkWasmPlugin, type ManifestProblem } from "../lib/istio.js";
import { configVocabulary, didYouMean } from "../lib/suggest.js";

export const validateHelp = `Usage: threescale-wasm-auth validate <file> [--schema-only] [--strict] [--json]

Validates a threescale-wasm-auth configuration: a bare configuration in YAML or JSON, or an
Istio WasmPlugin manifest (every \`kind: WasmPlugin\` document; its spec.pluginConfig is checked,
and its own fields against schema/wasmplugin.schema.json: phase, url scheme, at most one of
selector/targetRef/targetRefs; fields Istio ignores are warnings). A Maistra ServiceMeshExtension
is recognised: its spec.config is checked and you are told how to move it to a WasmPlugin.
Unknown fields and operations get a "did you mean" when a known name is close.

Two checks run, and every problem is printed as
  <file>:<line>:<column>: <error|warning>: <json path>: <reason> [schema|module|parse]
  - schema: schema/threescale-wasm-auth.schema.json (JSON Schema draft 2020-12);
  - module: the real module (build/threescale_wasm_auth.wasm) run in the host simulator; its
    proxy_on_configure is the authority (invalid configuration / configuration warning lines).

  --schema-only   skip the module (no build needed; lexical checks such as 5000.0 are then missed)
  --strict        treat warnings as errors (a typo such as \`timout\` is otherwise only a warning,
                  and the field silently keeps its default)
  --json          print the result as JSON

Exit status: 0 valid (warnings allowed unless --strict), 1 invalid (or warnings with --strict),
2 usage error (bad arguments, unreadable file).
`;

export interface ValidateOptions {
  file: string;
  schemaOnly: boolean;
  json: boolean;
  /** warnings make the file invalid */
  strict?: boolean;
}

export type Origin = "parse" | "schema" | "module";

export interface Problem {
  severity: "error" | "warning";
  line: number;
  column: number;
  /** JSON path inside the configuration, in the module's notation. */
  path: string;
  reason: string;
  origins: Origin[];
}

export interface DocumentReport {
  label: string;
  valid: boolean;
  problems: Problem[];
  /** The module's summary line, when the module ran. */
  module: string | null;
}

export async function runValidate(opts: ValidateOptions, io: Io): Promise<number> {
  const reports = await validateFile(opts.file, opts.schemaOnly);
  if (opts.strict) {
    for (const r of reports) if (r.problems.some((p) => p.severity === "warning")) r.valid = false;
  }
  if (opts.json) {
    io.out(JSON.stringify({ file: opts.file, valid: reports.every((r) => r.valid), documents: reports }, null, 2) + "\n");
  } else {
    for (const r of reports) {
      for (const p of r.problems) {
        io.out(`${opts.file}:${p.line}:${p.column}: ${p.severity}: ${p.path}: ${p.reason} [${p.origins.join(", ")}]\n`);
      }
      const errors = r.problems.filter((p) => p.severity === "error").length;
      const warnings = r.problems.length - errors;
      const name = r.label ? `${opts.file} (${r.label})` : opts.file;
      const counts = `${errors} error(s), ${warnings} warning(s)`;
      const strictNote = opts.strict && errors === 0 && warnings > 0 ? " with --strict" : "";
      io.out(`${name}: ${r.valid ? "valid" : "invalid"}${strictNote} (${counts})${r.module ? `; module: ${r.module}` : ""}\n`);
    }
  }
  return reports.every((r) => r.valid) ? EXIT_OK : EXIT_INVALID;
}

/** validateFile returns one report per configuration in the file. */
export async function validateFile(file: string, schemaOnly: boolean): Promise<DocumentReport[]> {
  const loaded = loadFile(file);
  if (loaded.documents.length === 0) {
    // Nothing could be read: the reader's problems are the whole answer.
    return [{ label: "", valid: false, module: null, problems: loaded.problems.map((p) => ({ severity: "error", line: p.line, column: p.column, path: p.path ? formatPath(p.path) : "(root)", reason: p.message, origins: ["parse"] })) }];
  }
  const reports: DocumentReport[] = [];
  for (const doc of loaded.documents) reports.push(await validateDocument(loaded, doc, schemaOnly));
  return reports;
}

async function validateDocument(loaded: LoadedFile, doc: ConfigDocument, schemaOnly: boolean): Promise<DocumentReport> {
  const problems: Problem[] = [];
  const position = (path: PathSegment[] | null, onKey: boolean) =>
    doc.doc && path !== null ? locate(doc.doc, loaded.lineCounter, [...doc.prefix, ...path], onKey) : { line: 1, column: 1 };
  const add = (severity: Problem["severity"], path: PathSegment[] | null, pathText: string, reason: string, origin: Origin, at?: { line: number; column: number }) => {
    const same = problems.find((p) => p.severity === severity && p.path === pathText && p.reason === reason);
    if (same) {
      if (!same.origins.includes(origin)) same.origins.push(origin);
      return;
    }
    const { line, column } = at ?? position(path, isAboutName(reason));
    problems.push({ severity, line, column, path: pathText, reason, origins: [origin] });
  };

  // The reader's problems (duplicate members, syntax) belong to this document when their path
  // lies inside its configuration.
  for (const p of loaded.problems) {
    const inside = p.path === null || startsWith(p.path, doc.prefix);
    if (!inside) continue;
    const rel = p.path === null ? null : p.path.slice(doc.prefix.length);
    add("error", rel, rel ? formatPath(rel) : "(root)", p.message, "parse", { line: p.line, column: p.column });
  }

  let verdict: ModuleVerdict | null = null;
  if (!schemaOnly) {
    verdict = await checkWithModule(doc.moduleInput);
    for (const m of verdict.problems) {
      // A syntax error names its own line and column; every other problem is found by its path.
      const at = m.reason.startsWith("malformed JSON") ? positionInMessage(m.reason) : undefined;
      add(m.severity, m.path, m.path === null ? "(root)" : formatPath(m.path), m.reason, "module", at);
    }
    if (!verdict.accepted && !verdict.problems.some((p) => p.severity === "error")) {
      // Rejected without a diagnostic (a trap, or a module that says nothing): say so.
      add("error", [], "(root)", verdict.trap ? `the module trapped: ${verdict.trap}` : "the module rejected the configuration without a diagnostic", "module");
    }
  }

  if (verdict && !doc.parsed && problems.some((p) => p.origins.includes("module") && p.path === "(root)")) {
    // The module's own account of a JSON syntax error (line, column) replaces the reader's.
    for (let i = problems.length - 1; i >= 0; i--) if (problems[i].origins.length === 1 && problems[i].origins[0] === "parse") problems.splice(i, 1);
  }

  // When the module could not even parse the bytes (invalid UTF-8, lone surrogate, nesting), the
  // schema would only be judging the reader's repaired copy of them.
  const unparsable = verdict?.problems.some((p) => p.pathText === "(root)" && p.reason.startsWith("malformed JSON")) ?? false;
  if (doc.parsed && !unparsable) {
    const empty = doc.value === undefined || doc.value === null;
    const schemaProblems = empty ? [{ path: [] as PathSegment[], reason: "empty configuration", onKey: false }] : validateSchema(doc.value);
    for (const s of schemaProblems) {
      const pathText = formatPath(s.path);
      // Where the module already reported an error on this path, its wording is the reference.
      const moduleSaid = problems.some((p) => p.severity === "error" && p.path === pathText && p.origins.includes("module") && p.reason !== s.reason);
      if (!moduleSaid) add("error", s.path, pathText, s.reason, "schema");
    }
  }

  // The manifest around the configuration: Istio's fields, or the ServiceMeshExtension note.
  if (doc.kind && doc.doc) {
    const manifestProblems: ManifestProblem[] = doc.kind === "WasmPlugin" ? checkWasmPlugin(doc.manifest) : checkServiceMeshExtension(doc.manifest);
    for (const m of manifestProblems) {
      const at = locate(doc.doc, loaded.lineCounter, m.path, m.reason.startsWith("unknown"));
      problems.push({ severity: m.severity, line: at.line, column: at.column, path: formatPath(m.path), reason: m.reason, origins: ["schema"] });
    }
  }
  if (doc.parsed) for (const w of methodWarnings(doc.value)) add("warning", w.path, formatPath(w.path), w.reason, "schema");
  addSuggestions(problems);

  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const hasErrors = problems.some((p) => p.severity === "error");
  const moduleAccepted = verdict ? verdict.accepted : true;
  return { label: doc.label, valid: !hasErrors && moduleAccepted, problems, module: verdict?.summary ?? (verdict ? (verdict.accepted ? "accepted" : "rejected") : null) };
}

/** addSuggestions appends "did you mean" to unknown fields and operations that are close to a known name. */
function addSuggestions(problems: Problem[]): void {
  for (const p of problems) {
    if (p.reason === "unknown field") {
      const name = /(?:^|\.)([^.[\]]+)$/.exec(p.path)?.[1];
      if (name) p.reason += didYouMean(name, configVocabulary());
    } else {
      const op = /^unknown operation "([^"]*)"$/.exec(p.reason);
      if (op) p.reason += didYouMean(op[1]!, configVocabulary());
    }
  }
}

const HTTP_METHODS = [
  "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
  // WebDAV and friends: real methods a rule may name
  "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "PURGE", "QUERY",
];

/**
 * methodWarnings: a mapping rule whose method is no HTTP method (`GTE`, `FETCH`) only matches
 * requests that use that very word as their method, which no client does: in effect it never matches.
 */
function methodWarnings(config: unknown): Array<{ path: PathSegment[]; reason: string }> {
  const out: Array<{ path: PathSegment[]; reason: string }> = [];
  const services = (config as { services?: unknown } | null)?.services;
  if (!Array.isArray(services)) return out;
  services.forEach((svc, i) => {
    const rules = (svc as { mapping_rules?: unknown } | null)?.mapping_rules;
    if (!Array.isArray(rules)) return;
    rules.forEach((rule, j) => {
      const method = (rule as { method?: unknown } | null)?.method;
      if (typeof method !== "string" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) return;
      const upper = method.toUpperCase();
      if (upper === "ANY" || HTTP_METHODS.includes(upper)) return;
      out.push({
        path: ["services", i, "mapping_rules", j, "method"],
        reason: `never matches in practice: ${JSON.stringify(method)} is not an HTTP method${didYouMean(upper, [...HTTP_METHODS, "ANY"])}`,
      });
    });
  });
  return out;
}

function isAboutName(reason: string): boolean {
  return reason === "unknown field" || reason === "duplicate field";
}

function startsWith(path: PathSegment[], prefix: PathSegment[]): boolean {
  return prefix.every((s, i) => path[i] === s);
}

/** The module reports JSON syntax errors as `… at line <l>, column <c>…`. */
function positionInMessage(reason: string): { line: number; column: number } | undefined {
  const m = /line (\d+), column (\d+)/.exec(reason);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}
