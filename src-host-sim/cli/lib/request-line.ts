// The request given to `trace`: 'METHOD scheme://authority/path?query' and 'name: value' headers,
// kept exactly as written (no URL normalisation: the module does its own).
import { UsageError } from "./io.js";

export interface RequestLine {
  method: string;
  scheme: string;
  authority: string;
  path: string;
}

export function parseRequestLine(text: string): RequestLine {
  const m = /^\s*([A-Za-z!#$%&'*+.^_`|~0-9-]+)\s+([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s]*)([^#\s]*)(#\S*)?\s*$/.exec(text);
  if (!m) throw new UsageError(`--request must be 'METHOD URL', e.g. 'GET https://api.example.com/?user_key=k' (got "${text}")`);
  const rest = m[4] === "" ? "/" : m[4].startsWith("?") ? "/" + m[4] : m[4];
  return { method: m[1].toUpperCase(), scheme: m[2].toLowerCase(), authority: m[3], path: rest };
}

export function parseHeader(text: string): [string, string] {
  const i = text.indexOf(":", text.startsWith(":") ? 1 : 0);
  if (i <= 0) throw new UsageError(`-H must be 'name: value' (got "${text}")`);
  return [text.slice(0, i).trim().toLowerCase(), text.slice(i + 1).trim()];
}

