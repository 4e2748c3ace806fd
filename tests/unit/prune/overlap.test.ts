import { describe, expect, it } from 'vitest';
import { chanceJaccard, jaccard, pearson } from '../../../src/core/prune/overlap';
import { taskAwareScores } from '../../../src/core/prune/scores';
import { topKPerOutput } from '../../../src/core/prune/mask';
import { createRng } from '../../../src/core/random';
import { referenceTopK } from './reference';

const mask = (...bits: number[]) => Uint8Array.from(bits);

describe('mask-overlap diagnostic', () => {
  it('Jaccard of tiny masks, counted by hand', () => {
    // {0, 2, 3} and {2, 3, 5}: 2 shared of 4 in either.
    expect(jaccard(mask(1, 0, 1, 1, 0, 0), mask(0, 0, 1, 1, 0, 1))).toBe(0.5);
    expect(jaccard(mask(1, 1, 0, 0), mask(0, 0, 1, 1))).toBe(0);
    expect(jaccard(mask(1, 0, 1), mask(1, 0, 1))).toBe(1);
    // {0} and {0, 1, 2}: 1 of 3.
    expect(jaccard(mask(1, 0, 0, 0), mask(1, 1, 1, 0))).toBeCloseTo(1 / 3, 15);
    expect(jaccard(mask(0, 0), mask(0, 0))).toBe(1);
    expect(() => jaccard(mask(1), mask(1, 0))).toThrow('masks differ in size (1 and 2 entries)');
  });

  it('Pearson correlation against hand-computed values', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 15);
    // x − mean = (−1, 0, 1), y − mean = (−1, 2, −1)/… : Σdx·dy = 0.
    expect(pearson([1, 2, 3], [1, 3, 1])).toBeCloseTo(0, 15);
    // x = (1, 2, 3, 4), y = (1, 3, 2, 4): Σdxdy = 4, Σdx² = Σdy² = 5 → 0.8.
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 15);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(pearson([], [])).toBeNull();
  });

  it('chance Jaccard of random masks is f / (2 − f)', () => {
    expect(chanceJaccard(0.1)).toBeCloseTo(0.1 / 1.9, 15);
    expect(chanceJaccard(1)).toBe(1);
    // Brute force: many random pairs of masks with k of n per column share about that.
    const rng = createRng(3);
    const n = 200;
    const k = 40;
    let total = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const pick = () => {
        const m = new Uint8Array(n);
        for (const i of rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, k)) m[i] = 1;
        return m;
      };
      total += jaccard(pick(), pick());
    }
    expect(total / trials).toBeCloseTo(chanceJaccard(k / n), 2);
  });
});

describe('task-aware scores', () => {
  const rng = createRng(11);
  const shape: [number, number] = [6, 5];
  const positive = () => Float32Array.from({ length: 30 }, () => Math.abs(rng.normal()) + 0.01);

  it('rank weights as H/mean(H) − λ·T/mean(T), computed naively', () => {
    for (const lambda of [0.5, 1, 3]) {
      const harmful = positive();
      const task = positive();
      const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;
      const [mh, mt] = [mean(harmful), mean(task)];
      const naive = Array.from(harmful, (h, i) => h / mh - (lambda * task[i]) / mt);
      const scores = taskAwareScores(harmful, task, lambda);
      for (const ratio of [0.2, 0.5]) {
        expect(Array.from(topKPerOutput(scores, shape, ratio)), `λ ${lambda}`).toEqual(
          referenceTopK(naive, shape, Math.round(ratio * shape[0])),
        );
      }
      // The same numbers up to the positive factor mean(H).
      scores.forEach((s, i) => expect(s / mh).toBeCloseTo(naive[i], 5));
    }
  });

  it('are the harmful scores themselves at λ = 0, and without a task term when T is all zero', () => {
    const harmful = positive();
    expect(Array.from(taskAwareScores(harmful, positive(), 0))).toEqual(Array.from(harmful));
    expect(Array.from(taskAwareScores(harmful, new Float32Array(30), 2))).toEqual(
      Array.from(harmful),
    );
    expect(() => taskAwareScores(harmful, new Float32Array(3), 1)).toThrow('differ in size');
  });
});
