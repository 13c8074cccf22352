// Reads a configuration file: a bare configuration (YAML or JSON) or Istio WasmPlugin manifests
// (every `kind: WasmPlugin` document of a multi-document YAML file, using spec.pluginConfig).
// Keeps the parsed YAML documents so any JSON path can be mapped back to a line and column.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";
import { type PathSegment } from "./json-path.js";
import { UsageError } from "./io.js";

/** One configuration found in a file. */
export interface ConfigDocument {
  /** "" for a bare configuration; e.g. `WasmPlugin bookinfo/threescale-wasm-auth (document 2)`. */
  label: string;
  /** Where the configuration sits inside its YAML document (`["spec", "pluginConfig"]` or []). */
  prefix: PathSegment[];
  /** The configuration as data (undefined when a WasmPlugin has no pluginConfig). */
  value: unknown;
  /**
   * The exact bytes the module receives: the file's bytes for a .json file (as Envoy passes a
   * StringValue; invalid UTF-8 included), otherwise JSON.stringify of the YAML data (as Istio
   * converts pluginConfig).
   */
  moduleInput: string | Uint8Array;
  doc: Document.Parsed;
  /** False when the text did not parse (only the module's own verdict can then be shown). */
  parsed: boolean;
  /** The whole manifest when the configuration sits inside a WasmPlugin or ServiceMeshExtension. */
  manifest?: unknown;
  kind?: "WasmPlugin" | "ServiceMeshExtension";
}

/** A problem found while reading (syntax, duplicate member), with its position. */
export interface SourceProblem {
  line: number;
  column: number;
  path: PathSegment[] | null;
  message: string;
}

export interface LoadedFile {
  file: string;
  text: string;
  lineCounter: LineCounter;
  documents: ConfigDocument[];
  problems: SourceProblem[];
}

export function readSource(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String((e as Error).message);
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}

function looksLikeJson(file: string, text: string): boolean {
  return extname(file).toLowerCase() === ".json" || /^\s*[{[]/.test(text) && extname(file).toLowerCase() !== ".yaml" && extname(file).toLowerCase() !== ".yml";
}

export function loadFile(file: string, bytes: Uint8Array = readSource(file)): LoadedFile {
  const text = new TextDecoder().decode(bytes);
  const lineCounter = new LineCounter();
  const problems: SourceProblem[] = [];
  // uniqueKeys: false lets the document parse, so duplicates are reported with their path below.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const list: Document.Parsed[] = Array.isArray(docs) ? (docs as Document.Parsed[]) : [];
  const at = (offset: number) => lineCounter.linePos(offset);
  const json = looksLikeJson(file, text);
  let jsonValue: unknown;
  if (json) {
    // JSON is judged by a JSON parser; the YAML parse only supplies positions (it may stumble on
    // valid JSON, e.g. tab indentation, which is harmless here).
    try {
      jsonValue = JSON.parse(text);
    } catch (e) {
      const offset = jsonErrorOffset(String((e as Error).message), text.length);
      const { line, col } = at(offset);
      problems.push({ line, column: col, path: [], message: `malformed JSON: ${firstLine((e as Error).message)}` });
    }
  } else {
    for (const d of list) {
      for (const e of d.errors) {
        const { line, col } = at(e.pos[0]);
        problems.push({ line, column: col, path: null, message: `syntax error: ${firstLine(e.message)}` });
      }
    }
  }
  // Turning YAML into data can fail on purpose-built input (alias bombs): a problem, not a crash.
  const data = new Map<Document.Parsed, unknown>();
  if (!json && problems.length === 0) {
    for (const d of list) {
      try {
        data.set(d, d.toJS());
      } catch (e) {
        const { line, col } = at(d.range?.[0] ?? 0);
        problems.push({ line, column: col, path: null, message: `cannot read the YAML document: ${firstLine(String((e as Error).message))}` });
      }
    }
  }
  const documents: ConfigDocument[] = [];
  if (json && problems.length > 0) {
    // The module still gets the text: its own report of the syntax error is the reference.
    documents.push({ label: "", prefix: [], value: undefined, moduleInput: bytes, doc: list[0], parsed: false });
  }
  if (problems.length === 0) {
    const nonEmpty = list.filter((d) => d.contents !== null);
    const plugins = json ? [] : nonEmpty.filter((d) => isWasmPlugin(data.get(d)) || isServiceMeshExtension(data.get(d)));
    if (json && (isWasmPlugin(jsonValue) || isServiceMeshExtension(jsonValue))) {
      const kind = isWasmPlugin(jsonValue) ? "WasmPlugin" : "ServiceMeshExtension";
      const member = kind === "WasmPlugin" ? "pluginConfig" : "config";
      const value = (jsonValue as { spec?: Record<string, unknown> }).spec?.[member];
      documents.push({ label: `${kind} (JSON)`, prefix: ["spec", member], value, moduleInput: value === undefined || value === null ? "" : JSON.stringify(value), doc: list[0], parsed: true, manifest: jsonValue, kind });
    } else if (json) {
      documents.push({ label: "", prefix: [], value: jsonValue, moduleInput: bytes, doc: list[0], parsed: true });
    } else if (plugins.length > 0) {
      for (const d of plugins) {
        const manifest = data.get(d) as { metadata?: { name?: unknown; namespace?: unknown }; spec?: Record<string, unknown> };
        const name = [manifest.metadata?.namespace, manifest.metadata?.name].filter((x) => typeof x === "string").join("/");
        const kind = isWasmPlugin(manifest) ? "WasmPlugin" : "ServiceMeshExtension";
        // A ServiceMeshExtension carries the configuration in spec.config.
        const member = kind === "WasmPlugin" ? "pluginConfig" : "config";
        const value = manifest.spec?.[member];
        documents.push({
          label: `${kind} ${name || "(unnamed)"}${list.length > 1 ? ` (document ${list.indexOf(d) + 1})` : ""}`,
          prefix: ["spec", member],
          value,
          moduleInput: value === undefined || value === null ? "" : JSON.stringify(value),
          doc: d,
          parsed: true,
          manifest,
          kind,
        });
      }
    } else if (nonEmpty.length > 1) {
      throw new UsageError(`${file}: ${nonEmpty.length} YAML documents but none is a WasmPlugin; give one configuration per file`);
    } else {
      const d = nonEmpty[0] ?? list[0];
      const value = d ? data.get(d) : undefined;
      documents.push({ label: "", prefix: [], value, moduleInput: value === undefined || value === null ? "" : JSON.stringify(value), doc: d as Document.Parsed, parsed: true });
    }
    for (const d of documents) if (d.doc) problems.push(...duplicateMembers(d.doc, lineCounter));
  }
  return { file, text, lineCounter, documents, problems };
}

function isServiceMeshExtension(data: unknown): boolean {
  return data !== null && typeof data === "object" && (data as { kind?: unknown }).kind === "ServiceMeshExtension";
}

function isWasmPlugin(data: unknown): boolean {
  return data !== null && typeof data === "object" && (data as { kind?: unknown }).kind === "WasmPlugin";
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

function jsonErrorOffset(message: string, length: number): number {
  const m = /position (\d+)/.exec(message);
  return m ? Math.min(Number(m[1]), length) : length;
}

/** duplicateMembers reports every repeated member name, at the second occurrence. */
function duplicateMembers(doc: Document.Parsed, lc: LineCounter): SourceProblem[] {
  const out: SourceProblem[] = [];
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          const offset = (pair.key as Node | null)?.range?.[0] ?? 0;
          const { line, col } = lc.linePos(offset);
          out.push({ line, column: col, path: [...path, key], message: "duplicate field" });
        }
        seen.add(key);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return out;
}

/** Position of a path in the YAML source (1-based). */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * locate maps a path (inside the document, prefix included) to a position. `onKey` points at the
 * member's name instead of its value (for unknown/duplicate fields). A path that does not exist
 * (a missing required field) maps to the nearest existing ancestor.
 */
export function locate(doc: Document.Parsed, lc: LineCounter, path: readonly PathSegment[], onKey = false): SourcePosition {
  let node: unknown = doc.contents;
  let keyNode: Node | null = null;
  let best: Node | null = (doc.contents as Node | null) ?? null;
  for (const seg of path) {
    keyNode = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value;
      best = (node as Node | null) ?? keyNode;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg];
      best = node as Node;
    } else {
      break;
    }
  }
  const target = onKey && keyNode ? keyNode : best;
  const offset = target?.range?.[0] ?? 0;
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}
