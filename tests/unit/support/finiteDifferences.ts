import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ModelConfig } from '../../../src/core/model/config';
import { initialValues } from '../../../src/core/model/weights';
import { createRng } from '../../../src/core/random';

/** Initial weights with every matrix and bias redrawn at N(0, 0.3²) (LayerNorms kept): a loss surface far from flat. */
export function roughValues(config: ModelConfig, seed = 7): Map<string, Float32Array> {
  const values = initialValues(config, seed);
  const rng = createRng(seed + 4);
  for (const [name, data] of values) {
    if (name.includes('ln_')) continue;
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.3;
  }
  return values;
}

/**
 * Checks `grads` (analytic, keyed by parameter name) against central finite differences of
 * `lossAt`, at the coordinate with the largest analytic gradient of each parameter (a robust
 * numerical check). `variables` are perturbed in place and restored.
 */
export function expectFiniteDifferences(
  variables: ReadonlyMap<string, tf.Variable>,
  grads: ReadonlyMap<string, ArrayLike<number>>,
  lossAt: () => number,
  eps = 1e-2,
): void {
  for (const [name, variable] of variables) {
    const analytic = grads.get(name);
    if (!analytic) throw new Error(`no analytic gradient for ${name}`);
    const data = variable.dataSync().slice();
    let index = 0;
    for (let i = 0; i < analytic.length; i++) {
      if (Math.abs(analytic[i]) > Math.abs(analytic[index])) index = i;
    }
    const original = data[index];
    const at = (value: number) => {
      data[index] = value;
      variable.assign(tf.tensor(data, variable.shape));
      return lossAt();
    };
    const numeric = (at(original + eps) - at(original - eps)) / (2 * eps);
    at(original);
    expect(
      Math.abs(numeric - analytic[index]),
      `${name}[${index}]: numeric ${numeric}, analytic ${analytic[index]}`,
    ).toBeLessThan(2e-3 + 0.03 * Math.abs(numeric));
  }
}
