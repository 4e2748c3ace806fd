/**
 * A decoding step on wasm writes its key and value into the cache in place (`CACHE_WRITE`) and
 * scores its few query rows against the cached keys as elementwise products summed
 * (`matmul.ts`'s `rowDots`): the same values as the masked sum and tfjs's transposed batched
 * product, bit for bit at the built-in model's head width (32), and to rounding at wider heads.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpt2Config } from '../../../src/core/model/config';
import { generateGreedy } from '../../../src/core/model/generate';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { matMul } from '../../../src/core/model/matmul';
import { createRng } from '../../../src/core/random';
import { CACHE_WRITE, useWasmKernels } from '../../../src/core/runtime/wasmKernels';
import { useBackend } from '../support/backend';

function normal(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => rng.normal()),
    shape,
  );
}

/** Greedy decoding on wasm with `slot` given to each step (the in-place write) or not. */
async function decodeBoth(model: LanguageModel, prompts: number[][]) {
  const steps: { hidden: Float32Array; keys: Float32Array[] }[][] = [[], []];
  for (const [i, inPlace] of [true, false].entries()) {
    const maxLen = model.config.contextLength;
    const { nLayers: L, nKvHeads: K, headDim: D } = model.config;
    const B = prompts.length;
    const keys = Array.from({ length: L }, () => tf.zeros([B * K, maxLen, D]) as tf.Tensor3D);
    const values = Array.from({ length: L }, () => tf.zeros([B * K, maxLen, D]) as tf.Tensor3D);
    for (let t = 0; t < 6; t++) {
      const slot = new Float32Array(maxLen);
      slot[t] = 1;
      const visible = new Float32Array(maxLen).fill(-1e9).fill(0, 0, t + 1);
      // Returning the arrays keeps the step's new cache tensors past the tidy (as generateGreedy).
      const { hidden } = tf.tidy(() => {
        const cache = { keys, values, writeMask: tf.tensor3d(slot, [1, maxLen, 1]) };
        const step = model.decodeStep(
          {
            batch: B,
            seqLen: 1,
            tokens: tf.tensor1d(
              prompts.map((p) => p[t % p.length]),
              'int32',
            ),
            positions: tf.fill([B], t, 'int32') as tf.Tensor1D,
            attentionBias: tf.tensor4d(visible, [1, 1, 1, maxLen]),
          },
          inPlace ? { ...cache, slot: t } : cache,
        );
        return { hidden: step.hidden, keys: [...keys], values: [...values] };
      });
      steps[i].push({
        hidden: (await hidden.data()) as Float32Array,
        keys: await Promise.all(keys.map(async (k) => (await k.data()) as Float32Array)),
      });
      hidden.dispose();
    }
    tf.dispose([...keys, ...values]);
  }
  return steps;
}

describe('decoding on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(useWasmKernels()).toBe(true);
  });

  it('writes a key into its cache in place: the masked sum’s values, in the cache’s own buffer', async () => {
    const cache = tf.tidy(() =>
      tf.mul(normal([3, 5, 4], 1), tf.tensor3d([1, 1, 0, 1, 1], [1, 5, 1])),
    );
    const update = normal([3, 1, 4], 2);
    const expected = await tf
      .tidy(() => tf.add(cache, tf.mul(tf.tensor3d([0, 0, 1, 0, 0], [1, 5, 1]), update)))
      .data();
    const written = tf.engine().runKernel(CACHE_WRITE, { cache, update }, { slot: 2 }) as tf.Tensor;
    expect(written.dataId).toBe(cache.dataId);
    expect(written.shape).toEqual([3, 5, 4]);
    // The old tensor goes; the written one keeps the buffer.
    cache.dispose();
    expect(Array.from(await written.data())).toEqual(Array.from(expected));
    tf.dispose([written, update]);
  });

  it('refuses a slot outside the cache and mismatched shapes, in one line', () => {
    const run = (cache: number[], update: number[], slot: number) => () =>
      tf.tidy(() =>
        tf
          .engine()
          .runKernel(CACHE_WRITE, { cache: tf.zeros(cache), update: tf.zeros(update) }, { slot }),
      );
    expect(run([2, 5, 4], [2, 1, 4], 5)).toThrow('LabCacheWrite: slot 5 is not in [0, 4]');
    expect(run([2, 5, 4], [2, 1, 3], 0)).toThrow(
      'LabCacheWrite: expected float32 [n, length, width] and [n, 1, width], got float32 [2, 5, 4] and float32 [2, 1, 3]',
    );
  });

  it('scores few query rows against many keys as tfjs’s transposed product: bit for bit to width 49, to rounding beyond', async () => {
    for (const [n, m, p, k] of [
      [16, 1, 63, 32],
      [8, 3, 20, 49],
      [8, 2, 30, 64],
    ]) {
      const a = normal([n, m, k], 3);
      const b = normal([n, p, k], 4);
      const got = await tf.tidy(() => matMul(a, b, false, true)).data();
      const expected = await tf.tidy(() => tf.matMul(a, b, false, true)).data();
      if (k <= 49) expect(Array.from(got)).toEqual(Array.from(expected));
      else {
        const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i])));
        expect(worst).toBeLessThan(1e-4);
        expect(Array.from(got)).not.toEqual(Array.from(expected));
      }
      tf.dispose([a, b]);
    }
  });

  it('decodes bit for bit as the masked sum, and greedy generation leaks nothing', async () => {
    const config = gpt2Config({
      vocabSize: 50,
      dModel: 64,
      nLayers: 2,
      nHeads: 2,
      contextLength: 16,
      mlpRatio: 2,
    });
    const model = LanguageModel.init(config, 5);
    const prompts = [
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ];
    const [inPlace, masked] = await decodeBoth(model, prompts);
    for (let t = 0; t < inPlace.length; t++) {
      expect(Array.from(inPlace[t].hidden)).toEqual(Array.from(masked[t].hidden));
      inPlace[t].keys.forEach((k, layer) =>
        expect(Array.from(k)).toEqual(Array.from(masked[t].keys[layer])),
      );
    }
    const before = tf.memory().numTensors;
    const out = await generateGreedy(model, prompts, { maxNewTokens: 8, stopIds: [] });
    expect(out.map((row) => row.length)).toEqual([8, 8, 8]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
