import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activate,
  frozenHeadCrossEntropy,
  rowLogSumExp,
  tokenCrossEntropy,
} from '../../../src/core/model/forward';
import { createRng } from '../../../src/core/random';
import { useBackend } from '../support/backend';

function random(shape: [number, number], seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(
    Array.from({ length: shape[0] * shape[1] }, () => rng.normal()),
    shape,
  );
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`cross-entropy without a vocabulary one-hot (${backend})`, () => {
    beforeAll(() => useBackend(backend));

    it('rowLogSumExp equals tf.logSumExp in value and gradient, large logits included', async () => {
      const x = tf.add(
        random([7, 11], 3),
        tf.tensor2d([[80], [0], [-50], [1], [2], [3], [4]]),
      ) as tf.Tensor2D;
      const weights = tf.tensor1d([1, 2, 0.5, 0, 1, 3, 1]);
      const ours = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(rowLogSumExp(t as tf.Tensor2D), weights)),
      );
      const theirs = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(t, -1), weights)));
      const [v, w] = [await rowLogSumExp(x).data(), await tf.logSumExp(x, -1).data()];
      v.forEach((value, i) => expect(value).toBeCloseTo(w[i], 4));
      const [g, h] = [await ours(x).data(), await theirs(x).data()];
      g.forEach((value, i) => expect(value).toBeCloseTo(h[i], 6));
      // Each row's gradient is its weight times a softmax: it sums to the weight.
      for (let row = 0; row < 7; row++) {
        const sum = Array.from(g.slice(row * 11, row * 11 + 11)).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo([1, 2, 0.5, 0, 1, 3, 1][row], 5);
      }
    });

    it('gelu_new as x·σ(2u) equals 0.5·x·(1 + tanh u), and so does its gradient', async () => {
      const x = tf.mul(random([4, 25], 4), 3);
      const reference = (t: tf.Tensor) => {
        const u = tf.mul(tf.add(t, tf.mul(tf.pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
        return tf.mul(tf.mul(t, 0.5), tf.add(tf.tanh(u), 1));
      };
      const [a, b] = [await activate(x, 'gelu_new').data(), await reference(x).data()];
      a.forEach((value, i) => expect(value).toBeCloseTo(b[i], 5));
      const [g, h] = [
        await tf
          .grad((t: tf.Tensor) => tf.sum(activate(t, 'gelu_new')))(x)
          .data(),
        await tf
          .grad((t: tf.Tensor) => tf.sum(reference(t)))(x)
          .data(),
      ];
      g.forEach((value, i) => expect(value).toBeCloseTo(h[i], 5));
    });

    it('the chunked frozen-head form equals the plain one, in value and in its gradient, for any chunk', async () => {
      const hidden = random([10, 6], 1);
      const head = random([13, 6], 2);
      const targets = tf.tensor1d([0, 3, 12, 5, 5, 7, 1, 0, 9, 11], 'int32');
      const weights = tf.tensor1d([1, 0, 2, 0.5, 1, 1, 3, 0, 1, 1]);
      const plain = tf.grad((h: tf.Tensor) =>
        tf.sum(tf.mul(tokenCrossEntropy(h as tf.Tensor2D, head, targets), weights)),
      );
      const expectedValue = await tokenCrossEntropy(hidden, head, targets).data();
      const expectedGradient = await plain(hidden).data();
      for (const chunk of [1, 3, 4, 10, 256]) {
        const before = tf.memory().numTensors;
        const value = tf.tidy(() => frozenHeadCrossEntropy(hidden, head, targets, chunk));
        const chunked = tf.grad((h: tf.Tensor) =>
          tf.sum(tf.mul(frozenHeadCrossEntropy(h as tf.Tensor2D, head, targets, chunk), weights)),
        );
        const gradient = tf.tidy(() => chunked(hidden));
        const [v, g] = [await value.data(), await gradient.data()];
        v.forEach((x, i) => expect(x).toBeCloseTo(expectedValue[i], 5));
        g.forEach((x, i) => expect(x).toBeCloseTo(expectedGradient[i], 5));
        tf.dispose([value, gradient]);
        expect(tf.memory().numTensors).toBe(before);
      }
      // The loss really is −log softmax at the target: check one row by hand.
      const logits = await tf.matMul(hidden, head, false, true).data();
      const row = Array.from(logits.slice(0, 13));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
      expect(expectedValue[0]).toBeCloseTo(lse - row[0], 5);
      tf.dispose([hidden, head, targets, weights]);
    });
  });
}
