// "Did you mean": the closest known names to a misspelt field or operation, so that a typo such
// as `timout` (which otherwise silently means the default timeout) points at its fix.
import { loadSchema } from "./schema.js";

/** editDistance: Levenshtein distance, with an adjacent swap counting as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * suggest returns up to two known names close to `name`: within an edit distance that grows with
 * the length, or containing it (`len` → `length`, `strlen`). Nearest first.
 */
export function suggest(name: string, known: Iterable<string>): string[] {
  const lower = name.toLowerCase();
  const limit = lower.length <= 4 ? 1 : lower.length <= 8 ? 2 : 3;
  const scored: Array<[string, number]> = [];
  for (const k of new Set(known)) {
    if (k === name) continue;
    const d = editDistance(lower, k.toLowerCase());
    if (d <= limit) scored.push([k, d]);
    else if (lower.length >= 3 && k.toLowerCase().includes(lower)) scored.push([k, limit + 1 + (k.length - lower.length) / 100]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, 2).map(([k]) => k);
}

/** didYouMean: ` (did you mean "a" or "b"?)`, or "" when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const s = suggest(name, known);
  if (s.length === 0) return "";
  return ` (did you mean ${s.map((x) => JSON.stringify(x)).join(" or ")}?)`;
}

let vocabulary: Set<string> | undefined;

/** configVocabulary: every member name the configuration schema knows (fields and operations). */
export function configVocabulary(): Set<string> {
  if (vocabulary) return vocabulary;
  const names = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    if (o.properties && typeof o.properties === "object") for (const k of Object.keys(o.properties)) names.add(k);
    for (const v of Object.values(o)) walk(v);
  };
  const schema = loadSchema();
  walk(schema);
  const bare = (schema.$defs as Record<string, { enum?: string[] }>).operationName?.enum ?? [];
  for (const op of bare) names.add(op);
  vocabulary = names;
  return names;
}
