import { describe, expect, it } from 'vitest';
import { fastRandomWeights, fillUniform } from '../../../src/core/bench/fastRandomWeights';
import {
  REAL_SIZE_MODEL_NAMES,
  isRealSizeModelName,
  realSizeModelConfig,
} from '../../../src/core/bench/realSizeModels';
import { parameterCount, weightSpecs } from '../../../src/core/model/weights';
import { TINY } from '../support/tiny';

describe('real-size model shapes', () => {
  it('GPT-2 124M: 50257 × 768, 12 layers of 12 heads, ffn 3072, context 1024, tied', () => {
    const config = realSizeModelConfig('gpt2-124m');
    expect(config).toMatchObject({
      family: 'gpt2',
      vocabSize: 50257,
      dModel: 768,
      nLayers: 12,
      nHeads: 12,
      nKvHeads: 12,
      headDim: 64,
      ffnDim: 3072,
      contextLength: 1024,
      tiedEmbeddings: true,
      positions: 'learned',
    });
    expect(parameterCount(config)).toBe(124_439_808); // transformers' GPT2LMHeadModel count
  });

  it('SmolLM2-135M: a Llama of 576 wide, 30 layers, 9 : 3 heads of 64, ffn 1536, θ 1e5, tied', () => {
    const config = realSizeModelConfig('smollm2-135m');
    expect(config).toMatchObject({
      family: 'llama',
      vocabSize: 49152,
      dModel: 576,
      nLayers: 30,
      nHeads: 9,
      nKvHeads: 3,
      headDim: 64,
      ffnDim: 1536,
      contextLength: 8192,
      ropeTheta: 100000,
      normEps: 1e-5,
      norm: 'rmsnorm',
      gatedMlp: true,
      tiedEmbeddings: true,
      bias: { qkv: false, o: false, mlp: false },
    });
    expect(parameterCount(config)).toBe(134_515_008); // the Hub model card's 135M
  });

  it('knows exactly its registry names', () => {
    for (const name of REAL_SIZE_MODEL_NAMES) expect(isRealSizeModelName(name)).toBe(true);
    expect(isRealSizeModelName('gpt2')).toBe(false);
    expect(isRealSizeModelName('toString')).toBe(false);
  });
});

describe('fast random weights', () => {
  it('fills every spec: norms 1, biases 0, matrices uniform with the spec std', () => {
    const values = fastRandomWeights(TINY, 3);
    for (const spec of weightSpecs(TINY)) {
      const data = values.get(spec.name) as Float32Array;
      expect(data.length, spec.name).toBe(spec.shape.reduce((a, b) => a * b, 1));
      if (spec.init === 'ones') expect(data.every((v) => v === 1)).toBe(true);
      if (spec.init === 'zeros') expect(data.every((v) => v === 0)).toBe(true);
    }
    const big = new Float32Array(200_000);
    fillUniform(big, 7, 0.02);
    const mean = big.reduce((s, v) => s + v, 0) / big.length;
    const std = Math.sqrt(big.reduce((s, v) => s + (v - mean) ** 2, 0) / big.length);
    expect(Math.abs(mean)).toBeLessThan(2e-4);
    expect(std).toBeGreaterThan(0.0198);
    expect(std).toBeLessThan(0.0202);
    expect(Math.max(...big.slice(0, 10_000).map(Math.abs))).toBeLessThanOrEqual(
      0.02 * Math.sqrt(3),
    );
  });

  it('is deterministic in the seed, and another seed differs', () => {
    const name = weightSpecs(TINY).find((s) => s.init === 'normal')!.name;
    const a = fastRandomWeights(TINY, 1).get(name)!;
    expect(Array.from(fastRandomWeights(TINY, 1).get(name)!)).toEqual(Array.from(a));
    expect(Array.from(fastRandomWeights(TINY, 2).get(name)!)).not.toEqual(Array.from(a));
  });
});
