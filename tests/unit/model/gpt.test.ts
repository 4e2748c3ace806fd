import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toBatchTensors, disposeBatchTensors } from '../../../src/core/model/batch';
import { parameterCount } from '../../../src/core/model/weights';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { useBackend } from '../support/backend';
import { TINY, tinyBatch } from '../support/tiny';

describe.each(['cpu', 'wasm'] as const)('LanguageModel forward on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  let model: LanguageModel | undefined;
  afterEach(() => model?.dispose());

  it('returns hidden states, logits and a scalar loss of the right shapes', () => {
    model = LanguageModel.init(TINY, 3);
    const batch = toBatchTensors(tinyBatch(1, 3));
    const [hidden, logits, loss] = tf.tidy(() => [
      model!.hidden(batch),
      model!.logits(batch),
      model!.loss(batch),
    ]);
    expect(hidden.shape).toEqual([3 * TINY.contextLength, TINY.dModel]);
    expect(logits.shape).toEqual([3 * TINY.contextLength, TINY.vocabSize]);
    expect(loss.shape).toEqual([]);
    // An untrained model predicts close to uniform: loss ≈ ln(V).
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(TINY.vocabSize), 1);
    tf.dispose([hidden, logits, loss]);
    disposeBatchTensors(batch);
  });

  it('has the parameter count its config implies', () => {
    model = LanguageModel.init(TINY, 3);
    const total = [...model.weights.values()].reduce((sum, v) => sum + v.size, 0);
    expect(total).toBe(parameterCount(TINY));
  });
});

describe('loss mask', () => {
  beforeAll(() => useBackend('cpu'));

  it('averages the per-token loss over exactly the masked-in tokens', () => {
    const model = LanguageModel.init(TINY, 5);
    const raw = tinyBatch(2, 2);
    raw.lossMask.fill(0);
    [1, 4, 9, 12].forEach((i) => (raw.lossMask[i] = 1));
    const batch = toBatchTensors(raw);
    const perToken = tf.tidy(() => model.tokenLosses(batch)).arraySync();
    const loss = tf.tidy(() => model.loss(batch)).arraySync() as number;
    const expected = (perToken[1] + perToken[4] + perToken[9] + perToken[12]) / 4;
    expect(loss).toBeCloseTo(expected, 5);
    disposeBatchTensors(batch);

    // Changing a target under a 0 mask leaves the loss unchanged; under a 1 mask it changes it.
    const changedMasked = { ...raw, targets: raw.targets.slice() };
    changedMasked.targets[2] = (raw.targets[2] + 1) % TINY.vocabSize;
    const changedCounted = { ...raw, targets: raw.targets.slice() };
    changedCounted.targets[4] = (raw.targets[4] + 1) % TINY.vocabSize;
    const lossOf = (b: typeof raw) => {
      const t = toBatchTensors(b);
      const value = tf.tidy(() => model.loss(t)).arraySync() as number;
      disposeBatchTensors(t);
      return value;
    };
    expect(lossOf(changedMasked)).toBe(loss);
    expect(Math.abs(lossOf(changedCounted) - loss)).toBeGreaterThan(1e-4);
    model.dispose();
  });
});
