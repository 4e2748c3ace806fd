import { describe, expect, it } from 'vitest';
import { trainingStepFlops } from '../../../src/core/bench/flops';

describe('trainingStepFlops', () => {
  it('counts the reference model step by hand', () => {
    // V=256, d=128, 2 layers, T=64, B=8: 512 tokens.
    // Per layer: 2·512·(3·128² + 128² + 2·128·512) = 201,326,592; attention 2·2·8·64²·128 = 16,777,216.
    // Head: 2·512·128·256 = 33,554,432. Forward 2·218,103,808 + 33,554,432 = 469,762,048; ×3.
    const flops = trainingStepFlops(
      { vocabSize: 256, dModel: 128, nLayers: 2, nHeads: 4, contextLength: 64, mlpRatio: 4 },
      8,
    );
    expect(flops).toBe(1_409_286_144);
  });

  it('grows with the width squared and the layers linearly', () => {
    const shape = {
      vocabSize: 256,
      dModel: 128,
      nLayers: 2,
      nHeads: 4,
      contextLength: 64,
      mlpRatio: 4,
    };
    const deeper = trainingStepFlops({ ...shape, nLayers: 4 }, 8);
    const base = trainingStepFlops(shape, 8);
    const head = 3 * 2 * 512 * 128 * 256;
    expect(deeper - head).toBe(2 * (base - head));
  });
});
