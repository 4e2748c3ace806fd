/**
 * Proposes the attacker's next trial from the trials so far.
 *
 * The first `randomTrials` trials (and any while no trial has kept the utility floor) are uniform
 * random in the space: log-uniform on a log range, uniform over a list. After that the
 * proposer is a Tree-structured Parzen Estimator (Bergstra et al., 2011), written plainly:
 *
 * 1. The feasible trials, best score first, split into "good" (the top ⌈γ·n⌉, at least one) and
 *    "bad" (the rest, and every infeasible or failed trial — the attacker should not go back there).
 * 2. Each dimension, in unit space, gets two densities: l from the good trials and g from the bad
 *    ones. On a range, a mixture of Gaussians centred on the trials (truncated to [0, 1], one
 *    bandwidth per set from the spread of its points) plus one uniform component as a prior; on a
 *    list, counts with one added to every value.
 * 3. `candidates` points are drawn from l; the one with the highest Σ log l(x) − log g(x) (where
 *    good trials are dense relative to the others) is proposed, skipping exact repeats of a trial
 *    while another candidate is new.
 *
 * Every proposal draws from its own stream, seeded by (seed, trial index) only, so the same history
 * gives the same proposal in any process: a resumed search replays the same trials.
 */
import { createRng, hashString, type Rng } from '../random';
import { fromUnit, toUnit, type Dimension, type Point } from './space';

/** A trial and its score; null when it failed or fell below the utility floor. */
export interface Observed {
  point: Point;
  score: number | null;
}

export interface ProposerOptions {
  seed: number;
  /** Uniform random trials before the model-based ones. */
  randomTrials: number;
  /** Candidates drawn from the good density per proposal (default 24). */
  candidates?: number;
  /** Share of the feasible trials counted as good (default 0.25). */
  gamma?: number;
}

export interface Proposal {
  point: Point;
  proposer: 'random' | 'tpe';
}

export function proposeTrial(
  space: readonly Dimension[],
  history: readonly Observed[],
  options: ProposerOptions,
): Proposal {
  const index = history.length;
  const rng = createRng(hashString(`attack-proposer:${options.seed}:${index}`));
  const feasible = history.filter((h): h is { point: Point; score: number } => h.score !== null);
  if (index < options.randomTrials || feasible.length === 0) {
    return { point: randomPoint(space, rng), proposer: 'random' };
  }

  const ranked = [...feasible].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil((options.gamma ?? 0.25) * ranked.length));
  const good = ranked.slice(0, nGood).map((h) => h.point);
  const bad = [...ranked.slice(nGood), ...history.filter((h) => h.score === null)].map(
    (h) => h.point,
  );
  const models = space.map((dim) => ({
    dim,
    l: density(dim, good),
    g: density(dim, bad),
  }));

  const seen = new Set(history.map((h) => key(space, h.point)));
  let best: { point: Point; score: number; repeat: boolean } | undefined;
  const count = options.candidates ?? 24;
  for (let c = 0; c < count; c++) {
    const point: Point = {};
    let score = 0;
    for (const { dim, l, g } of models) {
      const u = l.sample(rng);
      const value = fromUnit(dim, u);
      point[dim.field] = value;
      const at = toUnit(dim, value);
      score += Math.log(l.pdf(at)) - Math.log(g.pdf(at));
    }
    const repeat = seen.has(key(space, point));
    // A new point beats any repeat; among equals, the higher score (the first on a tie).
    if (!best || (best.repeat && !repeat) || (best.repeat === repeat && score > best.score)) {
      best = { point, score, repeat };
    }
  }
  return { point: (best as { point: Point }).point, proposer: 'tpe' };
}

/** Uniform in the space: log-uniform on a log range (uniform in unit space), uniform over a list. */
export function randomPoint(space: readonly Dimension[], rng: Rng): Point {
  const point: Point = {};
  for (const dim of space) {
    point[dim.field] =
      'values' in dim ? dim.values[rng.int(dim.values.length)] : fromUnit(dim, rng.next());
  }
  return point;
}

interface Density {
  /** Density at `u` in unit space (for a list: at the value's unit position). */
  pdf(u: number): number;
  sample(rng: Rng): number;
}

/** One dimension's Parzen density of `points`, with a uniform prior component. */
function density(dim: Dimension, points: readonly Point[]): Density {
  if ('values' in dim) {
    const n = dim.values.length;
    const weights = dim.values.map(() => 1);
    for (const p of points) {
      const i = dim.values.findIndex((v) => v === p[dim.field]);
      if (i >= 0) weights[i] += 1;
    }
    const total = weights.reduce((s, w) => s + w, 0);
    const position = (u: number) => (n === 1 ? 0 : Math.round(u * (n - 1)));
    return {
      pdf: (u) => weights[position(u)] / total,
      sample: (rng) => {
        let r = rng.next() * total;
        for (let i = 0; i < n; i++) {
          r -= weights[i];
          if (r < 0) return n === 1 ? 0.5 : i / (n - 1);
        }
        return 1;
      },
    };
  }
  const centres = points.map((p) => toUnit(dim, p[dim.field]));
  // Scott-like rule on the points' spread, kept between 0.1 and 0.5 of the range (narrower
  // kernels over-commit to the first good trial when there are a handful of trials).
  const sd = centres.length > 1 ? standardDeviation(centres) : 0.25;
  const bandwidth = Math.min(0.5, Math.max(0.1, 1.06 * sd * centres.length ** -0.2));
  const components = centres.length + 1; // + the uniform prior
  return {
    pdf: (u) => {
      let sum = 1; // the uniform component's density on [0, 1]
      for (const c of centres) sum += truncatedNormalPdf(u, c, bandwidth);
      return sum / components;
    },
    sample: (rng) => {
      const k = rng.int(components);
      if (k === centres.length) return rng.next();
      // Rejection keeps the draw inside [0, 1] (the truncated Gaussian); a few tries suffice.
      for (let tries = 0; tries < 32; tries++) {
        const u = centres[k] + bandwidth * rng.normal();
        if (u >= 0 && u <= 1) return u;
      }
      return Math.min(1, Math.max(0, centres[k]));
    },
  };
}

function truncatedNormalPdf(u: number, mean: number, sd: number): number {
  const z = (u - mean) / sd;
  const mass = normalCdf((1 - mean) / sd) - normalCdf((0 - mean) / sd);
  return Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
}

/** Φ(x) by the Abramowitz–Stegun 7.1.26 erf approximation (error < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function standardDeviation(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

function key(space: readonly Dimension[], point: Point): string {
  return JSON.stringify(space.map((dim) => point[dim.field]));
}
