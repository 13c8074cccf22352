// Timing helpers: interleaved rounds, medians and per-round ratios against the floor, so that a
// slow moment of a shared 2-core machine hits every case of a round alike.

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * timeCycles: CPU µs (user + system, all threads of this process, so GC helpers count) per call of
 * `fn` over `n` calls. CPU time rather than wall time: on a shared machine the wall clock also
 * counts the time other processes held the core, which made the ratios swing several-fold.
 */
export function timeCycles(fn: () => void, n: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

export interface RoundsResult {
  /** µs per cycle of each case, one entry per round */
  perRound: Record<string, number[]>;
  /** median µs per cycle of each case */
  medianMicros: Record<string, number>;
  /** median over the rounds of (case / floor in the same round) */
  ratio: Record<string, number>;
  /** lowest and highest per-round ratio (the spread the noise left) */
  ratioRange: Record<string, [number, number]>;
}

/**
 * interleavedRounds runs `rounds` rounds; in each, every case runs `n` cycles, in an order rotated
 * from round to round. Ratios are computed per round against `floor` and their median reported.
 */
export function interleavedRounds(cases: Record<string, () => void>, floor: string, rounds: number, n: number): RoundsResult {
  const names = Object.keys(cases);
  const perRound: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  const ratios: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    const got: Record<string, number> = {};
    for (const name of order) got[name] = timeCycles(cases[name]!, n);
    for (const name of names) {
      perRound[name]!.push(got[name]!);
      ratios[name]!.push(got[name]! / got[floor]!);
    }
  }
  const medianMicros: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  const ratioRange: Record<string, [number, number]> = {};
  for (const name of names) {
    medianMicros[name] = median(perRound[name]!);
    ratio[name] = median(ratios[name]!);
    ratioRange[name] = [Math.min(...ratios[name]!), Math.max(...ratios[name]!)];
  }
  return { perRound, medianMicros, ratio, ratioRange };
}
