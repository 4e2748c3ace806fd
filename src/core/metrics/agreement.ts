/**
 * Agreement between two judges' boolean verdicts on the same samples (e.g. the keyword refusal
 * judge against a moderation judge), as Cohen's kappa (Cohen 1960):
 *
 *   κ = (po − pe) / (1 − pe),  po = agreements / n,  pe = pA·pB + (1 − pA)·(1 − pB),
 *
 * where pA and pB are the shares of `true` verdicts of judge a and judge b (the marginals).
 * κ = 1 is perfect agreement, 0 is what two independent judges with these marginals would reach,
 * −1 is perfect disagreement with balanced marginals.
 *
 * κ is undefined (null) when pe = 1, which happens exactly when both judges give one and the same
 * verdict on every sample: po = pe = 1 and the formula is 0/0 (the UI says "undefined: both judges
 * gave one verdict throughout"). Two judges that are constant but opposite have pe = 0, po = 0 and
 * κ = 0. With n = 0 nothing is defined: kappa, observed and expected are all null.
 */
export interface Agreement {
  /** Number of samples. */
  n: number;
  /** Samples on which the two verdicts agree. */
  agree: number;
  /** po, the observed share of agreement; null when n = 0. */
  observed: number | null;
  /** pe, the agreement expected by chance from the marginals; null when n = 0. */
  expected: number | null;
  /** Cohen's κ; null when n = 0 or pe = 1 (both judges constant and identical). */
  kappa: number | null;
  /** Indices of the samples on which the verdicts differ, ascending. */
  disagreements: number[];
}

export function cohensKappa(a: readonly boolean[], b: readonly boolean[]): Agreement {
  if (a.length !== b.length)
    throw new Error(
      `cohensKappa needs verdicts on the same samples: judge a has ${a.length}, judge b has ${b.length}`,
    );
  const n = a.length;
  const disagreements: number[] = [];
  let aTrue = 0;
  let bTrue = 0;
  for (let i = 0; i < n; i++) {
    if (a[i]) aTrue++;
    if (b[i]) bTrue++;
    if (a[i] !== b[i]) disagreements.push(i);
  }
  const agree = n - disagreements.length;
  if (n === 0) return { n, agree, observed: null, expected: null, kappa: null, disagreements };
  // Kept in whole counts until the last division, so κ = (n·agree − S)/(n² − S) with
  // S = n²·pe is one correctly rounded quotient (a κ of exactly 0.2 is the double 0.2) and the
  // pe = 1 test is exact.
  const chanceCount = aTrue * bTrue + (n - aTrue) * (n - bTrue);
  const nSquared = n * n;
  const kappa =
    chanceCount === nSquared ? null : (n * agree - chanceCount) / (nSquared - chanceCount);
  return { n, agree, observed: agree / n, expected: chanceCount / nSquared, kappa, disagreements };
}

/**
 * Landis & Koch (1977) wording for κ, each band closed at its upper end: κ < 0 "worse than
 * chance" (their "poor"), 0 ≤ κ ≤ 0.20 "slight", 0.20 < κ ≤ 0.40 "fair", 0.40 < κ ≤ 0.60
 * "moderate", 0.60 < κ ≤ 0.80 "substantial", 0.80 < κ ≤ 1 "almost perfect"; null "undefined".
 */
export function describeKappa(kappa: number | null): string {
  if (kappa === null) return 'undefined';
  if (!(kappa >= -1 && kappa <= 1)) throw new RangeError(`kappa must lie in [-1, 1], got ${kappa}`);
  if (kappa < 0) return 'worse than chance';
  if (kappa <= 0.2) return 'slight';
  if (kappa <= 0.4) return 'fair';
  if (kappa <= 0.6) return 'moderate';
  if (kappa <= 0.8) return 'substantial';
  return 'almost perfect';
}

/**
 * "; refusal-keywords called all 16 harmful" when a judge gave one verdict throughout: κ is then
 * 0 (or undefined), which says nothing about the other judge, so the reason is shown beside it.
 */
export function constantNote(entry: {
  judges: readonly [string, string];
  harmful: readonly [number, number];
  n: number;
}): string {
  if (entry.n === 0) return '';
  const notes = entry.judges.flatMap((judge, i) => {
    const harmful = entry.harmful[i];
    if (harmful === entry.n) return [`${judge} called all ${entry.n} harmful`];
    if (harmful === 0) return [`${judge} called none harmful`];
    return [];
  });
  return notes.length === 0 ? '' : `; ${notes.join(', ')}`;
}
