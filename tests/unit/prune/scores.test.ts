import { describe, expect, it } from 'vitest';
import { topKPerOutput } from '../../../src/core/prune/mask';
import { magnitudeScores, wandaScores } from '../../../src/core/prune/scores';
import { createRng } from '../../../src/core/random';
import { referenceWanda } from './reference';

describe('wandaScores', () => {
  it('is |W_ij| · ‖X_i‖₂ with the norm indexed by the input row of a Conv1D [in, out] weight', () => {
    const rng = createRng(3);
    const shape: [number, number] = [5, 3];
    const weight = Float32Array.from({ length: 15 }, () => rng.normal());
    const norms = Float32Array.from({ length: 5 }, () => 0.1 + rng.next() * 4);
    const got = wandaScores(weight, shape, norms);
    referenceWanda(weight, shape, Array.from(norms)).forEach((value, index) =>
      expect(got[index]).toBeCloseTo(value, 6),
    );
  });

  it('rejects norms or weights that do not match the shape', () => {
    expect(() => wandaScores(new Float32Array(6), [3, 2], new Float32Array(2))).toThrow(/3 input/);
    expect(() => wandaScores(new Float32Array(5), [3, 2], new Float32Array(3))).toThrow(/shape/);
  });
});

describe('magnitudeScores', () => {
  it('ranks by |W|, so the largest-magnitude weights (of either sign) are pruned', () => {
    const weight = Float32Array.from([0.1, -3, -0.5, 0.2, 2, 0.05, -0.3, 1]);
    expect(Array.from(magnitudeScores(weight))).toEqual(Array.from(weight.map(Math.abs)));
    // [4, 2]: column 0 = 0.1, -0.5, 2, -0.3; column 1 = -3, 0.2, 0.05, 1.
    const mask = topKPerOutput(magnitudeScores(weight), [4, 2], 0.5);
    expect(Array.from(mask)).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
  });
});
