import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { linearWeightNames } from '../../../src/core/model/weights';
import { collectActivationNorms } from '../../../src/core/prune/activations';
import { wandaScores } from '../../../src/core/prune/scores';
import { CancelToken, CancelledError } from '../../../src/core/runtime/cancel';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';
import { paddedBatch, referenceNorms, referenceWanda } from './reference';

describe.each(['cpu', 'wasm'] as const)('collectActivationNorms on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  let model: LanguageModel | undefined;
  afterEach(() => model?.dispose());

  it('equals ‖X_i‖₂ over the non-padding tokens of every batch, for every linear layer', async () => {
    model = LanguageModel.init(TINY, 11);
    const batches = [paddedBatch(1), paddedBatch(2)];
    const names = linearWeightNames(TINY);
    const norms = await collectActivationNorms(model, batches, names);
    const expected = referenceNorms(model, batches, names);
    const withPadding = referenceNorms(model, batches, names, true);
    expect([...norms.keys()]).toEqual(names);
    for (const name of names) {
      const got = Array.from(norms.get(name)!);
      expect(got).toHaveLength(expected.get(name)!.length);
      got.forEach((value, i) => expect(value).toBeCloseTo(expected.get(name)![i], 4));
      // The fixture really has padding whose activations would change the norms.
      const gap = Math.max(...withPadding.get(name)!.map((v, i) => Math.abs(v - got[i])));
      expect(gap).toBeGreaterThan(1e-3);
    }
  });

  it('gives the Wanda scores of a brute-force reference', async () => {
    model = LanguageModel.init(TINY, 12);
    const batches = [paddedBatch(3)];
    const name = 'transformer.h.1.mlp.c_proj.weight';
    const norms = await collectActivationNorms(model, batches, [name]);
    const weight = (await model.weights.get(name)!.data()) as Float32Array;
    const shape: [number, number] = [2 * TINY.dModel, TINY.dModel];
    const got = wandaScores(weight, shape, norms.get(name)!);
    const expected = referenceWanda(
      weight,
      shape,
      referenceNorms(model, batches, [name]).get(name)!,
    );
    expect(got).toHaveLength(expected.length);
    got.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 5));
  });

  it('leaves no tensors behind', async () => {
    model = LanguageModel.init(TINY, 13);
    const before = tf.memory().numTensors;
    await collectActivationNorms(model, [paddedBatch(1), paddedBatch(4)], linearWeightNames(TINY));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('collectActivationNorms errors', () => {
  beforeAll(() => useBackend('cpu'));

  it('rejects a weight name the forward pass never reaches, and an empty set', async () => {
    const model = LanguageModel.init(TINY, 1);
    await expect(
      collectActivationNorms(model, [paddedBatch(1)], ['transformer.h.9.mlp.c_fc.weight']),
    ).rejects.toThrow(/transformer\.h\.9\.mlp\.c_fc\.weight/);
    await expect(
      collectActivationNorms(model, [], ['transformer.h.0.mlp.c_fc.weight']),
    ).rejects.toThrow(/no calibration batches/);
    model.dispose();
  });

  it('stops at a cancelled token without leaking', async () => {
    const model = LanguageModel.init(TINY, 1);
    const cancel = new CancelToken();
    cancel.cancel();
    const before = tf.memory().numTensors;
    await expect(
      collectActivationNorms(model, [paddedBatch(1)], linearWeightNames(TINY), cancel),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
