/**
 * The whole pipeline on Hub models: tiny Llama and GPT-2 checkpoints in the Hub's layout, served
 * over HTTP, as `model.base` — LoRA alignment (merged), poisoned LoRA fine-tuning, Antidote on the
 * fine-tuning adapter, evaluation — with the stage cache keyed on the model's files.
 */
import { fileURLToPath } from 'node:url';
import { builtInDataSources } from '../../../src/core/data/sources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExperimentConfig } from '../../../src/core/config';
import { resolvePreset } from '../../../src/core/lab';
import { keywordModerationPairJudge } from '../../../src/core/metrics/judges';
import { validateConfig } from '../../../src/core/config/validate';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { loadHubBaseModel, MemoryHubFileCache } from '../../../src/core/hub';
import { readSafetensors } from '../../../src/core/model/safetensors';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import {
  baseTokenizer,
  cachedCheckpointValues,
  runExperiment,
  type BaseModel,
  type StageCache,
} from '../../../src/core/pipeline/run';
import { buildEvalSets } from '../../../src/core/pipeline/evalSets';
import { evaluateCheckpoint } from '../../../src/core/pipeline/evaluate';
import { LanguageModel } from '../../../src/core/model/languageModel';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { loadTokenizer } from '../../../src/core/tokenizer';
import { tokenizeExamples } from '../../../src/core/train/tokenize';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { useBackend } from '../support/backend';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));

let server: HubServer;
beforeAll(async () => {
  await useBackend('wasm');
  server = await startHubServer(FIXTURES);
});
afterAll(() => server.close());

function hubConfig(base: string): ExperimentConfig {
  const config = resolvePreset('micro');
  config.model.base = base;
  config.alignment.samples = 16;
  config.finetune.samples = 12;
  config.post.realignmentSamples = 8;
  config.evaluation = {
    ...config.evaluation,
    harmfulPrompts: 3,
    benignPrompts: 3,
    helpfulnessPrompts: 3,
    taskPrompts: 3,
    maxNewTokens: 4,
    keepSamples: 1,
  };
  const checked = validateConfig(config, DEFAULT_VALIDATION_CONTEXT);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.config;
}

function memoryCache(): StageCache & { size(): number; kinds(): string[] } {
  const store = new Map<string, { bytes: Uint8Array; seconds: number }>();
  return {
    get: async (key) => store.get(key),
    put: async (entry) => void store.set(entry.key, { bytes: entry.bytes, seconds: entry.seconds }),
    size: () => store.size,
    kinds: () =>
      [...store.values()].map((e) => readSafetensors(e.bytes).metadata['safetune.kind'] ?? 'full'),
  };
}

describe('the pipeline with a Hub base model', () => {
  for (const repo of ['tiny/llama', 'tiny/gpt2']) {
    it(`${repo}: LoRA alignment, poisoned LoRA fine-tuning, Antidote on the adapter, evaluation; a re-run is all cache`, async () => {
      const files = new MemoryHubFileCache();
      const events: PipelineEvent[] = [];
      const loadBase = (
        name: string,
        onEvent: (event: PipelineEvent) => void,
      ): Promise<BaseModel> =>
        loadHubBaseModel(name, {
          endpoint: server.endpoint,
          cache: files,
          onProgress: (p) =>
            onEvent({
              type: 'download',
              repo: name,
              file: p.file,
              loadedBytes: p.loadedBytes,
              totalBytes: p.totalBytes,
            }),
        });
      const cache = memoryCache();
      const config = hubConfig(repo);
      expect(config.finetune.lora).not.toBeNull();
      expect(config.post).toMatchObject({ method: 'antidote', target: 'adapter' });
      const deps = { loadBase, cache, backend: 'wasm' as const, userAgent: 'vitest' };
      const results = await runExperiment(config, deps, (e) => events.push(e));
      expect(await resultsFileProblems(results)).toEqual([]);
      expect(results.stages.map((s) => [s.name, s.cached])).toEqual([
        ['alignment', false],
        ['finetune', false],
        ['post', false],
        ['evaluation', false],
      ]);
      expect(cache.kinds()).toEqual(['lora-adapter', 'lora-adapter', 'lora-adapter']);
      expect(results.prune?.length).toBeGreaterThan(0);
      for (const checkpoint of ['aligned', 'finetuned', 'post'] as const) {
        expect(results.metrics[checkpoint].harmfulScore).toBeGreaterThanOrEqual(0);
      }
      // The download was reported in bytes, ending at the total.
      const downloads = events.filter((e) => e.type === 'download');
      expect(downloads.length).toBeGreaterThan(0);
      const last = downloads.at(-1) as Extract<PipelineEvent, { type: 'download' }>;
      expect(last.loadedBytes).toBe(last.totalBytes);

      const requests = server.requests.length;
      const again = await runExperiment(config, deps);
      expect(again.stages.filter((s) => s.cached).map((s) => s.name)).toEqual([
        'alignment',
        'finetune',
        'post',
      ]);
      expect(again.metrics).toEqual(results.metrics);
      // The model came from the browser-side file cache: not one request.
      expect(server.requests.length).toBe(requests);

      // Every checkpoint can be read back from the stage cache ("try the model" after a run), and
      // the repaired one evaluates to the run's own numbers.
      const base = await loadBase(repo, () => {});
      const read = (name: 'aligned' | 'finetuned' | 'post') =>
        cachedCheckpointValues(config, name, base, deps);
      const [aligned, finetuned, repaired] = await Promise.all([
        read('aligned'),
        read('finetuned'),
        read('post'),
      ]);
      const someWeight = [...base.values.keys()].find((name) =>
        /\.(q_proj|c_attn)\.weight$/.test(name),
      )!;
      expect(aligned!.get(someWeight)).not.toEqual(base.values.get(someWeight));
      expect(finetuned!.get(someWeight)).not.toEqual(aligned!.get(someWeight));
      expect(repaired!.get(someWeight)).not.toEqual(finetuned!.get(someWeight));
      const tokenizer = await baseTokenizer(base);
      const model = LanguageModel.fromValues(base.config, repaired!);
      const evaluated = await evaluateCheckpoint(
        model,
        tokenizer,
        buildEvalSets(config, builtInDataSources(config)),
        {
          checkpoint: 'post',
          judges: [keywordModerationPairJudge],
          maxNewTokens: config.evaluation.maxNewTokens,
          keepSamples: config.evaluation.keepSamples,
        },
      );
      model.dispose();
      expect(evaluated.metrics).toEqual(results.metrics.post);
      expect(
        await cachedCheckpointValues(config, 'post', base, {
          backend: 'wasm',
          cache: memoryCache(),
        }),
      ).toBeNull();
    });
  }

  it('renders training examples and prompts with the model chat template', async () => {
    const base = await loadHubBaseModel('tiny/llama', { endpoint: server.endpoint });
    const tokenizer = await loadTokenizer(base.tokenizerJson, base.tokenizerConfig ?? undefined, {
      fallBackToEos: true,
    });
    const [example] = tokenizeExamples(
      [{ prompt: 'how do i bake bread ?', response: 'mix flour .' }],
      tokenizer,
      'response',
    );
    // The row is the template's rendering of the conversation, ChatML's closing line break too.
    const text = tokenizer.decode(example.ids);
    expect(text).toBe(
      '<|im_start|>user\nhow do i bake bread ?<|im_end|>\n<|im_start|>assistant\nmix flour .<|im_end|>\n',
    );
    // Loss starts at the answer (the prompt decodes to the assistant header) and runs through the
    // token that closes the turn, not the line break after it.
    expect(tokenizer.decode(example.ids.slice(0, example.lossFrom))).toMatch(
      /<\|im_start\|>assistant\n$/,
    );
    expect(tokenizer.decode(example.ids.slice(example.lossFrom, example.lossTo))).toBe(
      'mix flour .<|im_end|>',
    );
  });
});
