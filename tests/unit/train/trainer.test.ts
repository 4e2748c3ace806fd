import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { Trainer } from '../../../src/core/train/trainer';
import { useBackend } from '../support/backend';
import { TINY, patternBatch } from '../support/tiny';

const options = {
  schedule: { kind: 'cosine' as const, peakLr: 1e-2, totalSteps: 30, warmupSteps: 3 },
  weightDecay: 0.1,
  maxGradNorm: 1,
};

async function trainFor(seed: number, steps: number) {
  const model = LanguageModel.init(TINY, seed);
  const trainer = new Trainer(model, options);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++)
    losses.push((await trainer.step(patternBatch(100 + (s % 4), 4))).loss);
  return { model, trainer, losses };
}

describe.each(['cpu', 'wasm'] as const)('Trainer on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('lowers the loss and leaks no tensors between step 10 and step 20, nor after disposal', async () => {
    const before = tf.memory().numTensors;
    const model = LanguageModel.init(TINY, 1);
    const trainer = new Trainer(model, options);
    const losses: number[] = [];
    let atTen = 0;
    for (let s = 0; s < 20; s++) {
      losses.push((await trainer.step(patternBatch(100 + (s % 4), 4))).loss);
      if (s === 9) atTen = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(atTen);
    expect(losses[19]).toBeLessThan(losses[0] - 0.3);
    trainer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives identical weights after 5 steps from the same seed, different ones from another seed', async () => {
    const runs = [await trainFor(42, 5), await trainFor(42, 5), await trainFor(43, 5)];
    const values = await Promise.all(runs.map((r) => r.model.readValues()));
    for (const [name, data] of values[0]) {
      expect(Array.from(values[1].get(name)!), name).toEqual(Array.from(data));
    }
    expect(Array.from(values[2].get('transformer.wte.weight')!)).not.toEqual(
      Array.from(values[0].get('transformer.wte.weight')!),
    );
    expect(runs[0].losses).toEqual(runs[1].losses);
    runs.forEach((r) => (r.trainer.dispose(), r.model.dispose()));
  });
});
