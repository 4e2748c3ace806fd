import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeBatchTensors, toBatchTensors } from '../../../src/core/model/batch';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { useBackend } from '../support/backend';
import { expectFiniteDifferences, roughValues } from '../support/finiteDifferences';
import { TINY, tinyBatch } from '../support/tiny';

describe('gradients', () => {
  beforeAll(() => useBackend('cpu'));

  it('match central finite differences on a tiny model', () => {
    const values = roughValues(TINY);
    const model = LanguageModel.fromValues(TINY, values);
    const batch = toBatchTensors(tinyBatch(4, 2));
    const names = [...model.weights.keys()];
    const { grads } = tf.variableGrads(() => model.loss(batch), [...model.weights.values()]);
    const gradOf = new Map(
      names.map((name) => [name, grads[model.weights.get(name)!.name].dataSync()]),
    );
    const lossAt = () => tf.tidy(() => model.loss(batch)).dataSync()[0];

    expectFiniteDifferences(model.weights, gradOf, lossAt);
    const checked = [...gradOf.keys()];
    expect(checked).toContain('transformer.wte.weight');
    expect(checked).toContain('transformer.h.1.mlp.c_proj.weight');
    tf.dispose(Object.values(grads));
    disposeBatchTensors(batch);
    model.dispose();
  });
});
