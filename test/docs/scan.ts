// Helpers for the documentation checks: which files a user reads, the Markdown links and anchors
// they contain, and the references that would lead a reader out of the repository.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, resolve, sep } from "node:path";

export const ROOT = resolve(__dirname, "../..");

/** Every file git tracks or would track (untracked but not ignored), relative to the root. */
export function repoFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" });
  return out.split("\0").filter((f) => f !== "" && existsSync(join(ROOT, f)));
}

const TEXT = /\.(md|ya?ml|json|ts|mjs|js|sh|txt)$|(^|\/)(LICENSE|Dockerfile|run)$/;

export function textFiles(): string[] {
  return repoFiles().filter((f) => TEXT.test(f) && !f.endsWith("package-lock.json"));
}

/** The files an operator reads: README, LICENSE, docs/, schema/, examples/, envoy/. */
export function userFacingFiles(): string[] {
  return repoFiles().filter((f) => /^(README\.md|LICENSE|docker-compose\.yaml)$|^(docs|schema|examples|envoy)\//.test(f));
}

export const read = (file: string): string => readFileSync(join(ROOT, file), "utf8");

export interface Hit {
  file: string;
  line: number;
  text: string;
}

export function findLines(file: string, text: string, pattern: RegExp): Hit[] {
  const hits: Hit[] = [];
  text.split("\n").forEach((line, i) => {
    if (pattern.test(line)) hits.push({ file, line: i + 1, text: line.trim() });
  });
  return hits;
}

/** True when `target`, relative to the file `from`, resolves inside the repository. */
export function staysInside(from: string, target: string): boolean {
  const abs = normalize(resolve(ROOT, dirname(from), target));
  const rel = relative(ROOT, abs);
  return rel !== ".." && !rel.startsWith(".." + sep) && !rel.startsWith("/");
}

// ---------------------------------------------------------------- Markdown links and anchors

export interface Link {
  line: number;
  target: string;
}

/** Strips fenced code blocks (keeping line count) so sample output is not read as links. */
export function withoutFences(md: string): string {
  let inFence = false;
  return md
    .split("\n")
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return "";
      }
      return inFence ? "" : line.replace(/`[^`]*`/g, "");
    })
    .join("\n");
}

/** Inline links `[text](target)` and reference definitions `[x]: target`. */
export function markdownLinks(md: string): Link[] {
  const links: Link[] = [];
  withoutFences(md)
    .split("\n")
    .forEach((line, i) => {
      for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line: i + 1, target: m[1]! });
      const def = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(line);
      if (def) links.push({ line: i + 1, target: def[1]! });
    });
  return links;
}

/** GitHub's heading anchor: lower-cased, punctuation dropped, spaces to hyphens, duplicates numbered. */
export function headingAnchors(md: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of md.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .replace(/<[^>]+>/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of md.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

export type LinkProblem = { file: string; line: number; target: string; why: string };

/** Checks one relative link of `file`: the target exists in the repository, and so does its anchor. */
export function checkRelativeLink(file: string, link: Link, anchorsOf: (f: string) => Set<string>): LinkProblem | undefined {
  const { target } = link;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // absolute URL (https:, mailto:)
  const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
  const decoded = decodeURIComponent(pathPart);
  if (decoded.startsWith("/")) return { file, line: link.line, target, why: "absolute path" };
  const resolved = decoded === "" ? file : relative(ROOT, resolve(ROOT, dirname(file), decoded));
  if (!staysInside(file, decoded || ".")) return { file, line: link.line, target, why: "leaves the repository" };
  if (!existsSync(join(ROOT, resolved))) return { file, line: link.line, target, why: "no such file" };
  if (anchor !== undefined && anchor !== "") {
    if (!resolved.endsWith(".md") || statSync(join(ROOT, resolved)).isDirectory()) return undefined;
    if (!anchorsOf(resolved).has(anchor)) return { file, line: link.line, target, why: `no heading #${anchor} in ${resolved}` };
  }
  return undefined;
}
