import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type ExperimentConfig } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { readSafetensors } from '../../../src/core/model/safetensors';
import { checkpointFiles } from '../../../src/core/model/checkpoint';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { runExperiment, type BaseModel, type StageCache } from '../../../src/core/pipeline/run';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

const tinyConfig = tinyMicroConfig;

describe('runExperiment', () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });

  const run = async (config: ExperimentConfig, cache: StageCache) => {
    const events: PipelineEvent[] = [];
    const results = await runExperiment(
      config,
      { loadBase: async () => base, cache, backend: 'wasm', userAgent: 'vitest' },
      (e) => events.push(e),
    );
    return { results, events, cached: results.stages.filter((s) => s.cached).map((s) => s.name) };
  };

  it('re-trains nothing on a re-run or a post-only change, and re-uses the aligned model when only finetune changes', async () => {
    const store = new Map<string, { bytes: Uint8Array; seconds: number }>();
    const cache: StageCache = {
      get: async (key) => store.get(key),
      put: async (entry) =>
        void store.set(entry.key, { bytes: entry.bytes, seconds: entry.seconds }),
    };

    const first = await run(tinyConfig(), cache);
    expect(first.cached).toEqual([]);
    expect(await resultsFileProblems(first.results)).toEqual([]);
    expect(store.size).toBe(3);
    expect(
      first.events
        .filter((e) => e.type === 'metrics')
        .map((e) => (e as { checkpoint: string }).checkpoint),
    ).toEqual(['aligned', 'finetuned', 'post']);

    // The post stage reports its progress (Antidote: calibration passes, then matrices) between
    // its start and its end.
    const postEvents = first.events.filter(
      (e) => e.type === 'post-progress' || ('stage' in e && e.stage === 'post'),
    );
    expect(postEvents[0]).toMatchObject({ type: 'stage-start', stage: 'post' });
    expect(postEvents.at(-1)).toMatchObject({ type: 'stage-end', stage: 'post' });
    const progress = postEvents.filter((e) => e.type === 'post-progress');
    expect(progress.length).toBeGreaterThan(1);
    // One calibration batch (16 re-alignment examples), then A and B of q, k, v in the one block.
    expect(progress.at(-1)).toEqual({ type: 'post-progress', done: 7, total: 7 });

    const again = await run(tinyConfig(), cache);
    expect(again.cached).toEqual(['alignment', 'finetune', 'post']);
    // A cached stage reports how long it took when it was trained.
    for (const [i, record] of again.results.stages.slice(0, 3).entries()) {
      expect(record.trainedSeconds).toBe(store.get([...store.keys()][i])!.seconds);
      expect(record.trainedSeconds).toBeGreaterThan(0);
    }
    expect(first.results.stages.every((s) => s.trainedSeconds === undefined)).toBe(true);
    expect(again.results.metrics).toEqual(first.results.metrics);
    expect(again.events.some((e) => e.type === 'step')).toBe(false);

    const postOnly = await run(
      tinyConfig((c) => (c.post.method = 'random-prune')),
      cache,
    );
    expect(postOnly.cached).toEqual(['alignment', 'finetune']);
    expect(postOnly.results.metrics.finetuned).toEqual(first.results.metrics.finetuned);

    const finetuneOnly = await run(
      tinyConfig((c) => (c.finetune.poisonRatio = 0.2)),
      cache,
    );
    expect(finetuneOnly.cached).toEqual(['alignment']);
    expect(finetuneOnly.events.some((e) => e.type === 'step' && e.stage === 'alignment')).toBe(
      false,
    );
    expect(finetuneOnly.events.some((e) => e.type === 'step' && e.stage === 'finetune')).toBe(true);

    // Evaluation settings never change stage keys.
    const evalOnly = await run(
      tinyConfig((c) => (c.evaluation.maxNewTokens = 3)),
      cache,
    );
    expect(evalOnly.cached).toEqual(['alignment', 'finetune', 'post']);
  });

  it('a LoRA stage caches only its adapter, and a maskRatio change re-trains nothing', async () => {
    const store = new Map<string, { bytes: Uint8Array; seconds: number; stage: string }>();
    const cache: StageCache = {
      get: async (key) => store.get(key),
      put: async (entry) =>
        void store.set(entry.key, {
          bytes: entry.bytes,
          seconds: entry.seconds,
          stage: entry.stage,
        }),
    };
    const lora = tinyConfig();
    expect(lora.alignment.lora).not.toBeNull();
    expect(lora.finetune.lora).not.toBeNull();
    expect(lora.post.target).toBe('adapter');
    const first = await run(lora, cache);
    const kinds = [...store.values()].map((e) => [
      e.stage,
      readSafetensors(e.bytes).metadata['safetune.kind'] ?? 'full',
      e.bytes.length,
    ]);
    const fullSize = (await checkpointFiles(base.config, base.values)).safetensors.length;
    expect(kinds.map(([stage, kind]) => [stage, kind])).toEqual([
      ['alignment', 'lora-adapter'],
      ['finetune', 'lora-adapter'],
      ['post', 'lora-adapter'],
    ]);
    for (const [, , size] of kinds) expect(size as number).toBeLessThan(fullSize / 2);

    const maskRatio = await run(
      tinyConfig((c) => (c.post.maskRatio = 0.3)),
      cache,
    );
    expect(maskRatio.cached).toEqual(['alignment', 'finetune']);
    expect(maskRatio.events.some((e) => e.type === 'step')).toBe(false);
    expect(maskRatio.results.metrics.finetuned).toEqual(first.results.metrics.finetuned);
    // `none` reads no shared post field: its post stage is cached across maskRatio values.
    await run(
      tinyConfig((c) => (c.post.method = 'none')),
      cache,
    );
    const none = await run(
      tinyConfig((c) => {
        c.post.method = 'none';
        c.post.maskRatio = 0.3;
      }),
      cache,
    );
    expect(none.cached).toEqual(['alignment', 'finetune', 'post']);
    // Antidote on the adapter leaves the aligned weights alone: with maskRatio 0 it is the fine-tuned model.
    const zero = await run(
      tinyConfig((c) => (c.post.maskRatio = 0)),
      cache,
    );
    expect(zero.results.metrics.post).toEqual(first.results.metrics.finetuned);

    const full = await run(
      tinyConfig((c) => {
        c.finetune.lora = null;
        c.post.target = 'merged';
      }),
      cache,
    );
    expect(full.cached).toEqual(['alignment']);
    const last = [...store.values()].slice(-2);
    expect(last.map((e) => readSafetensors(e.bytes).metadata['safetune.kind'] ?? 'full')).toEqual([
      'full',
      'full',
    ]);
  });

  it('a schemaVersion-1 config runs as it did: full-weight stages, the prune on merged weights', async () => {
    const v1 = { ...tinyConfig(), schemaVersion: 1 } as Record<string, unknown>;
    for (const section of ['alignment', 'finetune', 'post'] as const) {
      const copy = { ...(v1[section] as Record<string, unknown>) };
      delete copy.lora;
      delete copy.target;
      v1[section] = copy;
    }
    const result = validateConfig(v1, DEFAULT_VALIDATION_CONTEXT);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.alignment.lora).toBeNull();
    expect(result.config.finetune.lora).toBeNull();
    expect(result.config.post.target).toBe('merged');
    const store = new Map<string, { bytes: Uint8Array; seconds: number }>();
    const cache: StageCache = {
      get: async (key) => store.get(key),
      put: async (entry) =>
        void store.set(entry.key, { bytes: entry.bytes, seconds: entry.seconds }),
    };
    const { results } = await run(result.config, cache);
    expect(results.config.schemaVersion).toBe(5);
    expect(
      [...store.values()].map((e) => readSafetensors(e.bytes).metadata['safetune.kind'] ?? 'full'),
    ).toEqual(['full', 'full', 'full']);
  });

  it('a damaged cache entry is never used: the stage trains again, with a notice, to the same numbers', async () => {
    const store = new Map<string, { bytes: Uint8Array; seconds: number; stage: string }>();
    const cache: StageCache = {
      get: async (key) => store.get(key),
      put: async (entry) =>
        void store.set(entry.key, {
          bytes: entry.bytes,
          seconds: entry.seconds,
          stage: entry.stage,
        }),
    };
    const first = await run(tinyConfig(), cache);
    for (const [key, entry] of store) {
      // A truncated write of the fine-tuning adapter.
      if (entry.stage === 'finetune') store.set(key, { ...entry, bytes: entry.bytes.slice(0, 40) });
    }
    const again = await run(tinyConfig(), cache);
    expect(again.cached).toEqual(['alignment', 'post']);
    const notices = again.events
      .filter((e) => e.type === 'log')
      .map((e) => (e as { message: string }).message);
    expect(notices).toEqual([
      expect.stringMatching(
        /^the cached finetune weights are unreadable \(.+\); training the stage again$/,
      ),
    ]);
    expect(again.results.metrics).toEqual(first.results.metrics);
    const healed = await run(tinyConfig(), cache);
    expect(healed.cached).toEqual(['alignment', 'finetune', 'post']);
  });

  it('a storage failure fails the run with the store error, not silently', async () => {
    const cache: StageCache = {
      get: async () => undefined,
      put: async () => {
        throw new Error('could not save the aligned weights: the browser storage quota is full');
      },
    };
    await expect(run(tinyConfig(), cache)).rejects.toThrow(/quota is full/);
  });
});
