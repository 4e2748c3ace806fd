/**
 * Each post-hoc repair beside Antidote once through the whole pipeline at micro scale, on the
 * fine-tuning adapter (the default) and on the merged weights, re-using the cached aligned and
 * fine-tuned stages: the config validates with every parameter's default, the repair reports
 * per matrix, and the results file keeps its contract.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type ExperimentConfig, type PostTarget } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { runExperiment, type BaseModel, type StageCache } from '../../../src/core/pipeline/run';
import { expandSweep } from '../../../src/core/sweep';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

const REPAIRS = ['safety-arithmetic', 'safemerge', 'safety-patch', 'antidote-task-aware'];

describe('the repairs in the pipeline', () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });
  const store = new Map<string, { bytes: Uint8Array; seconds: number }>();
  const cache: StageCache = {
    get: async (key) => store.get(key),
    put: async (entry) => void store.set(entry.key, { bytes: entry.bytes, seconds: entry.seconds }),
  };
  const run = (config: ExperimentConfig) =>
    runExperiment(config, {
      loadBase: async () => base,
      cache,
      backend: 'wasm',
      userAgent: 'vitest',
    });

  it.each(['adapter', 'merged'] as const)(
    'each runs on the %s, re-using the fine-tuned stage, with a valid results file',
    async (target: PostTarget) => {
      const config = (method: string) =>
        tinyMicroConfig((c) => {
          c.post.method = method;
          c.post.target = target;
        });
      const none = await run(config('none'));
      for (const method of REPAIRS) {
        // As the CLI and the page run it: validated, every parameter filled with its default.
        const checked = validateConfig(config(method), DEFAULT_VALIDATION_CONTEXT);
        if (!checked.ok) throw new Error(`${method}: ${JSON.stringify(checked)}`);
        expect(checked.config.post.params, method).not.toEqual({});
        const results = await run(checked.config);
        expect(
          results.stages.filter((s) => s.cached).map((s) => s.name),
          method,
        ).toEqual(['alignment', 'finetune']);
        expect(await resultsFileProblems(results), method).toEqual([]);
        expect(results.prune?.length, method).toBeGreaterThan(0);
        if (method === 'antidote-task-aware') {
          expect(results.prune?.every((r) => r.maskOverlap !== undefined)).toBe(true);
        }
        expect(results.metrics.finetuned, method).toEqual(none.metrics.finetuned);
      }
    },
  );
});

describe('the repairs in a sweep', () => {
  it('are selectable by post.method, each run filled with its parameters’ defaults, and λ sweeps', () => {
    const result = expandSweep(
      {
        schemaVersion: 1,
        name: 'repairs',
        base: { preset: 'micro' },
        axes: [{ field: 'post.method', values: ['antidote', ...REPAIRS] }],
      },
      DEFAULT_VALIDATION_CONTEXT,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.runs.map((r) => r.config.post.method)).toEqual(['antidote', ...REPAIRS]);
    expect(result.runs.map((r) => r.config.post.params)).toEqual([
      {},
      { lambda: 1, keep: 0.2, samples: 16, steps: 5, lr: 1e-3 },
      { threshold: 0.5, alpha: 0.5 },
      { samples: 8, steps: 5, lr: 1e-3 },
      { lambda: 1 },
    ]);
    const lambdas = expandSweep(
      {
        schemaVersion: 1,
        name: 'task-aware',
        base: { preset: 'micro', patch: { post: { method: 'antidote-task-aware' } } },
        axes: [{ field: 'post.params.lambda', values: [0, 0.5, 2] }],
      },
      DEFAULT_VALIDATION_CONTEXT,
    );
    if (!lambdas.ok) throw new Error(JSON.stringify(lambdas.errors));
    expect(lambdas.runs.map((r) => r.config.post.params)).toEqual([
      { lambda: 0 },
      { lambda: 0.5 },
      { lambda: 2 },
    ]);
    const bad = expandSweep(
      {
        schemaVersion: 1,
        name: 'bad',
        base: { preset: 'micro', patch: { post: { method: 'safemerge' } } },
        axes: [{ field: 'post.params.alpha', values: [2] }],
      },
      DEFAULT_VALIDATION_CONTEXT,
    );
    expect(bad.ok).toBe(false);
  });
});
