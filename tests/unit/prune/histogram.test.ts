import { describe, expect, it } from 'vitest';
import { scoreHistogram } from '../../../src/core/prune/histogram';
import { topKPerOutput } from '../../../src/core/prune/mask';
import { createRng } from '../../../src/core/random';

describe('scoreHistogram', () => {
  it('bins log10 of the nonzero scores and cuts at the mean per-column log10 threshold', () => {
    const rng = createRng(9);
    const shape: [number, number] = [10, 4];
    const scores = Float32Array.from({ length: 40 }, () => 10 ** (rng.next() * 4 - 3));
    scores[7] = 0;
    const mask = topKPerOutput(scores, shape, 0.3);
    const histogram = scoreHistogram(scores, shape, mask, 40);
    expect(histogram.edges).toHaveLength(41);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(39);
    const logs = Array.from(scores)
      .filter((s) => s > 0)
      .map(Math.log10);
    expect(histogram.edges[0]).toBeCloseTo(Math.min(...logs), 6);
    expect(histogram.edges[40]).toBeCloseTo(Math.max(...logs), 6);
    // Each column's third-largest score is its threshold.
    const thresholds = [0, 1, 2, 3].map((j) => {
      const column = Array.from({ length: 10 }, (_, i) => scores[i * 4 + j]).sort((a, b) => b - a);
      return Math.log10(column[2]);
    });
    expect(histogram.cut).toBeCloseTo(thresholds.reduce((a, b) => a + b, 0) / 4, 6);
  });

  it('puts the cut at the top edge when nothing is pruned', () => {
    const scores = Float32Array.from([1, 10, 1000, 1000]);
    const histogram = scoreHistogram(scores, [2, 2], new Uint8Array(4), 4);
    expect(histogram.cut).toBe(3);
    expect(histogram.counts).toEqual([1, 1, 0, 2]);
  });
});
