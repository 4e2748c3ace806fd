/**
 * Recomputed blocks (`LanguageModel.recompute`, activation checkpointing): the same losses and gradients as
 * the stored path for every family, full-weight and LoRA, on cpu and wasm; the same ten training
 * steps; a lower peak of live tensors; and no change where no gradient is taken.
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
import { Trainer } from '../../../src/core/train/trainer';
import { useBackend } from '../support/backend';
import { randomRows } from '../support/tiny';

const LORA: LoraSettings = { rank: 4, alpha: 8, targets: ['attn.q', 'attn.v', 'mlp.out'] };

function modelOf(config: ModelConfig, lora: boolean): LanguageModel {
  const model = LanguageModel.init(config, 3);
  if (lora) {
    model.attachAdapter(LORA, { seed: 1 });
    // B starts at zero; a non-zero B makes every adapter matrix's gradient non-trivial.
    for (const variable of model.trainable.values()) {
      variable.assign(tf.randomNormal(variable.shape, 0, 0.1, 'float32', 5));
    }
  }
  return model;
}

function batchOf(config: ModelConfig, seed = 1) {
  // Two rows, the second packed with two examples (a segment boundary inside the row).
  const rows = randomRows(2, 12, config.vocabSize, seed);
  return batchFromSequences(rows, 12, 0);
}

function lossAndGrads(
  model: LanguageModel,
  batch: ReturnType<typeof toBatchTensors>,
  recompute: boolean,
) {
  model.recompute = recompute;
  const { value, grads } = tf.variableGrads(() => model.loss(batch), [...model.trainable.values()]);
  const result = {
    loss: value.dataSync()[0],
    grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync().slice()])),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

describe.each(['cpu', 'wasm'] as const)('recomputed blocks on %s', (backend) => {
  afterAll(() => useBackend('cpu'));

  for (const tiny of TINY_MODELS) {
    for (const lora of [false, true]) {
      it(`${tiny.repo} (${lora ? 'LoRA' : 'full'}): the stored path's loss and gradients, no leak`, async () => {
        await useBackend(backend);
        const model = modelOf(tiny.config, lora);
        const batch = toBatchTensors(batchOf(tiny.config));
        const stored = lossAndGrads(model, batch, false);
        const before = tf.memory().numTensors;
        const recomputed = lossAndGrads(model, batch, true);
        expect(tf.memory().numTensors).toBe(before);
        expect(recomputed.loss).toBeCloseTo(stored.loss, 6);
        expect(Object.keys(recomputed.grads).sort()).toEqual(Object.keys(stored.grads).sort());
        for (const [name, grad] of Object.entries(stored.grads)) {
          const scale = Math.max(1e-6, ...Array.from(grad, Math.abs));
          const other = recomputed.grads[name];
          let worst = 0;
          for (let i = 0; i < grad.length; i++) {
            worst = Math.max(worst, Math.abs(grad[i] - other[i]) / scale);
          }
          expect(worst, name).toBeLessThan(1e-6);
        }
        disposeBatchTensors(batch);
        model.dispose();
      });
    }
  }
});

describe('recomputed blocks in training', () => {
  it('ten AdamW steps give the stored path losses within 1e-6 (Llama shape, LoRA)', async () => {
    await useBackend('cpu');
    const config = TINY_MODELS.find((m) => m.repo === 'tiny/llama')!.config;
    const losses = async (recompute: boolean) => {
      const model = modelOf(config, true);
      model.recompute = recompute;
      const trainer = new Trainer(model, {
        schedule: { kind: 'constant', peakLr: 1e-2, totalSteps: 10, warmupSteps: 0 },
        weightDecay: 0,
        maxGradNorm: 1,
      });
      const out: number[] = [];
      for (let step = 0; step < 10; step++) {
        out.push((await trainer.step(batchOf(config, step))).loss);
      }
      trainer.dispose();
      model.dispose();
      return out;
    };
    const stored = await losses(false);
    const recomputed = await losses(true);
    for (let i = 0; i < 10; i++) expect(Math.abs(recomputed[i] - stored[i])).toBeLessThan(1e-6);
    expect(stored[9]).toBeLessThan(stored[0]);
  });

  it('holds fewer live tensors at the peak of a step', async () => {
    await useBackend('cpu');
    const base = TINY_MODELS.find((m) => m.repo === 'tiny/llama')!.config;
    const config = { ...base, nLayers: 6 };
    const model = modelOf(config, true);
    const batch = toBatchTensors(batchOf(config));
    const peak = async (recompute: boolean) => {
      model.recompute = recompute;
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(
          () => model.loss(batch),
          [...model.trainable.values()],
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      return info.peakBytes;
    };
    const stored = await peak(false);
    const recomputed = await peak(true);
    // Six blocks' activations against one block's and six block inputs.
    expect(recomputed).toBeLessThan(stored * 0.6);
    disposeBatchTensors(batch);
    model.dispose();
  });

  it('partly recomputed (the first blocks stored): the stored losses, gradients and a peak in between', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const base = TINY_MODELS.find((m) => m.repo === 'tiny/llama')!.config;
      const config = { ...base, nLayers: 6 };
      const model = modelOf(config, true);
      const batch = toBatchTensors(batchOf(config));
      const run = async (recompute: boolean, storedBlocks: number) => {
        model.recompute = recompute;
        model.storedBlocks = storedBlocks;
        let result: ReturnType<typeof lossAndGrads> | undefined;
        const info = await tf.profile(() => {
          result = lossAndGrads(model, batch, recompute);
        });
        return { ...result!, peak: info.peakBytes };
      };
      const stored = await run(false, 0);
      const none = await run(true, 0);
      const half = await run(true, 3);
      const all = await run(true, 6);
      for (const other of [none, half, all]) {
        expect(other.loss).toBeCloseTo(stored.loss, 6);
        for (const [name, grad] of Object.entries(stored.grads)) {
          const scale = Math.max(1e-6, ...Array.from(grad, Math.abs));
          const worst = Math.max(
            ...Array.from(grad, (g, i) => Math.abs(g - other.grads[name][i]) / scale),
          );
          expect(worst, `${backend} ${name}`).toBeLessThan(1e-6);
        }
      }
      // Three blocks' activations kept: more than none, less than six; six kept is the stored pass.
      expect(half.peak, backend).toBeGreaterThan(none.peak);
      expect(half.peak, backend).toBeLessThan(stored.peak);
      expect(all.peak, backend).toBe(stored.peak);
      model.storedBlocks = 0;
      disposeBatchTensors(batch);
      model.dispose();
    }
    await useBackend('cpu');
  });

  it('changes nothing without a gradient: logits and Wanda-style input taps are the plain pass', async () => {
    await useBackend('cpu');
    const config = TINY_MODELS.find((m) => m.repo === 'tiny/qwen3')!.config;
    const model = modelOf(config, true);
    const batch = toBatchTensors(batchOf(config));
    const taps = (recompute: boolean) => {
      model.recompute = recompute;
      let count = 0;
      const hidden = model.hidden(batch, { linearInput: () => void (count += 1) });
      const data = hidden.dataSync().slice();
      hidden.dispose();
      return { count, data };
    };
    const plain = taps(false);
    const flagged = taps(true);
    expect(flagged.count).toBe(plain.count);
    expect(flagged.data).toEqual(plain.data);
    disposeBatchTensors(batch);
    model.dispose();
  });
});

describe('a forward pass without a tape', () => {
  it("holds one block's activations at a time, not every block's", async () => {
    await useBackend('cpu');
    const base = TINY_MODELS.find((m) => m.repo === 'tiny/llama')!.config;
    /** Bytes a forward pass adds at its peak, above the weights and the batch. */
    const passPeak = async (nLayers: number) => {
      const config = { ...base, nLayers };
      const model = LanguageModel.init(config, 3);
      const batch = toBatchTensors(batchOf(config));
      const before = tf.memory().numBytes;
      const info = await tf.profile(() => tf.tidy(() => void model.hidden(batch)));
      disposeBatchTensors(batch);
      model.dispose();
      return info.peakBytes - before;
    };
    const one = await passPeak(1);
    const eight = await passPeak(8);
    // Seven more blocks add seven block outputs ([tokens, dModel] each); kept whole, their
    // activations (some twenty tensors each, attention scores on top) would make it about 8×.
    expect(eight).toBeLessThan(2 * one);
  });
});
