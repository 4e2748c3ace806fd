/**
 * The order of a run's events is a contract with the page (`runProgress` folds them) and the CLI:
 * a fresh run, a run interrupted in fine-tuning, its resumption and a fully cached re-run each
 * send exactly this sequence of kinds.
 */
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
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { CancelToken } from '../../../src/core/runtime/cancel';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

function config(): ExperimentConfig {
  const checked = validateConfig(
    tinyMicroConfig((c) => {
      c.finetune.samples = 24;
      c.alignment.batchSize = 4;
      c.finetune.batchSize = 4;
      c.evaluation.probeEvery = 2;
      c.evaluation.probePrompts = 2;
    }),
    DEFAULT_VALIDATION_CONTEXT,
  );
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.config;
}

/** One line per event: its kind and the stage or checkpoint it is about; repeats run-length coded. */
function kinds(events: PipelineEvent[]): string[] {
  const lines: string[] = [];
  let last = '';
  let count = 0;
  const flush = () => {
    if (count > 0) lines.push(count > 1 ? `${last} ×${count}` : last);
  };
  for (const event of events) {
    const about =
      'stage' in event ? ` ${event.stage}` : 'checkpoint' in event ? ` ${event.checkpoint}` : '';
    const line = `${event.type}${about}`;
    if (line === last) {
      count += 1;
    } else {
      flush();
      last = line;
      count = 1;
    }
  }
  flush();
  return lines;
}

describe('pipeline events', () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });

  it('a fresh, an interrupted, a resumed and a cached run send their kinds in this order', async () => {
    const stages = new Map<string, { bytes: Uint8Array; seconds: number; stage: string }>();
    const checkpoints = new Map<string, ResumeRecord>();
    const cache: StageCache = {
      get: async (key) => stages.get(key),
      put: async (entry) => void stages.set(entry.key, entry),
    };
    const resume: ResumeStore = {
      get: async (key) => structuredClone(checkpoints.get(key)),
      put: async (record) => void checkpoints.set(record.key, structuredClone(record)),
      delete: async (key) => void checkpoints.delete(key),
    };
    const run = async (stopAtFinetuneStep?: number) => {
      const events: PipelineEvent[] = [];
      const cancel = new CancelToken();
      await runExperiment(
        config(),
        {
          loadBase: async () => base,
          cache,
          resume,
          checkpointPolicy: { seconds: 1e9, fraction: 0.5, saveGapFactor: 0 },
          backend: 'wasm',
          userAgent: 'vitest',
        },
        (event) => {
          events.push(event);
          if (
            event.type === 'checkpoint' &&
            event.stage === 'finetune' &&
            event.step === stopAtFinetuneStep
          ) {
            cancel.cancel();
          }
        },
        cancel,
      ).catch(() => undefined);
      return events;
    };

    const fresh = await run();
    stages.clear();
    const interrupted = await run(2);
    const resumed = await run();
    // The post stage's entry damaged: read, refused with a notice, trained again.
    const damaged = [...stages.values()].find((entry) => entry.stage === 'post')!;
    damaged.bytes = damaged.bytes.slice(0, 10);
    const cached = await run();

    const alignment = [
      'micro-batch alignment',
      'stage-start alignment',
      'step alignment ×3',
      'checkpoint alignment',
      'step alignment ×2',
      'stage-end alignment',
    ];
    const cachedStage = (stage: string) => [`stage-start ${stage}`, `stage-end ${stage}`];
    // Antidote: one re-alignment and one task batch (the mask-overlap diagnostic), six matrices.
    const post = ['stage-start post', 'post-progress ×8', 'stage-end post'];
    // Per checkpoint: one progress event for the held-out sets' batch, one for the over-refusal
    // prompts' own batch (generated apart, so the other sets' answers do not change).
    const evaluation = [
      'stage-start evaluation',
      'eval-progress aligned ×2',
      'metrics aligned',
      'eval-progress finetuned ×2',
      'metrics finetuned',
      'eval-progress post ×2',
      'metrics post',
      'stage-end evaluation',
    ];
    const finetuneStart = ['micro-batch finetune', 'stage-start finetune'];
    expect(kinds(fresh)).toEqual([
      ...alignment,
      ...finetuneStart,
      'step finetune ×2',
      'probe finetune',
      'checkpoint finetune',
      'step finetune ×2',
      'probe finetune',
      'stage-end finetune',
      ...post,
      ...evaluation,
    ]);
    expect(kinds(interrupted)).toEqual([
      ...alignment,
      ...finetuneStart,
      'step finetune ×2',
      'probe finetune',
      'checkpoint finetune',
    ]);
    // The replayed steps and probe follow `resumed`, then the remaining ones.
    expect(kinds(resumed)).toEqual([
      ...cachedStage('alignment'),
      ...finetuneStart,
      'resumed finetune',
      'step finetune ×2',
      'probe finetune',
      'step finetune ×2',
      'probe finetune',
      'stage-end finetune',
      ...post,
      ...evaluation,
    ]);
    expect(resumed.find((e) => e.type === 'resumed')).toEqual({
      type: 'resumed',
      stage: 'finetune',
      step: 2,
      totalSteps: 4,
    });
    // The replay is the interrupted run's own events.
    const finetuneSteps = (events: PipelineEvent[]) =>
      events.filter((e) => (e.type === 'step' || e.type === 'probe') && e.stage === 'finetune');
    expect(finetuneSteps(resumed)).toEqual(finetuneSteps(fresh));
    expect(kinds(cached)).toEqual([
      ...cachedStage('alignment'),
      ...cachedStage('finetune'),
      'log',
      ...post,
      ...evaluation,
    ]);
  });
});
