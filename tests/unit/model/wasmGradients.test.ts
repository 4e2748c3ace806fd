/**
 * The wasm paths of a training step (explicit transposes, sliced attention products, the written-out
 * norm and log-sum-exp gradients, `runtime/wasmKernels.ts`) give the cpu backend's loss and
 * gradients for every family, full-weight and LoRA, and match central finite differences.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_MODELS } from '../../../scripts/tinyHubModels';
import type { LoraSettings } from '../../../src/core/config/schema';
import {
  batchFromSequences,
  disposeBatchTensors,
  toBatchTensors,
} from '../../../src/core/model/batch';
import type { ModelConfig } from '../../../src/core/model/config';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { useBackend } from '../support/backend';
import { expectFiniteDifferences, roughValues } from '../support/finiteDifferences';
import { TINY, randomRows, tinyBatch } from '../support/tiny';

const LORA: LoraSettings = { rank: 4, alpha: 8, targets: ['attn.q', 'attn.v', 'mlp.out'] };

/** Loss and every trained parameter's gradient on `backend`, from the same weights and rows. */
async function lossAndGrads(backend: 'cpu' | 'wasm', config: ModelConfig, lora: boolean) {
  await useBackend(backend);
  const model = LanguageModel.init(config, 3);
  if (lora) {
    model.attachAdapter(LORA, { seed: 1 });
    // B starts at zero; a non-zero B makes every adapter matrix's gradient non-trivial.
    for (const variable of model.trainable.values()) {
      variable.assign(tf.randomNormal(variable.shape, 0, 0.1, 'float32', 5));
    }
  }
  // Two rows of 12: the attention slices (12 query rows or more) take the sliced product on wasm.
  const batch = toBatchTensors(batchFromSequences(randomRows(2, 12, config.vocabSize, 1), 12, 0));
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => model.loss(batch), [...model.trainable.values()]);
  const names = new Map([...model.trainable].map(([name, v]) => [v.name, name]));
  const result = {
    loss: value.dataSync()[0],
    grads: new Map(Object.entries(grads).map(([k, g]) => [names.get(k), g.dataSync().slice()])),
  };
  tf.dispose([value, ...Object.values(grads)]);
  const leaked = tf.memory().numTensors - before;
  disposeBatchTensors(batch);
  model.dispose();
  return { ...result, leaked };
}

describe('training on wasm', () => {
  afterAll(() => useBackend('cpu'));

  for (const tiny of TINY_MODELS) {
    for (const lora of [false, true]) {
      it(`${tiny.repo} (${lora ? 'LoRA' : 'full'}): the cpu backend's loss and gradients`, async () => {
        const cpu = await lossAndGrads('cpu', tiny.config, lora);
        const wasm = await lossAndGrads('wasm', tiny.config, lora);
        expect(wasm.leaked).toBe(0);
        expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
        expect([...wasm.grads.keys()].sort()).toEqual([...cpu.grads.keys()].sort());
        for (const [name, grad] of cpu.grads) {
          const scale = Math.max(1e-6, ...Array.from(grad, Math.abs));
          const other = wasm.grads.get(name) as Float32Array;
          let worst = 0;
          for (let i = 0; i < grad.length; i++) {
            worst = Math.max(worst, Math.abs(grad[i] - other[i]) / scale);
          }
          expect(worst, name).toBeLessThan(1e-4);
        }
      });
    }
  }

  it('the gradients match central finite differences on a tiny model', async () => {
    await useBackend('wasm');
    const model = LanguageModel.fromValues(TINY, roughValues(TINY));
    const batch = toBatchTensors(tinyBatch(4, 2));
    const { grads } = tf.variableGrads(() => model.loss(batch), [...model.weights.values()]);
    const gradOf = new Map([...model.weights].map(([name, v]) => [name, grads[v.name].dataSync()]));
    const lossAt = () => tf.tidy(() => model.loss(batch)).dataSync()[0];
    expectFiniteDifferences(model.weights, gradOf, lossAt);
    expect([...gradOf.keys()]).toContain('transformer.h.1.ln_2.weight');
    tf.dispose(Object.values(grads));
    disposeBatchTensors(batch);
    model.dispose();
  });
});
