// What the module changed in a request it let through (docs/features.md: credential stripping and
// upstream identity headers), for `trace`. Removed headers are named without their values (they
// are usually credentials); a rewritten :path is shown with its remaining credentials masked.

export type Pair = [string, string];

/** upstreamChanges lists `removed <name>`, `set <name>: <value>` and `:path <new>` lines. */
export function upstreamChanges(sent: Pair[], forwarded: Pair[], maskPath: (p: string) => string): string[] {
  const lower = (pairs: Pair[]) => pairs.map(([k, v]) => [k.toLowerCase(), v] as Pair);
  const before = lower(sent);
  const after = lower(forwarded);
  const values = (pairs: Pair[], name: string) => pairs.filter(([k]) => k === name).map(([, v]) => v);
  const names = [...new Set([...before.map(([k]) => k), ...after.map(([k]) => k)])];
  const out: string[] = [];
  for (const name of names) {
    const was = values(before, name);
    const now = values(after, name);
    if (was.length === now.length && was.every((v, i) => v === now[i])) continue;
    if (name === ":path") out.push(`:path ${maskPath(now[0] ?? "")}`);
    else if (now.length === 0) out.push(`removed ${name}`);
    else out.push(`set ${name}: ${now.join(", ")}`);
  }
  return out;
}
