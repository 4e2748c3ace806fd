import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../../src/core/config';
import { tinyMicroConfig } from '../../support/tinyConfig';
import { runExperiment, type BaseModel, type StageCache } from '../../../src/core/pipeline/run';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { QUOTA_REASON, StoreError } from '../../../src/core/store/errors';
import { indexedDbStageCache, tolerantStageCache } from '../../../workers/stageCache';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';

const QUOTA = new StoreError('quota', 'save the fine-tuned weights (1.6 MB)', QUOTA_REASON);

/** A cache whose every write fails as a full quota does. */
const fullCache = (): StageCache => ({
  get: async () => undefined,
  put: async () => {
    throw QUOTA;
  },
});

const entry = {
  key: 'k'.repeat(64),
  stage: 'finetune' as const,
  description: 'fine-tuned, p = 0.1',
  bytes: new Uint8Array(8),
  configHash: 'c'.repeat(64),
  seconds: 1,
};

describe('tolerantStageCache: storage failures are reported, the run goes on', () => {
  it('a write refused for quota resolves and says what was lost', async () => {
    const warnings: string[] = [];
    await expect(
      tolerantStageCache(fullCache(), (m) => warnings.push(m)).put(entry),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([
      "could not save the fine-tuned weights (1.6 MB): the browser's storage quota is full — " +
        'delete cached stages in the Cache panel; the run goes on, but this stage will be ' +
        'computed again next time',
    ]);
  });

  it('an unreadable entry is a miss, with a notice', async () => {
    const warnings: string[] = [];
    const damaged: StageCache = {
      get: async () => {
        throw new StoreError('corrupt', 'read the cached fine-tuned weights kkkk', 'bad hash');
      },
      put: async () => {},
    };
    await expect(
      tolerantStageCache(damaged, (m) => warnings.push(m)).get(entry.key),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([
      'could not read the cached fine-tuned weights kkkk: bad hash; the run goes on without the ' +
        'cached weights and computes this stage',
    ]);
  });

  it('reads and writes that work pass through; an error that is no StoreError propagates', async () => {
    const store = new Map<string, Uint8Array>();
    const inner: StageCache = {
      get: async (key) => (store.has(key) ? { bytes: store.get(key)! } : undefined),
      put: async ({ key, bytes }) => void store.set(key, bytes),
    };
    const warnings: string[] = [];
    const cache = tolerantStageCache(inner, (m) => warnings.push(m));
    await cache.put(entry);
    expect(await cache.get(entry.key)).toEqual({ bytes: entry.bytes });
    const buggy: StageCache = {
      get: async () => undefined,
      put: async () => {
        throw new TypeError('a bug, not storage');
      },
    };
    await expect(tolerantStageCache(buggy, () => {}).put(entry)).rejects.toThrow(TypeError);
    expect(warnings).toEqual([]);
  });

  it('the IndexedDB cache with a warning callback turns a missing IndexedDB into notices', async () => {
    // Node has no IndexedDB: the real store refuses to open with a StoreError ('unavailable').
    const warnings: string[] = [];
    const cache = indexedDbStageCache('wasm', (m) => warnings.push(m));
    expect(await cache.get(entry.key)).toBeUndefined();
    await cache.put(entry);
    expect(warnings).toHaveLength(2);
    for (const warning of warnings) expect(warning).toMatch(/IndexedDB is not available here/);
    await expect(indexedDbStageCache('wasm').put(entry)).rejects.toThrow(StoreError);
  });
});

describe('a run whose stage cache is full', () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });

  it('finishes with its results and one notice per stage it could not cache', async () => {
    const config: ExperimentConfig = tinyMicroConfig();
    const events: PipelineEvent[] = [];
    const log = (message: string) => events.push({ type: 'log', message });
    const results = await runExperiment(
      config,
      {
        loadBase: async () => base,
        cache: tolerantStageCache(fullCache(), log),
        backend: 'wasm',
        userAgent: 'vitest',
      },
      (e) => events.push(e),
    );
    expect(results.stages.map((s) => [s.name, s.cached])).toEqual([
      ['alignment', false],
      ['finetune', false],
      ['post', false],
      ['evaluation', false],
    ]);
    expect(Object.keys(results.metrics).sort()).toEqual(['aligned', 'finetuned', 'post']);
    const notices = events.flatMap((e) =>
      e.type === 'log' && e.message.includes('quota is full') ? [e.message] : [],
    );
    expect(notices).toHaveLength(3);
  });
});
