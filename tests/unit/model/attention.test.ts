import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { MASKED } from '../../../src/core/model/batch';
import { attend } from '../../../src/core/model/forward';
import { useBackend } from '../support/backend';

/**
 * Attention in chunks of (row, key/value head) slices gives the batched form's values and
 * gradients: on cpu with chunk budgets of one, two and every slice, and on wasm, where the batched
 * products run slice by slice through XNNPACK (`SlicedMatMul`, XNNPACK's only case).
 */
// Each slice's product is 2 · 128 · 128 · 32 = 1M multiply-adds.
const [B, K, G, T, D] = [2, 2, 2, 128, 32];
const shape = { B, K, G, T, D };

function inputs(perRowBias: boolean) {
  const random = (dims: number[], seed: number) => tf.randomNormal(dims, 0, 1, 'float32', seed);
  const queries = random([B * K, G * T, D], 1) as tf.Tensor3D;
  const keys = random([B * K, T, D], 2) as tf.Tensor3D;
  const values = random([B * K, T, D], 3) as tf.Tensor3D;
  // Causal, and for the second row also a segment boundary after token 2 (packed examples).
  const rows = perRowBias ? B : 1;
  const bias = new Float32Array(rows * T * T).fill(MASKED);
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j <= i; j++) {
        if (b === 1 && j < 3 && i >= 3) continue;
        bias[(b * T + i) * T + j] = 0;
      }
    }
  }
  return { queries, keys, values, bias: tf.tensor4d(bias, [rows, 1, T, T]) };
}

async function run(chunkBytes: number, perRowBias: boolean) {
  const { queries, keys, values, bias } = inputs(perRowBias);
  const weights = tf.randomNormal([B * K, G * T, D], 0, 1, 'float32', 4);
  const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
    tf.sum(
      tf.mul(
        attend(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, bias, shape, chunkBytes),
        weights,
      ),
    );
  const output = tf.tidy(() => attend(queries, keys, values, bias, shape, chunkBytes));
  const grads = tf.grads(f)([queries, keys, values]);
  const result = {
    output: Array.from(await output.data()),
    grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))),
  };
  tf.dispose([queries, keys, values, bias, weights, output, ...grads]);
  return result;
}

function expectClose(actual: number[], expected: number[]) {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i])));
  expect(worst).toBeLessThan(1e-5);
}

describe('attention in chunks of slices', () => {
  afterAll(async () => useBackend('cpu'));

  for (const perRowBias of [false, true]) {
    it(`equals the batched form, values and gradients (${perRowBias ? 'a bias per row' : 'one bias'})`, async () => {
      await useBackend('cpu');
      const slice = G * T * T * 4;
      const whole = await run(Infinity, perRowBias);
      for (const budget of [slice, 2 * slice, 3 * slice]) {
        const chunked = await run(budget, perRowBias);
        expectClose(chunked.output, whole.output);
        chunked.grads.forEach((g, i) => expectClose(g, whole.grads[i]));
      }
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const wasm = await run(Infinity, perRowBias);
      expect(tf.memory().numTensors).toBe(before);
      expectClose(wasm.output, whole.output);
      wasm.grads.forEach((g, i) => expectClose(g, whole.grads[i]));
    });
  }
});
