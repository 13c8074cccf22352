// Validates a configuration against schema/threescale-wasm-auth.schema.json (JSON Schema draft
// 2020-12, ajv) and words every schema error like the module's diagnostics (docs/configuration.md),
// so the CLI can show schema and module problems side by side on the same JSON paths.
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { formatPath, pointerToSegments, valueAt, type PathSegment } from "./json-path.js";
import { packagePath } from "./root.js";

export const SCHEMA_FILE = "schema/threescale-wasm-auth.schema.json";

export interface SchemaProblem {
  path: PathSegment[];
  /** The problem in the module's words, e.g. `missing required field`. */
  reason: string;
  /** True when the problem concerns the member's name rather than its value. */
  onKey: boolean;
}

let compiled: ValidateFunction | undefined;
/** The schema object ajv compiled: errors are recognised by their parentSchema's identity. */
let compiledSchema: { properties: Record<string, unknown>; $defs: Record<string, Record<string, unknown>> } | undefined;

export function loadSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(packagePath(SCHEMA_FILE), "utf8")) as Record<string, unknown>;
}

function validator(): ValidateFunction {
  if (!compiled) {
    // strict catches unknown keywords in the schema itself; union types and `required` checks
    // inside anyOf/not are intended, so those two strict rules are relaxed.
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, verbose: true });
    compiledSchema = loadSchema() as typeof compiledSchema;
    compiled = ajv.compile(compiledSchema!);
  }
  return compiled;
}

/** validateSchema returns every schema problem, worded like the module, in document order. */
export function validateSchema(config: unknown): SchemaProblem[] {
  const validate = validator();
  if (validate(config)) return [];
  const raw = (validate.errors ?? []).filter(isReportable);
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of raw) {
    const p = translate(e, config);
    if (!p) continue;
    const key = formatPath(p.path) + "\u0000" + p.reason;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/**
 * Errors inside anyOf branches and the if/then/else wrappers only explain why a combinator
 * failed; the combinator's own error (or the branch's) says it better.
 */
function isReportable(e: ErrorObject): boolean {
  if (e.keyword === "if") return false;
  if (/\/anyOf\/\d+\//.test(e.schemaPath)) return false;
  return true;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function expectedTypes(schemaType: unknown): string {
  const list = (Array.isArray(schemaType) ? schemaType : [schemaType]).filter((t) => t !== "null") as string[];
  return list.join(" or ");
}

function translate(e: ErrorObject, root: unknown): SchemaProblem | null {
  const path = pointerToSegments(e.instancePath, root);
  const data = e.data;
  const at = (reason: string, p: PathSegment[] = path, onKey = false): SchemaProblem => ({ path: p, reason, onKey });
  const defs = compiledSchema!.$defs;
  const parent = e.parentSchema;
  switch (e.keyword) {
    case "type": {
      const last = path[path.length - 1];
      if (data === null && typeof last === "string") return at("missing required field");
      const got = typeName(data);
      if (last === "id" && path.length === 3 && path[0] === "services" && got === "integer") {
        return at('expected string, got integer (write the id in quotes, e.g. "2555417834780")');
      }
      return at(`expected ${expectedTypes(e.schema)}, got ${got}`);
    }
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (parent === defs.serviceWithToken) return at("missing required field (no system configured to fetch it)", [...path, missing]);
      return at("missing required field", [...path, missing]);
    }
    case "minLength":
    case "minItems":
      return at("must not be empty");
    case "minimum":
    case "maximum": {
      const s = e.parentSchema as { minimum?: number; maximum?: number };
      return at(`integer out of range (${s.minimum}..${s.maximum})`);
    }
    case "enum":
      if (data === null) return null; // the type error already says "missing required field"
      if (parent === compiledSchema!.properties.api) return at(`unsupported api version ${JSON.stringify(data)} (expected "v1")`);
      if (parent === defs.operationName) return at(operationNameReason(String(data)));
      return at(`invalid value ${JSON.stringify(data)}`);
    case "pattern":
      return at(patternReason(parent, String(data)));
    case "additionalProperties": {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      return at(`unknown operation ${JSON.stringify(name)}`);
    }
    case "minProperties":
    case "maxProperties":
      return at("an operation must have exactly one member");
    case "anyOf":
      if (parent === defs.source) return at("expected exactly one of header, query_string, filter");
      if (parent === defs.credentials) return at("at least one of user_key or app_id is required");
      return at("does not match any accepted form");
    case "not": {
      const present = ["header", "query_string", "filter"].filter((k) => data !== null && typeof data === "object" && k in (data as object));
      return at(`more than one source type (${present.join(", ")})`);
    }
    default:
      return at(e.message ?? e.keyword);
  }
}

const OPS_WITH_REQUIRED_PARAMETERS = new Set([
  "replace", "prefix", "suffix", "substr", "glob", "join", "contains", "push", "xchg", "swap", "indexes", "flat_map", "select",
  "any", "one_of", "all", "none", "assert", "refute", "test", "and", "or", "xor", "cloned", "partial", "top", "log", "json", "protobuf",
]);

function operationNameReason(name: string): string {
  if (OPS_WITH_REQUIRED_PARAMETERS.has(name)) return `operation "${name}" needs parameters (write it as {${name}: …})`;
  return `unknown operation ${JSON.stringify(name)}`;
}

function patternReason(parent: unknown, value: string): string {
  const defs = compiledSchema!.$defs;
  if (parent === defs.upstreamUrl) return `invalid URL: ${urlProblem(value)}`;
  if (parent === defs.mappingPattern) return `invalid pattern: ${patternProblem(value)}`;
  const pattern = (parent as { pattern?: string } | undefined)?.pattern ?? "";
  const words = caseInsensitiveWords(pattern);
  if (words) return `invalid value ${JSON.stringify(value)} (expected one of ${words.join(", ")})`;
  if (pattern.startsWith("^[A-Za-z0-9_]+(=")) return `invalid extension ${JSON.stringify(value)}`;
  return `invalid value ${JSON.stringify(value)}`;
}

/**
 * Enumerated strings are matched case-insensitively, which JSON Schema can only say with a
 * pattern like `^([Uu][Tt][Ff]8|[Bb][Yy][Tt][Ee][Ss])$`; this reads the words back out of it.
 */
function caseInsensitiveWords(pattern: string): string[] | null {
  const m = /^\^\((.*)\)\$$/.exec(pattern);
  if (!m) return null;
  const words = m[1].split("|").map((alt) => alt.replace(/\[([A-Z])([a-z])\]/g, "$2"));
  return words.every((w) => /^[a-z0-9]+$/.test(w)) ? words : null;
}

/** urlProblem explains why a URL fails the docs/configuration.md rules. */
export function urlProblem(url: string): string {
  if (/\s/.test(url)) return "whitespace is not allowed";
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(url);
  if (!m) return "expected http:// or https://";
  if (!/^https?$/i.test(m[1])) return `unsupported scheme "${m[1]}" (expected http or https)`;
  const rest = m[2];
  if (rest.includes("#")) return "a fragment (#) is not allowed";
  const authority = rest.split(/[/?]/, 1)[0];
  if (authority.includes("@")) return "userinfo is not allowed";
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  if (!hp || hp[1].length === 0) return "missing host";
  if (hp[2] !== undefined) {
    const port = Number(hp[2]);
    if (!/^\d+$/.test(hp[2]) || port < 1 || port > 65535) return `invalid port "${hp[2]}"`;
  }
  return "malformed URL";
}

/** patternProblem explains why a mapping-rule pattern is invalid (docs/behaviour.md). */
export function patternProblem(pattern: string): string {
  const q = pattern.indexOf("?");
  const parts = q < 0 ? [pattern] : [pattern.slice(0, q), ...pattern.slice(q + 1).split("&")];
  for (const part of parts) {
    for (let i = part.indexOf("{"); i >= 0; i = part.indexOf("{", i + 1)) {
      const close = part.indexOf("}", i + 1);
      if (close < 0) return "unterminated placeholder";
      if (close === i + 1) return "empty placeholder";
      i = close;
    }
  }
  return "malformed pattern";
}

/** schemaValue reads a value for messages (exported for tests). */
export { valueAt };
