/**
 * Mean, standard deviation and count over repeated runs (seeds): what a leaderboard shows when a
 * sweep names `seeds` or marks an axis `aggregate`. The standard deviation is the sample one
 * (n − 1 in the denominator): the spread a reader should expect between two seeds. One run has no
 * spread to estimate, so its `std` is null (shown as "n = 1"), never a reassuring 0.
 */

export interface Spread {
  mean: number;
  /** Sample standard deviation; null when n = 1. */
  std: number | null;
  n: number;
}

/** The spread of `values` (at least one), rounded to `digits` decimals like the scores. */
export function spread(values: readonly number[], digits = 2): Spread {
  if (values.length === 0) throw new Error('spread() needs at least one value');
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  if (n === 1) return { mean: round(mean, digits), std: null, n };
  const squares = values.reduce((sum, v) => sum + (v - mean) ** 2, 0);
  return { mean: round(mean, digits), std: round(Math.sqrt(squares / (n - 1)), digits), n };
}

/** `72.3 ± 3.1` (or `72.3` when n = 1), to `digits` decimals. */
export function formatSpread(value: Spread, digits = 1): string {
  const mean = value.mean.toFixed(digits);
  return value.std === null ? mean : `${mean} ± ${value.std.toFixed(digits)}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
