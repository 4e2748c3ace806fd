import { describe, expect, it } from 'vitest';
import {
  checkSpace,
  fromUnit,
  inSpace,
  proposeTrial,
  toUnit,
  type Dimension,
  type Observed,
  type Point,
} from '../../../src/core/attack';

const SPACE: Dimension[] = [
  { field: 'finetune.lr', min: 1e-4, max: 1e-1, scale: 'log' },
  { field: 'finetune.epochs', min: 1, max: 10, integer: true },
  { field: 'finetune.poisonRatio', min: 0, max: 0.5 },
  { field: 'finetune.lora.rank', values: [4, 8, 16, 32] },
];

/**
 * A known objective over SPACE: one smooth peak of 100 at lr = 3e-2, epochs = 8, p = 0.4,
 * rank = 16 (away from the centre of every range), and an infeasible corner (the utility floor)
 * where lr is near its top.
 */
function objective(point: Point): number | null {
  const lr = toUnit(SPACE[0], point['finetune.lr']);
  if (lr > 0.93) return null;
  const d =
    (lr - toUnit(SPACE[0], 3e-2)) ** 2 +
    (toUnit(SPACE[1], point['finetune.epochs']) - toUnit(SPACE[1], 8)) ** 2 +
    (toUnit(SPACE[2], point['finetune.poisonRatio']) - 0.8) ** 2;
  const rank = point['finetune.lora.rank'] === 16 ? 0 : 10;
  return 100 * Math.exp(-d / 0.2) - rank;
}

function search(seed: number, budget: number, randomTrials: number): number {
  const history: Observed[] = [];
  for (let t = 0; t < budget; t++) {
    const { point } = proposeTrial(SPACE, history, { seed, randomTrials });
    history.push({ point, score: objective(point) });
  }
  return Math.max(...history.map((h) => h.score ?? -Infinity));
}

describe('proposeTrial', () => {
  it('is deterministic for a seed, and a trial depends only on the history before it', () => {
    const history: Observed[] = [];
    for (let t = 0; t < 8; t++) {
      const a = proposeTrial(SPACE, history, { seed: 5, randomTrials: 3 });
      const b = proposeTrial(SPACE, [...history], { seed: 5, randomTrials: 3 });
      expect(b).toEqual(a);
      expect(a.proposer).toBe(t < 3 ? 'random' : 'tpe');
      history.push({ point: a.point, score: objective(a.point) });
    }
    const other = proposeTrial(SPACE, [], { seed: 6, randomTrials: 3 });
    expect(other.point).not.toEqual(proposeTrial(SPACE, [], { seed: 5, randomTrials: 3 }).point);
  });

  it('stays inside the ranges (whole numbers, log range, list) on any history', () => {
    for (let seed = 0; seed < 30; seed++) {
      const history: Observed[] = [];
      for (let t = 0; t < 10; t++) {
        const { point } = proposeTrial(SPACE, history, { seed, randomTrials: 2 });
        expect(inSpace(SPACE, point)).toBe(true);
        expect(Number.isInteger(point['finetune.epochs'])).toBe(true);
        history.push({ point, score: t % 3 === 0 ? null : seed * t });
      }
    }
  });

  it('stays random until a trial kept the floor, then models from that one', () => {
    const infeasible: Observed[] = [0, 1, 2].map((i) => ({
      point: proposeTrial(SPACE, [], { seed: i, randomTrials: 0 }).point,
      score: null,
    }));
    expect(proposeTrial(SPACE, infeasible, { seed: 1, randomTrials: 1 }).proposer).toBe('random');
    const kept = proposeTrial(SPACE, [], { seed: 9, randomTrials: 0 }).point;
    const one: Observed[] = [...infeasible, { point: kept, score: 50 }];
    const next = proposeTrial(SPACE, one, { seed: 1, randomTrials: 1 });
    expect(next.proposer).toBe('tpe');
    expect(inSpace(SPACE, next.point)).toBe(true);
  });

  it('with a known objective, finds its maximum within the budget more often than random search', () => {
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    const budget = 16;
    const near = 80; // within 20 points of the peak (100)
    const tpe = seeds.filter((seed) => search(seed, budget, 5) >= near).length;
    const random = seeds.filter((seed) => search(seed, budget, budget) >= near).length;
    // Measured at this commit: TPE 21 of 40 seeds, random search 10 of 40.
    expect({ tpe, random }).toEqual({ tpe: 21, random: 10 });
    expect(tpe).toBeGreaterThan(random);
  });
});

describe('search space', () => {
  it('maps values to unit space and back (log, whole numbers, lists)', () => {
    expect(toUnit(SPACE[0], 1e-2)).toBeCloseTo(2 / 3, 12);
    expect(fromUnit(SPACE[0], 2 / 3)).toBeCloseTo(1e-2, 12);
    expect(fromUnit(SPACE[1], 0.5)).toBe(6);
    expect(fromUnit(SPACE[1], 2)).toBe(10);
    expect(fromUnit(SPACE[3], 0.4)).toBe(8);
    expect(toUnit(SPACE[3], 32)).toBe(1);
  });

  it('names every problem with its path', () => {
    const result = checkSpace([
      { field: 'finetune.lr', min: 0, max: 1, scale: 'log' },
      { field: 'finetune.lr', min: 2, max: 1 },
      { field: 'finetune.epochs', min: 1.5, max: 4, integer: true, scal: 'log' },
      { field: 'finetune.lora.rank', values: [4, 4] },
      { field: 'x..y', values: [] },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'space[0].min: must be above 0 on a log scale',
      'space[1].field: "finetune.lr" appears twice',
      'space[1].max: must be above min (2)',
      'space[2].scal: unknown field (field, min, max, scale, integer, values)',
      'space[2]: a whole-number range needs whole-number min and max',
      'space[3].values: has a repeated value',
      'space[4].field: must be a dotted config path, e.g. finetune.lr',
      'space[4].values: must be a non-empty list',
    ]);
    expect(checkSpace([]).ok).toBe(false);
  });
});
