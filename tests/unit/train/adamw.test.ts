import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../../../src/core/train/adamw';
import { learningRateAt } from '../../../src/core/train/schedule';
import { useBackend } from '../support/backend';

describe('AdamW', () => {
  beforeAll(() => useBackend('cpu'));

  it('matches a hand computation of decoupled weight decay, bias correction and clipping', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const params = new Map<string, tf.Variable>([
      ['layer.weight', w],
      ['layer.bias', b],
    ]);
    const opt = new AdamW(params, { weightDecay: 0.1, decays: (_n, shape) => shape.length === 2 });
    const lr = 0.01;
    // Step 1: g = (3, 4, 0) → global norm 5 > maxNorm 1 → scaled to (0.6, 0.8, 0).
    const norm = opt.apply(
      { 'layer.weight': tf.tensor2d([[3, 4]]), 'layer.bias': tf.tensor1d([0]) },
      lr,
      1,
    );
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    // m = 0.1g, v = 0.001g²; m̂ = g, v̂ = g² → update = lr·sign(g) (ε negligible); decay first.
    const expected1 = [1 * (1 - lr * 0.1) - lr, -2 * (1 - lr * 0.1) - lr];
    expect(Array.from(w.dataSync())[0]).toBeCloseTo(expected1[0], 6);
    expect(Array.from(w.dataSync())[1]).toBeCloseTo(expected1[1], 6);
    expect(b.dataSync()[0]).toBeCloseTo(0.5, 7); // zero gradient, no decay on biases
    // Step 2 without clipping: g = (0.1, 0.1).
    opt.apply({ 'layer.weight': tf.tensor2d([[0.1, 0.1]]), 'layer.bias': tf.tensor1d([0]) }, lr, 0);
    const g1 = [0.6, 0.8];
    const g2 = [0.1, 0.1];
    const expected2 = expected1.map((p, i) => {
      const m = 0.9 * 0.1 * g1[i] + 0.1 * g2[i];
      const v = 0.999 * 0.001 * g1[i] ** 2 + 0.001 * g2[i] ** 2;
      const mHat = m / (1 - 0.9 ** 2);
      const vHat = v / (1 - 0.999 ** 2);
      return p * (1 - lr * 0.1) - (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
    });
    expect(w.dataSync()[0]).toBeCloseTo(expected2[0], 5);
    expect(w.dataSync()[1]).toBeCloseTo(expected2[1], 5);
    opt.dispose();
    tf.dispose([w, b, norm]);
  });
});

describe('learning-rate schedule', () => {
  const schedule = {
    kind: 'cosine' as const,
    peakLr: 1,
    totalSteps: 11,
    warmupSteps: 2,
    minLrRatio: 0.1,
  };
  it('warms up linearly, peaks, and decays by cosine to the minimum at the last step', () => {
    expect(learningRateAt(schedule, 0)).toBeCloseTo(0.5);
    expect(learningRateAt(schedule, 1)).toBeCloseTo(1);
    expect(learningRateAt(schedule, 2)).toBeCloseTo(1);
    expect(learningRateAt(schedule, 10)).toBeCloseTo(0.1);
    expect(learningRateAt(schedule, 6)).toBeCloseTo(0.55);
  });
  it('stays at the peak after warmup when constant', () => {
    expect(learningRateAt({ ...schedule, kind: 'constant' }, 9)).toBe(1);
  });
});
