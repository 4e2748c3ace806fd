/**
 * Methods with their own gradients under micro-batches: called once per part with that part's
 * rows, weighted by its share of the counted tokens (as Hugging Face Trainer's
 * gradient_accumulation_steps calls the reference trainers' `training_step`), deterministic, and
 * state that belongs to the optimizer step (Lisa's alignment batch) advanced once per step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HarmfulBatches } from '../../../src/core/train/harmfulBatches';
import { getTrainMethod } from '../../../src/core/methods/registry';
import type { TrainContext } from '../../../src/core/methods/types';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';
import { HARMFUL, PAD, tinyContext } from './alignment/context';
import { finetuneContext } from './finetune/context';

/** Trains a fresh TINY model (seed 3) with `method`, batches of 4 rows, `microBatch` rows per pass. */
async function trained(
  stage: 'alignment' | 'finetune',
  method: string,
  params: Record<string, unknown>,
  microBatch?: number,
) {
  const model = LanguageModel.init(TINY, 3);
  const losses: number[] = [];
  const onStep: TrainContext['onStep'] = async (result) => void losses.push(result.loss);
  const base =
    stage === 'alignment'
      ? tinyContext(model, params, onStep)
      : await finetuneContext(model, { params, onStep });
  const context: TrainContext = {
    ...base,
    settings: { ...base.settings, batchSize: 4 },
    ...(microBatch !== undefined ? { microBatch } : {}),
  };
  try {
    const report = await getTrainMethod(stage, method).train(context);
    return { losses, values: await model.readValues(), report };
  } finally {
    model.dispose();
  }
}

type Run = Awaited<ReturnType<typeof trained>>;

function expectSame(a: Run, b: Run) {
  expect(a.losses).toEqual(b.losses);
  for (const [name, values] of a.values)
    expect(Array.from(b.values.get(name)!), name).toEqual(Array.from(values));
}

function maxWeightGap(a: Run, b: Run): number {
  let gap = 0;
  for (const [name, values] of a.values) {
    const other = b.values.get(name)!;
    values.forEach((v, i) => (gap = Math.max(gap, Math.abs(v - other[i]))));
  }
  return gap;
}

function expectCloseLosses(a: Run, b: Run) {
  expect(a.losses.length).toBe(b.losses.length);
  a.losses.forEach((loss, i) => expect(Math.abs(loss - b.losses[i]) / loss).toBeLessThan(1e-4));
}

describe('the harmful stream of Booster and RepNoise', () => {
  it('hands out by rows: two parts of 2 are the rows of one batch of 4, in order', () => {
    const options = { seed: 9, padId: PAD };
    const [split, whole] = [
      new HarmfulBatches(HARMFUL, options),
      new HarmfulBatches(HARMFUL, options),
    ];
    const shape = (batch: number) => ({ batch, seqLen: TINY.contextLength });
    for (let step = 0; step < 3; step++) {
      const parts = [split.next(shape(2)), split.next(shape(2))];
      const batch = whole.next(shape(4));
      expect([...parts[0].tokens, ...parts[1].tokens]).toEqual([...batch.tokens]);
      expect([...parts[0].lossMask, ...parts[1].lossMask]).toEqual([...batch.lossMask]);
    }
    expect(split.save()).toEqual(whole.save());
  });
});

describe.each(['cpu', 'wasm'] as const)('methods in micro-batches on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('vaccine: deterministic, its perturbation per part; the whole batch is the one-pass run', async () => {
    const params = { rho: 2 };
    const whole = await trained('alignment', 'vaccine', params);
    expectSame(await trained('alignment', 'vaccine', params, 4), whole);
    const split = await trained('alignment', 'vaccine', params, 1);
    expectSame(await trained('alignment', 'vaccine', params, 1), split);
    expect(split.report.steps).toBe(whole.report.steps);
    expect(split.report.steps).toBeGreaterThan(1);
    // Each row's own ρ-ball: not the whole batch's perturbation, so not the same weights.
    expect(maxWeightGap(split, whole)).toBeGreaterThan(1e-6);
  });

  it('booster: deterministic in micro-batches, and at λ = 0 exactly plain SFT in the same micro-batches', async () => {
    const params = { lambda: 5, alpha: 0.1, harmfulSamples: 6 };
    const split = await trained('alignment', 'booster', params, 3);
    expectSame(await trained('alignment', 'booster', params, 3), split);
    const zero = await trained('alignment', 'booster', { ...params, lambda: 0 }, 3);
    const sft = await trained('alignment', 'sft', {}, 3);
    expectSame(zero, sft);
    // …which is the whole batch's SFT step within float tolerance.
    expectCloseLosses(sft, await trained('alignment', 'sft', {}));
  });

  it('repnoise and ldifs: deterministic in micro-batches', async () => {
    const repnoise = { alpha: 0.1, beta: 0.001, harmfulSamples: 6 };
    expectSame(
      await trained('alignment', 'repnoise', repnoise, 1),
      await trained('alignment', 'repnoise', repnoise, 1),
    );
    expectSame(
      await trained('finetune', 'ldifs', { rho: 10 }, 3),
      await trained('finetune', 'ldifs', { rho: 10 }, 3),
    );
  });

  it('lisa: its alignment batch is drawn once per optimizer step, so micro-batches give its whole-batch steps', async () => {
    const params = { alignmentFraction: 0.25, rounds: 2, rho: 1, proximalStartFraction: 0 };
    const whole = await trained('finetune', 'lisa', params);
    const split = await trained('finetune', 'lisa', params, 1);
    expect(whole.report.steps).toBeGreaterThan(3);
    expect(split.report).toEqual(whole.report);
    // The loss is a masked mean plus the proximal term: linear in the rows, so the parts sum to
    // the whole (a second alignment batch drawn per part would change the data, and the loss).
    expectCloseLosses(split, whole);
  });
});
