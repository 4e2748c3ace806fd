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

  const run = async (config: ExperimentConfig, deviceLimits?: DeviceLimits) => {
    const events: PipelineEvent[] = [];
    const results = await runExperiment(
      config,
      { loadBase: async () => base, backend: 'wasm', deviceLimits, userAgent: 'vitest' },
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
});
