import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeBatchTensors, toBatchTensors } from '../../../src/core/model/batch';
import { GPT } from '../../../src/core/model/gpt';
import { initialValues } from '../../../src/core/model/weights';
import { createRng } from '../../../src/core/random';
import { useBackend } from '../support/backend';
import { TINY, tinyBatch } from '../support/tiny';

describe('gradients', () => {
  beforeAll(() => useBackend('cpu'));

  it('match central finite differences on a tiny model', () => {
    // Larger weights than the default init so the loss surface is far from flat.
    const values = initialValues(TINY, 7);
    const rng = createRng(11);
    for (const [name, data] of values) {
      if (name.includes('ln_')) continue;
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.3;
    }
    const model = GPT.fromValues(TINY, values);
    const batch = toBatchTensors(tinyBatch(4, 2));
    const names = [...model.weights.keys()];
    const { grads } = tf.variableGrads(() => model.loss(batch), [...model.weights.values()]);
    const gradOf = new Map(
      names.map((name) => [name, grads[model.weights.get(name)!.name].dataSync()]),
    );
    const lossAt = () => tf.tidy(() => model.loss(batch)).dataSync()[0];

    const checked: string[] = [];
    const eps = 1e-2;
    for (const name of names) {
      const variable = model.weights.get(name)!;
      const data = variable.dataSync().slice();
      const analytic = gradOf.get(name)!;
      // The coordinate with the largest gradient in each parameter (a robust numerical check).
      let index = 0;
      analytic.forEach((g, i) => (Math.abs(g) > Math.abs(analytic[index]) ? (index = i) : 0));
      const original = data[index];
      data[index] = original + eps;
      variable.assign(tf.tensor(data, variable.shape));
      const plus = lossAt();
      data[index] = original - eps;
      variable.assign(tf.tensor(data, variable.shape));
      const minus = lossAt();
      data[index] = original;
      variable.assign(tf.tensor(data, variable.shape));
      const numeric = (plus - minus) / (2 * eps);
      expect(
        Math.abs(numeric - analytic[index]),
        `${name}[${index}]: numeric ${numeric}, analytic ${analytic[index]}`,
      ).toBeLessThan(2e-3 + 0.03 * Math.abs(numeric));
      checked.push(name);
    }
    expect(checked).toContain('transformer.wte.weight');
    expect(checked).toContain('transformer.h.1.mlp.c_proj.weight');
    tf.dispose(Object.values(grads));
    disposeBatchTensors(batch);
    model.dispose();
  });
});
