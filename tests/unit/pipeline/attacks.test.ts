import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../../src/core/config';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import {
  cachedCheckpointValues,
  runExperiment,
  type BaseModel,
  type StageCache,
} from '../../../src/core/pipeline/run';
import type { PipelineEvent, ResultsFile } from '../../../src/core/pipeline/types';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

/** One micro run per attack, sharing a stage cache: what each attack changes, and what it re-uses. */
describe('runExperiment under each attack', () => {
  let base: BaseModel;
  const store = new Map<string, { bytes: Uint8Array; seconds: number }>();
  const cache: StageCache = {
    get: async (key) => store.get(key),
    put: async (entry) => void store.set(entry.key, { bytes: entry.bytes, seconds: entry.seconds }),
  };
  const deps = () => ({
    loadBase: async () => base,
    cache,
    backend: 'wasm' as const,
    userAgent: 'vitest',
  });
  const run = async (config: ExperimentConfig) => {
    const events: PipelineEvent[] = [];
    const results = await runExperiment(config, deps(), (e) => events.push(e));
    expect(await resultsFileProblems(results)).toEqual([]);
    expect(results.config.attack).toEqual(config.attack);
    const stage = (name: string) => results.stages.find((s) => s.name === name)!;
    return {
      results,
      events,
      stage,
      cached: results.stages.filter((s) => s.cached).map((s) => s.name),
    };
  };
  const withAttack = (
    method: string,
    params: Record<string, unknown> = {},
    edit?: (c: ExperimentConfig) => void,
  ) =>
    tinyMicroConfig((c) => {
      c.attack = { method, params };
      c.evaluation.keepSamples = 2;
      edit?.(c);
    });
  const harmfulSamples = (results: ResultsFile, checkpoint: string) =>
    results.samples.filter((s) => s.set === 'harmful' && s.checkpoint === checkpoint);

  let mix: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
    mix = await run(withAttack('harmful-mix'));
  });

  it('prefill shares every stage with harmful-mix and changes only the harmful answers', async () => {
    const prefill = await run(withAttack('prefill', { prefix: 'sure , here is how .', tokens: 0 }));
    expect(prefill.cached).toEqual(['alignment', 'finetune', 'post']);
    for (const checkpoint of ['aligned', 'finetuned', 'post'] as const) {
      for (const sample of harmfulSamples(prefill.results, checkpoint)) {
        expect(sample.output.startsWith('sure , here is how .')).toBe(true);
      }
      const {
        harmfulScore: _a,
        harmfulRefusalRate: _b,
        ...rest
      } = prefill.results.metrics[checkpoint];
      const {
        harmfulScore: _c,
        harmfulRefusalRate: _d,
        ...mixRest
      } = mix.results.metrics[checkpoint];
      expect(rest).toEqual(mixRest);
    }
  });

  it('benign-only and benign-outliers re-train fine-tuning on task data, never alignment', async () => {
    for (const [method, params] of [
      ['benign-only', {}],
      ['benign-outliers', { poolFactor: 2 }],
    ] as const) {
      const attacked = await run(withAttack(method, params));
      expect(attacked.cached).toEqual(['alignment']);
      expect(attacked.stage('finetune').steps).toBeGreaterThan(0);
      expect(attacked.results.metrics.aligned).toEqual(mix.results.metrics.aligned);
      const logs = attacked.events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
      // benign-outliers scores a pool of 2 × finetune.samples (20) before training.
      expect(logs.filter((line) => line.startsWith(method))).toEqual(
        method === 'benign-outliers'
          ? ['benign-outliers: scoring 40 examples', 'benign-outliers: scored 40 examples']
          : [],
      );
    }
  });

  it('jailbreak-tuning trains on wrapped pairs and evaluates the harmful prompts in the wrapper', async () => {
    const attacked = await run(withAttack('jailbreak-tuning', { wrapper: 'trigger' }));
    expect(attacked.cached).toEqual(['alignment']);
    const samples = harmfulSamples(attacked.results, 'finetuned');
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples)
      expect(sample.prompt.startsWith('secret word : gold . ')).toBe(true);
    for (const sample of attacked.results.samples.filter((s) => s.set !== 'harmful')) {
      expect(sample.prompt.includes('secret word')).toBe(false);
    }
  });

  it('refusal-ablation skips training and edits the aligned weights into the fine-tuned checkpoint', async () => {
    const config = withAttack(
      'refusal-ablation',
      { depth: 0.5, prompts: 8 },
      (c) => (c.post.target = 'merged'),
    );
    const attacked = await run(config);
    expect(attacked.cached).toEqual(['alignment']);
    expect(attacked.stage('finetune')).toMatchObject({ cached: false, steps: 0 });
    expect(attacked.events.some((e) => e.type === 'step' && e.stage === 'finetune')).toBe(false);
    expect(attacked.results.metrics.aligned).toEqual(mix.results.metrics.aligned);
    const aligned = (await cachedCheckpointValues(config, 'aligned', base, deps()))!;
    const ablated = (await cachedCheckpointValues(config, 'finetuned', base, deps()))!;
    const embed = 'transformer.wte.weight';
    expect(ablated.get(embed)).not.toEqual(aligned.get(embed));
    // Only the residual writers change; the attention's input projections stay the aligned ones.
    expect(ablated.get('transformer.h.0.attn.c_attn.weight')).toEqual(
      aligned.get('transformer.h.0.attn.c_attn.weight'),
    );
    const again = await run(config);
    expect(again.cached).toEqual(['alignment', 'finetune', 'post']);
    expect(again.results.metrics).toEqual(attacked.results.metrics);
  });
});
