// Finds code patterns in TypeScript/AssemblyScript sources while ignoring comments and string
// literals, so a comment that explains why `.join(` is avoided does not trip the guard.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

/**
 * codeOnly blanks comments and string/template literal contents with spaces, keeping every
 * newline, so offsets and line numbers in the result match the source.
 */
export function codeOnly(source: string): string {
  const out: string[] = [];
  let i = 0;
  const n = source.length;
  const blank = (ch: string): string => (ch === "\n" ? "\n" : " ");
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < n && source[i] !== "\n") out.push(blank(source[i++]));
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      while (i < stop) out.push(blank(source[i++]));
    } else if (c === '"' || c === "'" || c === "`") {
      out.push(c);
      i++;
      while (i < n && source[i] !== c) {
        if (source[i] === "\\" && i + 1 < n) out.push(blank(source[i++]));
        if (c !== "`" && source[i] === "\n") break; // unterminated: stop at the line end
        out.push(blank(source[i++]));
      }
      if (i < n && source[i] === c) out.push(source[i++]);
    } else {
      out.push(c);
      i++;
    }
  }
  return out.join("");
}

export interface Finding {
  file: string;
  line: number;
  text: string;
}

/** findInCode lists the lines whose code (not comments or strings) matches `pattern`. */
export function findInCode(source: string, pattern: RegExp, file = "<source>"): Finding[] {
  const code = codeOnly(source).split("\n");
  const lines = source.split("\n");
  const found: Finding[] = [];
  code.forEach((line, k) => {
    if (pattern.test(line)) found.push({ file, line: k + 1, text: lines[k].trim() });
  });
  return found;
}

/** sourceFiles lists `*.ts` files under `dir` (paths relative to `root`, with `/`), skipping `exclude` prefixes. */
export function sourceFiles(root: string, dir: string, exclude: string[] = []): string[] {
  const entries = readdirSync(join(root, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((f) => !exclude.some((prefix) => f.startsWith(prefix)))
    .sort();
}

/** scanFiles runs findInCode over every file. */
export function scanFiles(root: string, files: string[], pattern: RegExp): Finding[] {
  return files.flatMap((f) => findInCode(readFileSync(join(root, f), "utf8"), pattern, f));
}
