import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  blockFeatures,
  featureDistance,
  ldifsGradients,
  realTokenMask,
} from '../../../../src/core/methods/finetune/ldifs/ldifs';
import { getTrainMethod } from '../../../../src/core/methods/registry';
import {
  disposeBatchTensors,
  toBatchTensors,
  type BatchTensors,
  type TokenBatch,
} from '../../../../src/core/model/batch';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { createRng } from '../../../../src/core/random';
import { rowsToBatch, packExamples } from '../../../../src/core/train/batching';
import { Trainer } from '../../../../src/core/train/trainer';
import { useBackend } from '../../support/backend';
import { TINY } from '../../support/tiny';
import { PAD_ID, finetuneContext, maxDifference, randomExamples } from './context';

/** LDIFS's penalty for `model` against `reference` on one batch, without the weight ρ. */
function ldifsPenalty(
  model: LanguageModel,
  reference: LanguageModel,
  tensors: BatchTensors,
  tokenMask: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() =>
    featureDistance(blockFeatures(model, tensors), blockFeatures(reference, tensors), tokenMask),
  );
}

const ldifs = getTrainMethod('finetune', 'ldifs');

/** A packed batch with padding: 3 rows of which the last is empty. */
function paddedBatch(seed: number): TokenBatch {
  const { rows } = packExamples(randomExamples(3, seed), TINY.contextLength);
  return rowsToBatch(rows.slice(0, 2), 3, TINY.contextLength, PAD_ID);
}

/** The LDIFS distance written as loops over blocks, tokens and features. */
function bruteForceDistance(
  features: Float32Array[],
  reference: Float32Array[],
  mask: ArrayLike<number>,
  width: number,
): number {
  let total = 0;
  features.forEach((feature, l) => {
    let sum = 0;
    let tokens = 0;
    for (let t = 0; t < mask.length; t++) {
      if (mask[t] === 0) continue;
      tokens += 1;
      const row = (data: Float32Array) => Array.from(data.subarray(t * width, (t + 1) * width));
      const a = row(feature);
      const b = row(reference[l]);
      const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) + 1e-10;
      const [na, nb] = [norm(a), norm(b)];
      let squared = 0;
      for (let c = 0; c < width; c++) squared += (a[c] / na - b[c] / nb) ** 2;
      sum += squared / width;
    }
    total += sum / Math.max(tokens, 1);
  });
  return total / features.length;
}

async function readAll(tensors: tf.Tensor[]) {
  return Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
}

describe.each(['cpu', 'wasm'] as const)('LDIFS on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('computes the feature distance the brute-force loops compute, skipping masked tokens', async () => {
    const rng = createRng(3);
    const random = () =>
      tf.tensor2d(
        Array.from({ length: 20 }, () => rng.normal()),
        [5, 4],
      );
    const features = [random(), random()];
    const reference = [random(), random()];
    const mask = [1, 1, 0, 1, 0];
    const maskTensor = tf.tensor1d(mask);
    const distance = featureDistance(features, reference, maskTensor);
    const expected = bruteForceDistance(await readAll(features), await readAll(reference), mask, 4);
    expect((await distance.data())[0]).toBeCloseTo(expected, 6);
    // Masked rows do not count: changing one (row 2) changes nothing.
    const edited = (await features[1].data()).slice();
    edited.fill(7, 2 * 4, 3 * 4);
    const changed = [features[0], tf.tensor2d(edited, [5, 4])];
    const same = featureDistance(changed, reference, maskTensor);
    expect((await same.data())[0]).toBe((await distance.data())[0]);
    tf.dispose([distance, same, changed[1], ...features, ...reference, maskTensor]);
  });

  it("is the brute-force distance of the two models' block outputs, and 0 at the reference", async () => {
    const model = LanguageModel.init(TINY, 1);
    const reference = LanguageModel.init(TINY, 2);
    const same = LanguageModel.fromValues(TINY, await reference.readValues());
    const batch = paddedBatch(4);
    const tensors = toBatchTensors(batch);
    const mask = realTokenMask(batch);
    const modelFeatures = blockFeatures(model, tensors);
    const referenceFeatures = blockFeatures(reference, tensors);
    expect(modelFeatures.map((f) => f.shape)).toEqual(
      Array.from({ length: TINY.nLayers }, () => [3 * TINY.contextLength, TINY.dModel]),
    );
    const penalty = ldifsPenalty(model, reference, tensors, mask);
    const expected = bruteForceDistance(
      await readAll(modelFeatures),
      await readAll(referenceFeatures),
      Array.from(batch.segments, (s) => (s >= 0 ? 1 : 0)),
      TINY.dModel,
    );
    expect(expected).toBeGreaterThan(1e-3);
    expect((await penalty.data())[0]).toBeCloseTo(expected, 6);
    const zero = ldifsPenalty(same, reference, tensors, mask);
    expect((await zero.data())[0]).toBe(0);
    tf.dispose([penalty, zero, mask, ...modelFeatures, ...referenceFeatures]);
    disposeBatchTensors(tensors);
    [model, reference, same].forEach((m) => m.dispose());
  });

  it('adds no gradient at the reference weights, and ρ·∇distance away from them', async () => {
    const model = LanguageModel.init(TINY, 1);
    const reference = LanguageModel.fromValues(TINY, await model.readValues());
    const other = LanguageModel.init(TINY, 9);
    const trainer = new Trainer(model, {
      schedule: { kind: 'constant', peakLr: 1e-3, totalSteps: 1, warmupSteps: 0 },
      weightDecay: 0,
      maxGradNorm: 0,
    });
    const batch = paddedBatch(5);
    const tensors = toBatchTensors(batch);
    const mask = realTokenMask(batch);
    const grads = async (ref: LanguageModel | null, rho: number) => {
      const step = ref
        ? ldifsGradients(trainer, ref, tensors, mask, rho)
        : trainer.gradients(() => model.loss(tensors));
      const out = new Map<string, Float32Array>();
      for (const [name, g] of Object.entries(step.grads))
        out.set(name, (await g.data()) as Float32Array);
      const loss = (await step.loss.data())[0];
      tf.dispose([step.loss, ...Object.values(step.grads)]);
      return { out, loss };
    };
    const plain = await grads(null, 0);
    const atReference = await grads(reference, 10);
    expect(atReference.loss).toBeCloseTo(plain.loss, 6);
    expect(maxDifference(atReference.out, plain.out)).toBeLessThan(1e-6);
    const away = await grads(other, 10);
    expect(away.loss).toBeGreaterThan(plain.loss);
    expect(maxDifference(away.out, plain.out)).toBeGreaterThan(1e-4);
    tf.dispose(mask);
    disposeBatchTensors(tensors);
    trainer.dispose();
    [model, reference, other].forEach((m) => m.dispose());
  });

  it('trains differently from SFT, with as many steps, and leaks no tensors', async () => {
    const [a, b] = [LanguageModel.init(TINY, 3), LanguageModel.init(TINY, 3)];
    const sftContext = await finetuneContext(a);
    await getTrainMethod('finetune', 'sft').train(sftContext);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const context = await finetuneContext(b, {
      params: { rho: 10 },
      onStep: async () => void counts.push(tf.memory().numTensors),
    });
    const report = await ldifs.train(context);
    expect(report.steps).toBe(sftContext.steps.length);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxDifference(await a.readValues(), await b.readValues())).toBeGreaterThan(1e-4);
    a.dispose();
    b.dispose();
  });
});
