// JSON paths in the notation of the module's diagnostics (docs/configuration.md): `(root)`,
// `services[0].credentials`, `a["x-y"]`. The CLI converts between this notation, path segments
// and JSON pointers (ajv's instancePath) so schema and module problems line up on one path.

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** formatPath writes segments as the module does; numbers are array indexes. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out.length === 0 ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out.length === 0 ? "(root)" : out;
}

/** parsePath reads the module's notation back into segments; null when it is not a path. */
export function parsePath(text: string): PathSegment[] | null {
  if (text === "(root)") return [];
  if (text === "") return null;
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "[") {
      if (text[i + 1] === '"') {
        // A JSON string member name: scan to the closing quote, honouring escapes.
        let j = i + 2;
        while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
        if (text[j + 1] !== "]") return null;
        try {
          segments.push(JSON.parse(text.slice(i + 1, j + 1)) as string);
        } catch {
          return null;
        }
        i = j + 2;
      } else {
        const m = /^\[(\d+)\]/.exec(text.slice(i));
        if (!m) return null;
        segments.push(Number(m[1]));
        i += m[0].length;
      }
    } else {
      if (c === ".") {
        if (segments.length === 0) return null;
        i++;
      }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!m) return null;
      segments.push(m[0]);
      i += m[0].length;
    }
  }
  return segments;
}

/**
 * pointerToSegments turns a JSON pointer into segments, using the data to tell array indexes
 * from member names that happen to be digits.
 */
export function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === "") return [];
  const out: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(token)) {
      const index = Number(token);
      out.push(index);
      node = node[index];
    } else {
      out.push(token);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[token] : undefined;
    }
  }
  return out;
}

/** valueAt returns the value at a path, or undefined when the path does not exist. */
export function valueAt(data: unknown, segments: readonly PathSegment[]): unknown {
  let node: unknown = data;
  for (const s of segments) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[s];
  }
  return node;
}
