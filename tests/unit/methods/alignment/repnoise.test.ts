import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  gaussianMmd,
  gaussianNoise,
  logitLensLoss,
  repNoiseObjective,
  repNoiseTerms,
} from '../../../../src/core/methods/alignment/repnoise/repnoise';
import {
  disposeBatchTensors,
  toBatchTensors,
  type BatchTensors,
} from '../../../../src/core/model/batch';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { createRng } from '../../../../src/core/random';
import { useBackend } from '../../support/backend';
import { TINY } from '../../support/tiny';
import {
  ALIGNMENT,
  HARMFUL,
  expectNoTensorLeak,
  expectSameWeights,
  expectSomeWeightDiffers,
  maxAbsDiff,
  packedBatch,
  trainedWeights,
  unitScaleModel,
} from './context';

/**
 * The official MMD written out with double loops in float64: five Gaussian kernels around the
 * mean off-diagonal squared distance (or a given `bandwidth`), biased estimate.
 */
function referenceMmd(x: number[][], y: number[][], bandwidth?: number): number {
  const all = [...x, ...y];
  const n = all.length;
  const d = all.map((a) => all.map((b) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0)));
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) total += d[i][j];
  const b = (bandwidth ?? total / (n * n - n)) / 4;
  const kernel = (i: number, j: number) =>
    [1, 2, 4, 8, 16].reduce((s, m) => s + Math.exp(-d[i][j] / (b * m)), 0);
  const B = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) sum += (i < B === j < B ? 1 : -1) * kernel(i, j);
  }
  return sum / (B * B);
}

function bandwidthOf(x: number[][], y: number[][]): number {
  const all = [...x, ...y];
  let total = 0;
  for (const a of all) for (const b of all) total += a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0);
  return total / (all.length ** 2 - all.length);
}

const randomMatrix = (rows: number, cols: number, seed: number, shift = 0) => {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => rng.normal() + shift),
  );
};

const rowsOf = (values: ArrayLike<number>, rows: number) => {
  const cols = values.length / rows;
  return Array.from({ length: rows }, (_, r) => Array.from(values).slice(r * cols, (r + 1) * cols));
};

const scalar = async (t: tf.Tensor) => (await t.data())[0];

describe.each(['cpu', 'wasm'] as const)('repnoise on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const disposers: (() => void)[] = [];
  afterEach(() => {
    disposers.splice(0).forEach((d) => d());
  });
  const batchTensors = (examples: typeof ALIGNMENT): BatchTensors => {
    const tensors = toBatchTensors(packedBatch(examples));
    disposers.push(() => disposeBatchTensors(tensors));
    return tensors;
  };
  const newModel = async (seed: number) => {
    const model = await unitScaleModel(seed);
    disposers.push(() => model.dispose());
    return model;
  };

  it('computes the MMD of the official code (checked against a double loop)', async () => {
    const x = randomMatrix(3, 5, 1, 0.7);
    const y = randomMatrix(3, 5, 2);
    const value = gaussianMmd(tf.tensor2d(x), tf.tensor2d(y));
    expect(await scalar(value)).toBeCloseTo(referenceMmd(x, y), 5);
    const same = gaussianMmd(tf.tensor2d(x), tf.tensor2d(x));
    expect(await scalar(same)).toBeCloseTo(0, 6);
    tf.dispose([value, same]);
  });

  it('holds the MMD bandwidth constant in the gradient, as the official code does', async () => {
    const x = randomMatrix(3, 4, 3, 0.5);
    const y = randomMatrix(3, 4, 4);
    const grad = tf.grad((t: tf.Tensor) => gaussianMmd(t as tf.Tensor2D, tf.tensor2d(y)))(
      tf.tensor2d(x),
    );
    const got = await grad.data();
    grad.dispose();
    const fixed = bandwidthOf(x, y);
    const eps = 1e-5;
    const finiteDifference = (bandwidth: (xs: number[][]) => number | undefined) =>
      x.flatMap((row, i) =>
        row.map((_, k) => {
          const at = (delta: number) =>
            x.map((r, a) => r.map((v, b) => (a === i && b === k ? v + delta : v)));
          return (
            (referenceMmd(at(eps), y, bandwidth(at(eps))) -
              referenceMmd(at(-eps), y, bandwidth(at(-eps)))) /
            (2 * eps)
          );
        }),
      );
    const withFixedBandwidth = finiteDifference(() => fixed);
    const withMovingBandwidth = finiteDifference(() => undefined);
    expect(maxAbsDiff(got, withFixedBandwidth)).toBeLessThan(1e-4);
    // The two differ, so the check above can tell a detached bandwidth from a differentiated one.
    expect(maxAbsDiff(withFixedBandwidth, withMovingBandwidth)).toBeGreaterThan(1e-3);
  });

  it("reads the answers' loss out of each block output through ln_f and the unembedding", async () => {
    const model = await newModel(1);
    const harmful = batchTensors(HARMFUL);
    const values = await model.readValues();
    // A one-block model with the same weights ends where block 0 ends.
    const firstBlockOnly = LanguageModel.fromValues({ ...TINY, nLayers: 1 }, values);
    disposers.push(() => firstBlockOnly.dispose());
    const [lens0, lens1, full, truncated] = tf.tidy(() => {
      const states: tf.Tensor2D[] = [];
      model.hidden(harmful, { blockOutput: (_, output) => (states.push(output), output) });
      return [
        logitLensLoss(model, states[0], harmful),
        logitLensLoss(model, states[1], harmful),
        model.loss(harmful),
        firstBlockOnly.loss(harmful),
      ];
    });
    expect(await scalar(lens1)).toBeCloseTo(await scalar(full), 5);
    expect(await scalar(lens0)).toBeCloseTo(await scalar(truncated), 5);
    expect(Math.abs((await scalar(lens0)) - (await scalar(lens1)))).toBeGreaterThan(1e-3);
    tf.dispose([lens0, lens1, full, truncated]);
  });

  it('composes L_safe − α·log(1 + L_harm) + β·MMD² from answer-masked block outputs', async () => {
    const model = await newModel(2);
    const aligned = batchTensors(ALIGNMENT);
    const harmful = batchTensors(HARMFUL);
    const rows = harmful.batch * harmful.seqLen;
    const noise = gaussianNoise(createRng(7), model, rows);
    disposers.push(() => tf.dispose(noise));
    const [alpha, beta] = [0.3, 0.5];

    const terms = tf.tidy(() => {
      const t = repNoiseTerms(model, aligned, harmful, noise);
      return [t.safe, t.harmful, t.noise, repNoiseObjective(t, { alpha, beta })];
    });
    const [safe, harmfulLoss, noiseLoss, objective] = await Promise.all(terms.map(scalar));

    // References: the alignment loss, the mean of the one- and two-block models' harmful losses,
    // and the double-loop MMD on the answer-masked outputs read through the hook.
    const firstBlockOnly = LanguageModel.fromValues(
      { ...TINY, nLayers: 1 },
      await model.readValues(),
    );
    disposers.push(() => firstBlockOnly.dispose());
    const states: Float32Array[] = [];
    const references = tf.tidy(() => {
      const collected: tf.Tensor2D[] = [];
      model.hidden(harmful, { blockOutput: (_, output) => (collected.push(output), output) });
      return [model.loss(aligned), model.loss(harmful), firstBlockOnly.loss(harmful), ...collected];
    });
    const [safeRef, lastRef, firstRef] = await Promise.all(references.slice(0, 3).map(scalar));
    for (const t of references.slice(3)) states.push((await t.data()) as Float32Array);
    const mask = await harmful.lossMask.data();
    const masked = (values: ArrayLike<number>) =>
      rowsOf(
        Array.from(values, (v, i) => (mask[Math.floor(i / TINY.dModel)] === 1 ? v : 0)),
        harmful.batch,
      );
    const noiseValues = await Promise.all(noise.map((n) => n.data()));
    const mmdRef =
      states.reduce((s, h, l) => s + referenceMmd(masked(h), masked(noiseValues[l])), 0) /
      states.length;
    tf.dispose(references);

    expect(safe).toBeCloseTo(safeRef, 5);
    expect(harmfulLoss).toBeCloseTo((firstRef + lastRef) / 2, 5);
    expect(noiseLoss).toBeCloseTo(mmdRef, 4);
    expect(noiseLoss).toBeGreaterThan(0.01);
    expect(objective).toBeCloseTo(safe - alpha * Math.log(1 + harmfulLoss) + beta * noiseLoss, 5);
  });

  it('bounds the ascent: the harmful term pulls with α/(1 + L_harm)', async () => {
    const [safe, harmful, noise] = [tf.scalar(2), tf.scalar(3), tf.scalar(0.4)];
    const grads = tf.grads((s: tf.Tensor, h: tf.Tensor, n: tf.Tensor) =>
      repNoiseObjective(
        { safe: s as tf.Scalar, harmful: h as tf.Scalar, noise: n as tf.Scalar },
        { alpha: 0.1, beta: 0.001 },
      ),
    )([safe, harmful, noise]);
    const [dSafe, dHarmful, dNoise] = await Promise.all(grads.map(scalar));
    expect(dSafe).toBeCloseTo(1, 6);
    expect(dHarmful).toBeCloseTo(-0.1 / (1 + 3), 6);
    expect(dNoise).toBeCloseTo(0.001, 6);
    tf.dispose([safe, harmful, noise, ...grads]);
  });

  it('is plain alignment SFT at α = β = 0, and moves the weights differently at the defaults', async () => {
    const sft = await trainedWeights('sft', {});
    const zero = await trainedWeights('repnoise', { alpha: 0, beta: 0, harmfulSamples: 6 });
    const repnoise = await trainedWeights('repnoise', {
      alpha: 0.1,
      beta: 0.001,
      harmfulSamples: 6,
    });
    expect(repnoise.steps).toBe(sft.steps);
    expectSameWeights(sft.values, zero.values);
    expectSomeWeightDiffers(sft.values, repnoise.values);
  });

  it('leaks no tensors across steps', async () => {
    await expectNoTensorLeak('repnoise', { alpha: 0.1, beta: 0.001, harmfulSamples: 6 });
  });
});
