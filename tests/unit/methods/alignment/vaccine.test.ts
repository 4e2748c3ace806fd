import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  blockOutputGradients,
  vaccineGradients,
  vaccinePerturbations,
} from '../../../../src/core/methods/alignment/vaccine/vaccine';
import {
  disposeBatchTensors,
  toBatchTensors,
  type BatchTensors,
} from '../../../../src/core/model/batch';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { createRng } from '../../../../src/core/random';
import { Trainer } from '../../../../src/core/train/trainer';
import { useBackend } from '../../support/backend';
import { TINY } from '../../support/tiny';
import {
  ALIGNMENT,
  TRAINER_OPTIONS,
  expectNoTensorLeak,
  expectSameWeights,
  expectSomeWeightDiffers,
  maxAbsDiff,
  packedBatch,
  trainedWeights,
  unitScaleModel,
} from './context';

/** The alignment loss with `offsets[l]·t` added to block l's output. */
async function lossWithOffsets(
  model: LanguageModel,
  tensors: BatchTensors,
  offsets: Float32Array[] | null,
  t = 1,
): Promise<number> {
  const loss = tf.tidy(() =>
    model.loss(
      tensors,
      offsets === null
        ? {}
        : {
            blockOutput: (layer, output) =>
              tf.add(output, tf.mul(tf.tensor2d(offsets[layer], output.shape), t)) as tf.Tensor2D,
          },
    ),
  );
  const value = (await loss.data())[0];
  loss.dispose();
  return value;
}

const dot = (a: Float32Array[], b: Float32Array[]) =>
  a.reduce((sum, layer, l) => sum + layer.reduce((s, v, i) => s + v * b[l][i], 0), 0);

describe.each(['cpu', 'wasm'] as const)('vaccine on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  let model: LanguageModel;
  let tensors: BatchTensors;
  afterEach(() => {
    model?.dispose();
    if (tensors) disposeBatchTensors(tensors);
  });

  it('block-output gradients match central finite differences of the loss', async () => {
    model = await unitScaleModel(1);
    tensors = toBatchTensors(packedBatch(ALIGNMENT));
    const grads = blockOutputGradients(model, tensors);
    expect(grads.map((g) => g.shape)).toEqual([
      [2 * TINY.contextLength, TINY.dModel],
      [2 * TINY.contextLength, TINY.dModel],
    ]);
    const g = (await Promise.all(grads.map((t) => t.data()))) as Float32Array[];
    tf.dispose(grads);
    const norm = Math.sqrt(dot(g, g));
    const rng = createRng(9);
    const random = g.map((layer) => Float32Array.from(layer, () => rng.normal()));
    const randomNorm = Math.sqrt(dot(random, random));
    const unitRandom = random.map((layer) => layer.map((v) => v / randomNorm));
    const unitGradient = g.map((layer) => layer.map((v) => v / norm));
    const eps = 1e-2;
    for (const [direction, expected] of [
      [unitGradient, norm],
      [unitRandom, dot(g, unitRandom)],
    ] as const) {
      const plus = await lossWithOffsets(model, tensors, direction, eps);
      const minus = await lossWithOffsets(model, tensors, direction, -eps);
      expect(Math.abs((plus - minus) / (2 * eps) - expected)).toBeLessThan(1e-3);
    }
    expect(norm).toBeGreaterThan(0.1);
  });

  it('scales the perturbation to a global norm ρ, every layer along its own gradient', async () => {
    model = LanguageModel.init(TINY, 1);
    tensors = toBatchTensors(packedBatch(ALIGNMENT));
    const grads = blockOutputGradients(model, tensors);
    const perturbations = vaccinePerturbations(grads, 2);
    const g = (await Promise.all(grads.map((t) => t.data()))) as Float32Array[];
    const e = (await Promise.all(perturbations.map((t) => t.data()))) as Float32Array[];
    tf.dispose([...grads, ...perturbations]);
    const norm = Math.sqrt(dot(g, g));
    g.forEach((layer, l) => {
      expect(
        maxAbsDiff(
          e[l],
          layer.map((v) => (2 * v) / (norm + 1e-7)),
        ),
      ).toBeLessThan(1e-6);
    });
    expect(Math.sqrt(dot(e, e))).toBeCloseTo(2, 5);
  });

  it('steps with the gradient of the loss under the perturbation held constant', async () => {
    model = await unitScaleModel(2);
    tensors = toBatchTensors(packedBatch(ALIGNMENT));
    const trainer = new Trainer(model, TRAINER_OPTIONS);
    const grads = blockOutputGradients(model, tensors);
    const g = (await Promise.all(grads.map((t) => t.data()))) as Float32Array[];
    tf.dispose(grads);
    const norm = Math.sqrt(dot(g, g));
    const rho = 2;
    const perturbation = g.map((layer) => layer.map((v) => (rho * v) / (norm + 1e-7)));

    const before = tf.memory().numTensors;
    const step = vaccineGradients(trainer, tensors, rho);
    const constants = perturbation.map((p) =>
      tf.tensor2d(p, [p.length / TINY.dModel, TINY.dModel]),
    );
    const reference = trainer.gradients(() =>
      model.loss(tensors, {
        blockOutput: (layer, output) => tf.add(output, constants[layer]) as tf.Tensor2D,
      }),
    );
    const reported = (await step.loss.data())[0];
    expect(reported).toBeCloseTo((await reference.loss.data())[0], 5);
    // Ascent direction: the perturbed loss is above the clean loss, by about ρ·‖g‖ to first order.
    const clean = await lossWithOffsets(model, tensors, null);
    expect(reported - clean).toBeGreaterThan(0.25 * rho * norm);
    for (const [name, grad] of Object.entries(reference.grads)) {
      const got = await step.grads[name].data();
      const want = await grad.data();
      expect(maxAbsDiff(got, want), name).toBeLessThan(1e-5);
    }
    tf.dispose([step.loss, ...Object.values(step.grads)]);
    tf.dispose([reference.loss, ...Object.values(reference.grads), ...constants]);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('is plain alignment SFT at ρ = 0, and moves the weights differently at ρ = 2', async () => {
    const sft = await trainedWeights('sft', {});
    const zero = await trainedWeights('vaccine', { rho: 0 });
    const vaccine = await trainedWeights('vaccine', { rho: 2 });
    expect(vaccine.steps).toBe(sft.steps);
    expectSameWeights(sft.values, zero.values);
    expectSomeWeightDiffers(sft.values, vaccine.values);
  });

  it('leaks no tensors across steps', async () => {
    await expectNoTensorLeak('vaccine', { rho: 2 });
  });
});
