import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyMask, randomMaskPerOutput, topKPerOutput } from '../../../src/core/prune/mask';
import { createRng } from '../../../src/core/random';
import { useBackend } from '../support/backend';
import { columnCounts, referenceTopK } from './reference';

const SHAPES: [number, number][] = [
  [7, 5],
  [13, 3],
  [1, 4],
  [16, 6],
];
const RATIOS = [0, 0.1, 0.25, 1 / 3, 0.5, 0.77, 1];

function randomScores(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.next());
}

describe('topKPerOutput', () => {
  it('prunes exactly round(maskRatio · in) weights in every output column', () => {
    for (const shape of SHAPES) {
      const scores = randomScores(shape[0] * shape[1], shape[0]);
      for (const ratio of RATIOS) {
        const k = Math.round(ratio * shape[0]);
        const counts = columnCounts(topKPerOutput(scores, shape, ratio), shape);
        expect(counts, `shape [${shape}], ratio ${ratio}`).toEqual(new Array(shape[1]).fill(k));
      }
    }
  });

  it('prunes the highest scores of each column (brute-force reference)', () => {
    for (const shape of SHAPES) {
      const scores = randomScores(shape[0] * shape[1], 100 + shape[0]);
      for (const ratio of RATIOS) {
        const expected = referenceTopK(scores, shape, Math.round(ratio * shape[0]));
        expect(Array.from(topKPerOutput(scores, shape, ratio))).toEqual(expected);
      }
    }
  });

  it('selects per output column, not globally', () => {
    // Column 0 has all the large scores; a global top-k would take only from it.
    const shape: [number, number] = [4, 2];
    const scores = Float32Array.from([10, 1, 11, 2, 12, 3, 13, 4]);
    expect(Array.from(topKPerOutput(scores, shape, 0.5))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('breaks ties by the lower input index first, deterministically', () => {
    const shape: [number, number] = [6, 2];
    // Column 0: all equal. Column 1: rows 1, 3, 4 tie for the top score.
    const scores = Float32Array.from([5, 1, 5, 9, 5, 2, 5, 9, 5, 9, 5, 0]);
    const mask = topKPerOutput(scores, shape, 2 / 6);
    expect(Array.from(mask)).toEqual([1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(topKPerOutput(scores.slice(), shape, 2 / 6))).toEqual(Array.from(mask));
  });

  it('rejects a ratio outside [0, 1], NaN scores and a wrong shape', () => {
    const scores = randomScores(6, 1);
    expect(() => topKPerOutput(scores, [3, 2], 1.5)).toThrow(/maskRatio/);
    expect(() => topKPerOutput(scores, [3, 2], -0.1)).toThrow(/maskRatio/);
    expect(() => topKPerOutput(scores, [3, 2], Number.NaN)).toThrow(/maskRatio/);
    expect(() => topKPerOutput(scores, [4, 2], 0.5)).toThrow(/shape/);
    scores[3] = Number.NaN;
    expect(() => topKPerOutput(scores, [3, 2], 0.5)).toThrow(/\[1, 1\] is NaN/);
  });
});

describe('randomMaskPerOutput', () => {
  it('prunes exactly round(maskRatio · in) weights in every output column', () => {
    for (const shape of SHAPES) {
      for (const ratio of RATIOS) {
        const mask = randomMaskPerOutput(shape, ratio, createRng(shape[0] * 31 + 7));
        const k = Math.round(ratio * shape[0]);
        expect(columnCounts(mask, shape), `shape [${shape}], ratio ${ratio}`).toEqual(
          new Array(shape[1]).fill(k),
        );
      }
    }
  });

  it('is determined by the seed', () => {
    const shape: [number, number] = [16, 6];
    const a = randomMaskPerOutput(shape, 0.25, createRng(42));
    const b = randomMaskPerOutput(shape, 0.25, createRng(42));
    const c = randomMaskPerOutput(shape, 0.25, createRng(43));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('reaches every input row (not just the first k)', () => {
    const shape: [number, number] = [10, 50];
    const mask = randomMaskPerOutput(shape, 0.2, createRng(5));
    const perRow = Array.from({ length: 10 }, (_, i) =>
      mask.slice(i * 50, (i + 1) * 50).reduce((a, b) => a + b, 0),
    );
    // 100 pruned over 10 rows: each row expected ~10, none empty.
    for (const count of perRow) expect(count).toBeGreaterThan(0);
  });
});

describe('applyMask', () => {
  beforeAll(() => useBackend('cpu'));

  it('zeroes exactly the masked entries, in place, without leaking', () => {
    const values = Float32Array.from([1, -2, 3, Number.NaN, 5, -6]);
    const variable = tf.variable(tf.tensor2d(values, [3, 2]));
    const mask = Uint8Array.from([0, 1, 0, 1, 1, 0]);
    const before = tf.memory().numTensors;
    applyMask(variable, mask);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(variable.dataSync())).toEqual([1, 0, 3, 0, 0, -6]);
    expect(() => applyMask(variable, new Uint8Array(5))).toThrow(/5 entries/);
    variable.dispose();
  });
});
