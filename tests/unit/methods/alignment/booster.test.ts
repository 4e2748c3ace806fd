import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { boosterGradients } from '../../../../src/core/methods/alignment/booster/booster';
import {
  disposeBatchTensors,
  toBatchTensors,
  type BatchTensors,
} from '../../../../src/core/model/batch';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { Trainer } from '../../../../src/core/train/trainer';
import { useBackend } from '../../support/backend';
import { TINY } from '../../support/tiny';
import {
  ALIGNMENT,
  TRAINER_OPTIONS,
  HARMFUL,
  expectNoTensorLeak,
  expectSameWeights,
  expectSomeWeightDiffers,
  maxAbsDiff,
  packedBatch,
  trainedWeights,
} from './context';

/** Loss and weight gradients of `model` on `tensors`, read back and disposed. */
async function gradientsOf(model: LanguageModel, tensors: BatchTensors) {
  const trainer = new Trainer(model, TRAINER_OPTIONS);
  const { loss, grads } = trainer.gradients(() => model.loss(tensors));
  const values = new Map<string, Float32Array>();
  for (const [name, grad] of Object.entries(grads))
    values.set(name, (await grad.data()) as Float32Array);
  const lossValue = (await loss.data())[0];
  tf.dispose([loss, ...Object.values(grads)]);
  trainer.dispose();
  return { loss: lossValue, grads: values };
}

describe.each(['cpu', 'wasm'] as const)('booster on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('combines ∇f(θ) + λ(∇h(θ) − ∇h(θ′)) and restores the weights bit for bit', async () => {
    const model = LanguageModel.init(TINY, 1);
    const aligned = toBatchTensors(packedBatch(ALIGNMENT));
    const harmful = toBatchTensors(packedBatch(HARMFUL));
    const theta = await model.readValues();
    const [lambda, alpha] = [5, 0.1];

    const trainer = new Trainer(model, TRAINER_OPTIONS);
    const before = tf.memory().numTensors;
    const step = boosterGradients(trainer, aligned, harmful, { lambda, alpha });
    expectSameWeights(theta, await model.readValues());

    // Reference: the three gradients taken separately, θ′ built from scratch in a second model.
    const h = await gradientsOf(model, harmful);
    const f = await gradientsOf(model, aligned);
    let squares = 0;
    for (const g of h.grads.values()) for (const v of g) squares += v * v;
    const scale = alpha / (Math.sqrt(squares) + 1e-7);
    const shiftedValues = new Map(
      [...theta].map(([name, w]) => [name, w.map((v, i) => v - scale * h.grads.get(name)![i])]),
    );
    const shifted = LanguageModel.fromValues(TINY, shiftedValues);
    const hShifted = await gradientsOf(shifted, harmful);
    shifted.dispose();

    expect((await step.loss.data())[0]).toBeCloseTo(f.loss, 6);
    let gap = 0;
    for (const [name, fGrad] of f.grads) {
      const hNow = h.grads.get(name)!;
      const hThen = hShifted.grads.get(name)!;
      gap = Math.max(gap, maxAbsDiff(hNow, hThen));
      const expected = fGrad.map((v, i) => v + lambda * (hNow[i] - hThen[i]));
      expect(maxAbsDiff(await step.grads[name].data(), expected), name).toBeLessThan(1e-5);
    }
    // The shifted weights change the harmful gradient: the check above is not ∇f alone.
    expect(gap).toBeGreaterThan(1e-3);

    tf.dispose([step.loss, ...Object.values(step.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    disposeBatchTensors(aligned);
    disposeBatchTensors(harmful);
    model.dispose();
  });

  it('is plain alignment SFT at λ = 0, and moves the weights differently at the defaults', async () => {
    const sft = await trainedWeights('sft', {});
    const zero = await trainedWeights('booster', { lambda: 0, alpha: 0.1, harmfulSamples: 6 });
    const booster = await trainedWeights('booster', { lambda: 5, alpha: 0.1, harmfulSamples: 6 });
    expect(booster.steps).toBe(sft.steps);
    expectSameWeights(sft.values, zero.values);
    expectSomeWeightDiffers(sft.values, booster.values);
  });

  it('leaks no tensors across steps', async () => {
    await expectNoTensorLeak('booster', { lambda: 5, alpha: 0.1, harmfulSamples: 3 });
  });
});
