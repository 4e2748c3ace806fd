import { describe, expect, it } from 'vitest';
import type { PruneLayerReport } from '../../../src/core/pipeline/types';
import { overlapSummary } from '../../../src/lib/maskOverlap';

const report = (
  weight: string,
  prunedFraction: number,
  maskOverlap?: PruneLayerReport['maskOverlap'],
): PruneLayerReport => ({
  weight,
  shape: [8, 8],
  prunedFraction,
  ...(maskOverlap ? { maskOverlap } : {}),
});

describe('the mask-overlap summary', () => {
  it('is absent when no report carries the diagnostic', () => {
    expect(overlapSummary([])).toBeNull();
    expect(overlapSummary([report('a', 0.1)])).toBeNull();
  });

  it('averages the layers’ Jaccard, says what chance would give, and reads it in one sentence', () => {
    const summary = overlapSummary([
      report('a', 0.1, { jaccard: 0.7, normCorrelation: 0.9 }),
      report('b', 0.1, { jaccard: 0.9, normCorrelation: null }),
      report('c', 0.1),
    ])!;
    expect(summary.rows.map((r) => r.weight)).toEqual(['a', 'b']);
    expect(summary.meanJaccard).toBeCloseTo(0.8, 12);
    // Two random masks of 10% per neuron: 0.1 / 1.9.
    expect(summary.meanChance).toBeCloseTo(0.1 / 1.9, 12);
    expect(summary.rows[1].normCorrelation).toBeNull();
    expect(summary.sentence).toBe(
      "The masks Wanda picks from harmful data and from the task's data share 80% of their " +
        'weights (5% by chance): pruning what the harmful data uses also prunes what the task uses.',
    );
  });

  it('says so when the masks share little more than chance', () => {
    const summary = overlapSummary([report('a', 0.1, { jaccard: 0.06, normCorrelation: 0.1 })])!;
    expect(summary.sentence).toMatch(/share 6% .*5% by chance\): the two pick mostly different/);
  });
});
