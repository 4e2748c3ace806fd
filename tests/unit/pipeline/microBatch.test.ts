import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../../src/core/config';
import type { DeviceLimits } from '../../../src/core/model/memory';
import { stageMicroBatch } from '../../../src/core/pipeline/microBatch';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { runExperiment, type BaseModel } from '../../../src/core/pipeline/run';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import {
  WASM_WEIGHT_OVERHEAD,
  stepMemory,
  trainingLimits,
} from '../../../src/core/train/microBatch';
import { trainingSeqLen } from '../../../src/core/train/loop';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

type MicroBatchEvent = Extract<PipelineEvent, { type: 'micro-batch' }>;
const TRAINING = ['alignment', 'finetune'] as const;

describe('the pipeline’s micro-batches', () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });

  const run = async (
    config: ExperimentConfig,
    deviceLimits?: DeviceLimits,
    model: BaseModel = base,
  ) => {
    const events: PipelineEvent[] = [];
    const results = await runExperiment(
      config,
      { loadBase: async () => model, backend: 'wasm', deviceLimits, userAgent: 'vitest' },
      (e) => events.push(e),
    );
    expect(await resultsFileProblems(results)).toEqual([]);
    const micro = (stage: string) =>
      events.filter((e): e is MicroBatchEvent => e.type === 'micro-batch' && e.stage === stage);
    const losses = (stage: string) =>
      events.flatMap((e) => (e.type === 'step' && e.stage === stage ? [e.loss] : []));
    const record = (stage: string) => results.stages.find((s) => s.name === stage)!;
    return { events, micro, losses, record };
  };

  it('are chosen per stage, announced before its first step, recorded, and give the one-pass losses', async () => {
    const reference = await run(tinyMicroConfig());
    for (const stage of TRAINING) {
      // The built-in scale: the whole batch in one pass, nothing recorded.
      expect(reference.micro(stage)).toEqual([
        {
          type: 'micro-batch',
          stage,
          rows: 16,
          batchSize: 16,
          chosen: 'auto',
          backend: 'wasm',
          stepBytes: expect.any(Number),
        },
      ]);
      const events = reference.events;
      const announced = events.findIndex((e) => e.type === 'micro-batch' && e.stage === stage);
      const firstStep = events.findIndex((e) => e.type === 'step' && e.stage === stage);
      expect(announced).toBeGreaterThanOrEqual(0);
      expect(announced).toBeLessThan(firstStep);
      expect(reference.record(stage).microBatch).toBeUndefined();
    }

    // A device with little memory: the automatic choice splits the batch.
    const config = tinyMicroConfig();
    const unbounded = { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity };
    const finetuneRun = {
      batchSize: 16,
      seqLen: trainingSeqLen(base.config),
      lora: config.finetune.lora,
    };
    const small: DeviceLimits = {
      ...unbounded,
      // wasm counts its overhead per byte of weights against the budget (trainingLimits).
      deviceMemoryBytes: stepMemory(base.config, finetuneRun, 5, {
        ...unbounded,
        weightOverhead: WASM_WEIGHT_OVERHEAD,
      }).bytes,
    };
    const split = await run(config, small);
    for (const stage of TRAINING) {
      const expected = stageMicroBatch(config, stage, base.config, trainingLimits('wasm', small));
      expect(expected.rows).toBeLessThan(16);
      expect(split.micro(stage)).toMatchObject([{ rows: expected.rows, chosen: 'auto' }]);
      expect(split.record(stage).microBatch).toBe(expected.rows);
      const [got, want] = [split.losses(stage), reference.losses(stage)];
      expect(want.length).toBeGreaterThan(0);
      expect(got.length).toBe(want.length);
      got.forEach((loss, i) => expect(Math.abs(loss - want[i]) / want[i]).toBeLessThan(1e-4));
    }
    expect(split.micro('finetune')[0].rows).toBe(5);

    // runtime.microBatch: above the batch it is the whole batch, the same steps bit for bit.
    const clamped = await run(tinyMicroConfig((c) => (c.runtime.microBatch = 40)));
    for (const stage of TRAINING) {
      expect(clamped.micro(stage)).toMatchObject([{ rows: 16, chosen: 'config' }]);
      expect(clamped.losses(stage)).toEqual(reference.losses(stage));
    }
  });

  it('keep the blocks whose activations fit and recompute the rest (a Hub model’s default), with the stored losses', async () => {
    // The built-in world on three blocks stands in for a Hub model (`fit` is the Hub default,
    // from the base's repo id); a device with room for one block's activations at one row.
    const deep = await tinyWorldBase('tiny-test-base-3', 3);
    const hubLike = (c: ExperimentConfig): ExperimentConfig => ({
      ...c,
      model: { ...c.model, base: 'tiny/world' },
    });
    const config = hubLike(tinyMicroConfig());
    const unbounded = { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity };
    const finetuneRun = {
      batchSize: 16,
      seqLen: trainingSeqLen(deep.config),
      lora: config.finetune.lora,
      recompute: true,
    };
    const oneRow = (storedBlocks: number) =>
      stepMemory(deep.config, { ...finetuneRun, storedBlocks }, 1, {
        ...unbounded,
        weightOverhead: WASM_WEIGHT_OVERHEAD,
      }).bytes;
    const partial: DeviceLimits = { ...unbounded, deviceMemoryBytes: (oneRow(1) + oneRow(2)) / 2 };
    const chosen = stageMicroBatch(
      config,
      'finetune',
      deep.config,
      trainingLimits('wasm', partial),
    );
    expect([chosen.rows, chosen.storedBlocks, chosen.blocks]).toEqual([1, 1, 3]);
    const partly = await run(config, partial, deep);
    expect(partly.micro('finetune')).toMatchObject([{ rows: 1, storedBlocks: 1, blocks: 3 }]);
    expect(partly.record('finetune')).toMatchObject({ microBatch: 1, storedBlocks: 1 });
    // Every block stored, the whole batch in one pass (no budget): the same losses.
    const stored = await run(
      hubLike(tinyMicroConfig((c) => (c.runtime.recompute = false))),
      undefined,
      deep,
    );
    expect(stored.micro('finetune')).toMatchObject([{ rows: 16 }]);
    expect(stored.micro('finetune')[0].storedBlocks).toBeUndefined();
    expect(stored.record('finetune').storedBlocks).toBeUndefined();
    const [got, want] = [partly.losses('finetune'), stored.losses('finetune')];
    expect(want.length).toBeGreaterThan(0);
    expect(got.length).toBe(want.length);
    got.forEach((loss, i) => expect(Math.abs(loss - want[i]) / want[i]).toBeLessThan(1e-4));
  });
});
