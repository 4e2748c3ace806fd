import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type LoraSettings } from '../../../src/core/config/schema';
import { batchFromSequences, type TokenBatch } from '../../../src/core/model/batch';
import { LanguageModel } from '../../../src/core/model/languageModel';
import {
  accumulatedGradients,
  microBatches,
  type MicroBatch,
} from '../../../src/core/train/accumulate';
import { Trainer, type TrainerOptions } from '../../../src/core/train/trainer';
import { useBackend } from '../support/backend';
import { TINY, randomRows } from '../support/tiny';

const T = TINY.contextLength;

/**
 * Five rows that count 7, 2, 2, 1 and 6 target tokens: rows of 8, 3, 6, 2 and 7 tokens, the first
 * three targets of row 2 masked off (a prompt). A mean over each micro-batch averaged with equal
 * weights is not the batch's mean here.
 */
function unevenBatch(seed = 10): TokenBatch {
  const rows = [8, 3, 6, 2, 7].map((n, i) => randomRows(1, n, TINY.vocabSize, seed + i)[0]);
  const batch = batchFromSequences(rows, T, 0);
  batch.lossMask.fill(0, 2 * T, 2 * T + 3);
  return batch;
}

const OPTIONS: TrainerOptions = {
  schedule: { kind: 'constant', peakLr: 1e-2, totalSteps: 3, warmupSteps: 0 },
  weightDecay: 0.1,
  maxGradNorm: 1,
};

const LORA: LoraSettings = DEFAULT_CONFIG.alignment.lora!;

/** A fresh TINY model, with an adapter whose B is not zero (so A gets gradients too). */
function model(lora: LoraSettings | null): LanguageModel {
  const m = LanguageModel.init(TINY, 7);
  if (lora) {
    m.attachAdapter(lora, { seed: 2 });
    for (const [name, v] of m.trainable)
      if (name.endsWith('lora_B'))
        tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 3)));
  }
  return m;
}

async function readGradients(g: { loss: tf.Scalar; grads: Record<string, tf.Tensor> }) {
  const out = new Map<string, Float32Array>([['loss', (await g.loss.data()) as Float32Array]]);
  for (const [name, t] of Object.entries(g.grads)) out.set(name, (await t.data()) as Float32Array);
  tf.dispose([g.loss, ...Object.values(g.grads)]);
  return out;
}

async function readTrained(m: LanguageModel) {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of m.trainable) out.set(name, (await v.data()) as Float32Array);
  return out;
}

/**
 * The key bias of GPT-2's fused q/k/v bias: adding a constant to every key's score leaves the
 * softmax as it is, so its gradient is 0 in exact arithmetic and rounding noise in float32, which
 * AdamW (dividing by the gradient's own scale) turns into steps of its own in either run.
 */
const keyBias = (name: string, i: number) =>
  name.endsWith('attn.c_attn.bias') && i >= TINY.dModel && i < 2 * TINY.dModel;

/** Every array of `got` within 1e-5 of `want`'s largest magnitude (relative, array by array). */
function expectClose(
  got: Map<string, Float32Array>,
  want: Map<string, Float32Array>,
  what: string,
  skip: (name: string, i: number) => boolean = () => false,
) {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [name, values] of want) {
    const scale = Math.max(...Array.from(values, Math.abs), 1e-30);
    const other = got.get(name)!;
    const worst = Math.max(
      ...Array.from(values, (v, i) => (skip(name, i) ? 0 : Math.abs(other[i] - v))),
    );
    expect(worst / scale, `${what} ${name}`).toBeLessThan(1e-5);
  }
}

describe('micro-batches', () => {
  it('weight each part by its share of the counted tokens, summing to 1', () => {
    const batch = unevenBatch();
    const parts = microBatches(batch, 2);
    expect(parts.map((p) => [p.index, p.count, p.start, p.rows])).toEqual([
      [0, 3, 0, 2],
      [1, 3, 2, 2],
      [2, 3, 4, 1],
    ]);
    expect(parts.map((p) => p.weight * 18)).toEqual([9, 3, 6].map((n) => expect.closeTo(n, 12)));
    // Not the rows' shares: equal weights per row would be wrong for this batch.
    expect(parts.map((p) => p.weight)).not.toEqual(parts.map((p) => p.rows / 5));
    expect(microBatches(batch, 3).map((p) => p.rows)).toEqual([3, 2]);
    expect(microBatches(batch, 9)).toEqual([{ index: 0, count: 1, start: 0, rows: 5, weight: 1 }]);
    // No counted token at all: every loss is 0, and the rows share the weight.
    batch.lossMask.fill(0);
    expect(microBatches(batch, 2).map((p) => p.weight)).toEqual([0.4, 0.4, 0.2]);
    expect(() => microBatches(batch, 0)).toThrow(/positive integer/);
  });
});

describe.each(['cpu', 'wasm'] as const)('gradient accumulation on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    ['full-weight', null],
    ['LoRA', LORA],
  ] as const)(
    '%s: micro-batches of 1, 2 and 3 rows give the whole batch’s loss, gradients and steps',
    async (_, lora) => {
      const batch = unevenBatch();
      const m = model(lora);
      const trainer = new Trainer(m, OPTIONS);
      const plain = (tensors: Parameters<LanguageModel['loss']>[0]) =>
        trainer.gradients(() => m.loss(tensors));
      const whole = await readGradients(await accumulatedGradients(batch, 5, plain));
      for (const microBatch of [1, 2, 3]) {
        expectClose(
          await readGradients(await accumulatedGradients(batch, microBatch, plain)),
          whole,
          `gradients at ${microBatch}`,
        );
      }
      trainer.dispose();
      m.dispose();

      // Three optimizer steps (AdamW, weight decay, clipping) on different batches.
      const train = async (microBatch?: number) => {
        const trained = model(lora);
        const t = new Trainer(trained, { ...OPTIONS, ...(microBatch ? { microBatch } : {}) });
        const losses: number[] = [];
        for (let step = 0; step < 3; step++)
          losses.push((await t.step(unevenBatch(20 + step))).loss);
        const values = await readTrained(trained);
        t.dispose();
        trained.dispose();
        return { losses: new Map([['losses', Float32Array.from(losses)]]), values };
      };
      const reference = await train();
      for (const microBatch of [1, 2, 3]) {
        const split = await train(microBatch);
        expectClose(split.losses, reference.losses, `losses at ${microBatch}`);
        expectClose(split.values, reference.values, `weights at ${microBatch}`, keyBias);
      }
    },
  );

  it('with the whole batch is the one-pass step, bit for bit, and leaks nothing', async () => {
    const run = async (microBatch?: number) => {
      const m = model(LORA);
      const before = tf.memory().numTensors;
      const t = new Trainer(m, { ...OPTIONS, ...(microBatch ? { microBatch } : {}) });
      const losses: number[] = [];
      const counts: number[] = [];
      for (let step = 0; step < 3; step++) {
        losses.push((await t.step(unevenBatch(30 + step))).loss);
        counts.push(tf.memory().numTensors);
      }
      const values = await readTrained(m);
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
      return { losses, values, counts };
    };
    const reference = await run();
    for (const microBatch of [5, 99]) {
      const same = await run(microBatch);
      expect(same.losses).toEqual(reference.losses);
      for (const [name, values] of reference.values)
        expect(Array.from(same.values.get(name)!), name).toEqual(Array.from(values));
    }
    const split = await run(2);
    expect(new Set(split.counts).size).toBe(1);
    expect(split.counts[0]).toBe(reference.counts[0]);
  });

  it('calls a step’s own gradients once per micro-batch, with that part’s rows', async () => {
    const m = model(null);
    const batch = unevenBatch();
    const calls: { rows: TokenBatch; part: MicroBatch; tensorRows: number }[] = [];
    const t = new Trainer(m, { ...OPTIONS, microBatch: 2 });
    await t.stepWithGradients(batch, (tensors, rows, part) => {
      calls.push({ rows, part, tensorRows: tensors.batch });
      return t.gradients(() => m.loss(tensors));
    });
    expect(calls.map((c) => [c.part.start, c.part.rows, c.rows.batch, c.tensorRows])).toEqual([
      [0, 2, 2, 2],
      [2, 2, 2, 2],
      [4, 1, 1, 1],
    ]);
    expect(Array.from(calls[1].rows.tokens)).toEqual(Array.from(batch.tokens.slice(2 * T, 4 * T)));
    expect(t.steps).toBe(1);
    const whole: TokenBatch[] = [];
    const one = new Trainer(m, OPTIONS);
    await one.stepWithGradients(batch, (tensors, rows) => {
      whole.push(rows);
      return one.gradients(() => m.loss(tensors));
    });
    expect(whole).toEqual([batch]);
    expect(whole[0]).toBe(batch);
    [t, one, m].forEach((x) => x.dispose());
  });
});
