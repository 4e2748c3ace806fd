import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYER_ROLES, type LoraSettings } from '../../../src/core/config/schema';
import { disposeBatchTensors, toBatchTensors } from '../../../src/core/model/batch';
import { readAdapter, writeAdapter } from '../../../src/core/model/checkpoint';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { adapterSpecs, initialAdapterValues, mergeAdapter } from '../../../src/core/model/lora';
import { initialValues } from '../../../src/core/model/weights';
import { createRng } from '../../../src/core/random';
import { Trainer } from '../../../src/core/train/trainer';
import { useBackend } from '../support/backend';
import { expectFiniteDifferences, roughValues } from '../support/finiteDifferences';
import { TINY, patternBatch, tinyBatch } from '../support/tiny';

const ALL: LoraSettings = { rank: 3, alpha: 6, targets: [...LAYER_ROLES] };

/** Adapter values with a random, non-zero B (a trained adapter, not a fresh one). */
function trainedAdapter(settings: LoraSettings, seed: number): Map<string, Float32Array> {
  const values = initialAdapterValues(TINY, settings, seed);
  const rng = createRng(seed + 100);
  for (const [name, data] of values) {
    if (name.endsWith('lora_B')) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.3;
  }
  return values;
}

async function logitsOf(model: LanguageModel, seed = 3): Promise<Float32Array> {
  const batch = toBatchTensors(tinyBatch(seed));
  const logits = model.logits(batch);
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  disposeBatchTensors(batch);
  return data;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`LoRA on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('a fresh adapter (B = 0) leaves every output bit-identical', async () => {
      const model = LanguageModel.init(TINY, 1);
      const before = await logitsOf(model);
      model.attachAdapter(ALL, { seed: 5 });
      expect(await logitsOf(model)).toEqual(before);
      model.dispose();
    });

    it('the merged weights compute the unmerged forward within 1e-5', async () => {
      const values = initialValues(TINY, 2);
      const adapter = trainedAdapter(ALL, 4);
      const unmerged = LanguageModel.fromValues(TINY, values);
      unmerged.attachAdapter(ALL, { values: adapter });
      const merged = LanguageModel.fromValues(TINY, mergeAdapter(TINY, values, ALL, adapter));
      const a = await logitsOf(unmerged);
      const b = await logitsOf(merged);
      expect(a).not.toEqual(await logitsOf(LanguageModel.fromValues(TINY, values)));
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-5);
      expect(await unmerged.readMergedValues()).toEqual(mergeAdapter(TINY, values, ALL, adapter));
      unmerged.dispose();
      merged.dispose();
    });

    it('training a LoRA model changes only the adapter, leaks no tensor, and lowers the loss', async () => {
      const model = LanguageModel.init(TINY, 1);
      const base = await model.readValues();
      model.attachAdapter(
        { rank: 2, alpha: 4, targets: ['attn.q', 'attn.v', 'mlp.out'] },
        {
          seed: 9,
        },
      );
      const fresh = await model.readAdapterValues();
      const trainer = new Trainer(model, {
        schedule: { kind: 'constant', peakLr: 1e-2, totalSteps: 12, warmupSteps: 0 },
        weightDecay: 0.1,
        maxGradNorm: 1,
      });
      const batch = patternBatch(2);
      const first = await trainer.step(batch);
      const tensors = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 10; i++) last = await trainer.step(batch);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(last.loss).toBeLessThan(first.loss);
      trainer.dispose();
      expect(await model.readValues()).toEqual(base);
      const trained = (await model.readAdapterValues())!;
      expect([...trained.keys()]).toEqual([...fresh!.keys()]);
      const changed = [...trained].filter(([name, v]) =>
        v.some((x, i) => x !== fresh!.get(name)![i]),
      );
      expect(changed.length).toBe(trained.size);
      model.dispose();
    });

    it('an adapter file round-trips and refuses a full checkpoint', async () => {
      const adapter = trainedAdapter(ALL, 4);
      const bytes = writeAdapter(TINY, ALL, adapter, { 'safetune.stage': 'finetune' });
      expect(readAdapter(TINY, ALL, bytes)).toEqual(adapter);
      const model = LanguageModel.init(TINY, 1);
      const { saveCheckpoint } = await import('../../../src/core/model/checkpoint');
      const full = await saveCheckpoint(model);
      expect(() => readAdapter(TINY, ALL, full.safetensors)).toThrow(/not a LoRA adapter/);
      expect(() => readAdapter(TINY, { ...ALL, rank: 4 }, bytes)).toThrow(/shape/);
      model.dispose();
    });
  });
}

describe('LoRA gradients', () => {
  beforeAll(() => useBackend('cpu'));

  it("the adapter's gradients match central finite differences", () => {
    const values = roughValues(TINY);
    const model = LanguageModel.fromValues(TINY, values);
    model.attachAdapter(ALL, { values: trainedAdapter(ALL, 3) });
    const batch = toBatchTensors(tinyBatch(4, 2));
    const adapter = model.adapter!.weights;
    const { grads } = tf.variableGrads(() => model.loss(batch), [...adapter.values()]);
    const lossAt = () => tf.tidy(() => model.loss(batch)).dataSync()[0];
    const gradOf = new Map([...adapter].map(([name, v]) => [name, grads[v.name].dataSync()]));
    for (const [name, g] of gradOf) {
      expect(Math.max(...Array.from(g, Math.abs)), name).toBeGreaterThan(1e-4);
    }
    expectFiniteDifferences(adapter, gradOf, lossAt);
    expect(Object.keys(grads).length).toBe(adapterSpecs(TINY, ALL).length);
    tf.dispose(Object.values(grads));
    disposeBatchTensors(batch);
    model.dispose();
  });
});
