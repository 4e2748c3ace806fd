/**
 * The wasm path's bias add and gain multiply (`addLastAxis`, `mulLastAxis`): their gradients,
 * summed as the row sums of a blocked transpose instead of tfjs's own transpose-and-sum, equal the
 * plain ops' on every shape the model uses (2-D activations, 3-D per-head tensors under Qwen3's
 * q/k norm); a trained linear layer's (`affine`) weight and bias gradients from one product.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addLastAxis, affine, mulLastAxis, productWithHead } from '../../../src/core/model/matmul';
import { createRng } from '../../../src/core/random';
import { useBackend } from '../support/backend';

function random(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, () => rng.normal()),
    shape,
  );
}

describe('addLastAxis and mulLastAxis on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  for (const shape of [
    [12, 5],
    [6, 3, 4],
  ]) {
    it(`match tf.add and tf.mul in value and gradient for [${shape.join(', ')}]`, async () => {
      const x = random(shape, 1);
      const v = random([shape[shape.length - 1]], 2);
      const weights = random(shape, 3);
      for (const [ours, theirs] of [
        [addLastAxis, tf.add],
        [mulLastAxis, tf.mul],
      ] as const) {
        const loss =
          (op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(op(a, b), weights));
        const [gx, gv] = tf.grads(loss(ours))([x, v]);
        const [hx, hv] = tf.grads(loss(theirs))([x, v]);
        expect(Array.from(await ours(x, v).data())).toEqual(Array.from(await theirs(x, v).data()));
        const close = async (a: tf.Tensor, b: tf.Tensor) => {
          expect(a.shape).toEqual(b.shape);
          const [p, q] = [await a.data(), await b.data()];
          p.forEach((value, i) => expect(value).toBeCloseTo(q[i], 5));
        };
        await close(gx, hx);
        await close(gv, hv);
        tf.dispose([gx, gv, hx, hv]);
      }
    });
  }
});

describe('productWithHead on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  it('sums blocks of the head to the whole product, for blocks that do and do not divide the vocabulary', async () => {
    const p = random([5, 23], 4) as tf.Tensor2D;
    const head = random([23, 6], 5) as tf.Tensor2D;
    const whole = await tf.matMul(p, head).data();
    for (const rows of [1, 4, 23, 50]) {
      const before = tf.memory().numTensors;
      const blocked = productWithHead(p, head, rows * 6 * 4);
      expect(tf.memory().numTensors).toBe(before + 1);
      const values = await blocked.data();
      blocked.dispose();
      values.forEach((v, i) => expect(v).toBeCloseTo(whole[i], 5));
    }
  });
});

describe('affine on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  it("gives x·W + b, W's gradient bit for bit the plain product's, b's the sum of dy over the tokens", async () => {
    const x = random([40, 24], 6) as tf.Tensor2D;
    const w = tf.variable(random([24, 12], 7));
    const b = tf.variable(random([12], 8));
    const weights = random([40, 12], 9);
    const ours = tf.variableGrads(
      () => tf.sum(tf.mul(affine(x, w as tf.Variable, b as tf.Variable), weights)) as tf.Scalar,
      [w, b],
    );
    const theirs = tf.variableGrads(
      () => tf.sum(tf.mul(tf.add(tf.matMul(x, w), b), weights)) as tf.Scalar,
      [w, b],
    );
    expect(await ours.value.data()).toEqual(await theirs.value.data());
    // dW = xᵀ·dy with dy = weights: the product of the plain path, untouched by the extra row.
    expect(await ours.grads[w.name].data()).toEqual(
      await tf.matMul(tf.transpose(x), weights).data(),
    );
    const db = await ours.grads[b.name].data();
    const expected = await tf.sum(weights, 0).data();
    db.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    tf.dispose([x, w, b, weights, ours.value, theirs.value]);
    tf.dispose([...Object.values(ours.grads), ...Object.values(theirs.grads)]);
  });
});
