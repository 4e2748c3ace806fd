/**
 * Resume after an interruption: a run stopped after a training stage's checkpoint, run again with
 * the same config, goes on from that checkpoint and ends with exactly the weights and metrics of
 * a run that was never interrupted — for every training method (each keeps its own per-step
 * state: a harmful-data stream, a noise generator, Lisa's anchor and alignment stream).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type ExperimentConfig } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import {
  runExperiment,
  type BaseModel,
  type ResumeRecord,
  type ResumeStore,
  type StageCache,
} from '../../../src/core/pipeline/run';
import type { PipelineEvent, ResultsFile } from '../../../src/core/pipeline/types';
import { CancelledError, CancelToken } from '../../../src/core/runtime/cancel';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

function tinyConfig(patch: (c: ExperimentConfig) => void = () => {}): ExperimentConfig {
  const config = tinyMicroConfig((c) => {
    c.finetune.samples = 24;
    c.alignment.batchSize = 4;
    c.finetune.batchSize = 4;
    c.evaluation.probeEvery = 2;
    c.evaluation.probePrompts = 2;
  });
  patch(config);
  // The validator fills each method's default params.
  const checked = validateConfig(config, DEFAULT_VALIDATION_CONTEXT);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.config;
}

class Stores {
  readonly stages = new Map<string, { bytes: Uint8Array; seconds: number; stage: string }>();
  readonly checkpoints = new Map<string, ResumeRecord>();
  readonly cache: StageCache = {
    get: async (key) => this.stages.get(key),
    put: async (entry) => void this.stages.set(entry.key, entry),
  };
  readonly resume: ResumeStore = {
    // A structured clone, as IndexedDB stores it: nothing shared with the running stage.
    get: async (key) => structuredClone(this.checkpoints.get(key)),
    put: async (record) => void this.checkpoints.set(record.key, structuredClone(record)),
    delete: async (key) => void this.checkpoints.delete(key),
  };
  stageBytes(stage: string): Uint8Array | undefined {
    return [...this.stages.values()].find((entry) => entry.stage === stage)?.bytes;
  }
}

describe('resume after an interruption', () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });

  const run = async (
    config: ExperimentConfig,
    stores: Stores,
    stopAt?: { stage: string; step: number },
  ): Promise<{ results?: ResultsFile; events: PipelineEvent[]; error?: unknown }> => {
    const events: PipelineEvent[] = [];
    const cancel = new CancelToken();
    try {
      const results = await runExperiment(
        config,
        {
          loadBase: async () => base,
          cache: stores.cache,
          resume: stores.resume,
          // A checkpoint after every step.
          checkpointPolicy: { seconds: 1e9, fraction: 0, saveGapFactor: 0 },
          backend: 'wasm',
          userAgent: 'vitest',
        },
        (event) => {
          events.push(event);
          if (
            stopAt &&
            event.type === 'checkpoint' &&
            event.stage === stopAt.stage &&
            event.step === stopAt.step
          ) {
            cancel.cancel();
          }
        },
        cancel,
      );
      return { results, events };
    } catch (error) {
      return { events, error };
    }
  };

  const cases: {
    title: string;
    stage: 'alignment' | 'finetune';
    patch: (c: ExperimentConfig) => void;
    /** The step after which the run is interrupted (default: half-way). */
    stopAt?: number;
  }[] = [
    { title: 'alignment sft (LoRA)', stage: 'alignment', patch: () => {} },
    {
      title: 'alignment vaccine',
      stage: 'alignment',
      patch: (c) => (c.alignment.method = 'vaccine'),
    },
    {
      title: 'alignment repnoise',
      stage: 'alignment',
      patch: (c) => {
        c.alignment.method = 'repnoise';
        c.alignment.params = { harmfulSamples: 8 };
      },
    },
    {
      title: 'alignment booster',
      stage: 'alignment',
      patch: (c) => {
        c.alignment.method = 'booster';
        c.alignment.params = { harmfulSamples: 8 };
      },
    },
    { title: 'fine-tuning sft (LoRA) with probes', stage: 'finetune', patch: () => {} },
    {
      title: 'fine-tuning sft on the full weights',
      stage: 'finetune',
      patch: (c) => {
        c.finetune.lora = null;
        c.finetune.lr = 3e-4;
        c.post.target = 'merged';
      },
    },
    {
      title: 'fine-tuning lisa',
      stage: 'finetune',
      patch: (c) => {
        // 7 steps: alignment 0–1, fine-tuning 2–3, alignment 4–5, fine-tuning 6. Stopped after
        // 5 steps, the resumed step is inside an alignment phase: it needs the restored anchor
        // (set at step 4) and the alignment stream's position (3 batches drawn).
        c.finetune.samples = 48;
        c.finetune.method = 'lisa';
        c.finetune.params = { rounds: 2, alignmentFraction: 0.5, proximalStartFraction: 0 };
      },
      stopAt: 5,
    },
    { title: 'fine-tuning ldifs', stage: 'finetune', patch: (c) => (c.finetune.method = 'ldifs') },
    {
      title: 'fine-tuning safe-data-mix',
      stage: 'finetune',
      patch: (c) => (c.finetune.method = 'safe-data-mix'),
    },
  ];

  for (const { title, stage, patch, stopAt: stopStep } of cases) {
    it(`${title}: a resumed run ends with the uninterrupted run's weights and metrics`, async () => {
      const config = tinyConfig(patch);
      const whole = new Stores();
      const reference = await run(config, whole);
      expect(reference.error).toBeUndefined();
      // A finished stage leaves no checkpoint behind.
      expect(whole.checkpoints.size).toBe(0);
      const totalSteps = reference.results!.stages.find((s) => s.name === stage)!.steps!;
      expect(totalSteps).toBeGreaterThanOrEqual(4);
      if (title.includes('lisa')) expect(totalSteps).toBe(7);

      const interrupted = new Stores();
      const stopAt = stopStep ?? Math.floor(totalSteps / 2);
      const first = await run(config, interrupted, { stage, step: stopAt });
      expect(first.error).toBeInstanceOf(CancelledError);
      expect([...interrupted.checkpoints.values()].map((r) => [r.stage, r.step])).toEqual([
        [stage, stopAt],
      ]);

      const tensorsBefore = tf.memory().numTensors;
      const resumed = await run(config, interrupted);
      expect(resumed.error).toBeUndefined();
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      expect(resumed.events).toContainEqual({ type: 'resumed', stage, step: stopAt, totalSteps });
      const record = resumed.results!.stages.find((s) => s.name === stage)!;
      expect(record).toMatchObject({ cached: false, resumedAtStep: stopAt, steps: totalSteps });
      // Only the steps after the checkpoint were trained again; the earlier ones were replayed.
      const steps = resumed.events.filter((e) => e.type === 'step' && e.stage === stage);
      expect(steps.map((e) => (e as { step: number }).step)).toEqual(
        Array.from({ length: totalSteps }, (_, i) => i + 1),
      );
      expect(steps).toEqual(reference.events.filter((e) => e.type === 'step' && e.stage === stage));
      expect(resumed.events.filter((e) => e.type === 'probe')).toEqual(
        reference.events.filter((e) => e.type === 'probe'),
      );

      // Bit for bit: the stage's weights (or adapter) and every later stage's.
      for (const name of ['alignment', 'finetune', 'post']) {
        expect(interrupted.stageBytes(name), name).toEqual(whole.stageBytes(name));
      }
      expect(resumed.results!.metrics).toEqual(reference.results!.metrics);
      expect(record.tokens).toBe(reference.results!.stages.find((s) => s.name === stage)!.tokens);
      expect(interrupted.checkpoints.size).toBe(0);
    });
  }

  it('a checkpoint that does not fit is dropped with a notice and the stage trains from step 0', async () => {
    const config = tinyConfig();
    const stores = new Stores();
    const first = await run(config, stores, { stage: 'finetune', step: 2 });
    expect(first.error).toBeInstanceOf(CancelledError);
    const [record] = stores.checkpoints.values();
    record.training.totalSteps += 1;
    const again = await run(config, stores);
    expect(again.error).toBeUndefined();
    expect(again.events.some((e) => e.type === 'resumed')).toBe(false);
    expect(
      again.events.some(
        (e) =>
          e.type === 'log' &&
          /the finetune checkpoint cannot be used \(it is at step 2 of/.test(e.message),
      ),
    ).toBe(true);

    const whole = new Stores();
    const reference = await run(config, whole);
    expect(again.results!.metrics).toEqual(reference.results!.metrics);
  });

  it('a checkpoint that cannot be written is reported once and the run goes on', async () => {
    const config = tinyConfig();
    const stores = new Stores();
    let writes = 0;
    stores.resume.put = async () => {
      writes += 1;
      throw new Error('QuotaExceededError: the quota has been exceeded');
    };
    const result = await run(config, stores);
    expect(result.error).toBeUndefined();
    expect(writes).toBe(2); // one per training stage, then no more
    const notices = result.events.filter(
      (e) => e.type === 'log' && e.message.startsWith('could not save the'),
    );
    expect(notices).toHaveLength(2);
    expect(result.events.some((e) => e.type === 'checkpoint')).toBe(false);
  });
});
