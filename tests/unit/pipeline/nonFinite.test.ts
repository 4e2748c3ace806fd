import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type BaseModel } from '../../../src/core/pipeline/run';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { NonFiniteTrainingError } from '../../../src/core/train/trainer';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

describe('runExperiment with a non-finite loss', () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });

  it('a NaN loss stops the stage with one line naming the stage, the step and the lr to lower', async () => {
    // One NaN in the base weights: the alignment stage's first loss is NaN.
    const values = new Map(base.values);
    const poisoned = Float32Array.from(values.get('transformer.h.0.mlp.c_fc.weight')!);
    poisoned[0] = Number.NaN;
    values.set('transformer.h.0.mlp.c_fc.weight', poisoned);
    const events: PipelineEvent[] = [];
    const config = tinyMicroConfig();
    const run = runExperiment(
      config,
      { loadBase: async () => ({ ...base, values }), backend: 'wasm', userAgent: 'vitest' },
      (e) => events.push(e),
    );
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NonFiniteTrainingError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^alignment: the loss became NaN at step 1 of \d+ \(lr 5e-3\): lower alignment\.lr$/,
    );
    expect(config.alignment.lr).toBe(5e-3);
    // The stage stopped at once: no step was reported, and no later stage started.
    expect(events.some((e) => e.type === 'step')).toBe(false);
    expect(events.some((e) => e.type === 'stage-start' && e.stage === 'finetune')).toBe(false);
  });
});
