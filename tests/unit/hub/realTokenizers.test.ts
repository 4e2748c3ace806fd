/**
 * Hub models with real tokenizers (`scripts/realTokenizers.ts`) and their real vocabulary sizes
 * (32k–152k rows), written at test time in the Hub layout and served over HTTP: each loads, its
 * prompt is what the chat template renders, it generates and stops, and the micro pipeline runs
 * to the end on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_TOKENIZER_MODELS, writeTinyModel } from '../../../scripts/tinyHubModels';
import type { ExperimentConfig } from '../../../src/core/config';
import { tinyMicroConfig } from '../../support/tinyConfig';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { validateConfig } from '../../../src/core/config/validate';
import { runnableFromBase } from '../../../src/core/generation/fromBase';
import { tryModel } from '../../../src/core/generation/tryModel';
import { loadHubBaseModel } from '../../../src/core/hub';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { baseTokenizer, runExperiment, type StageCache } from '../../../src/core/pipeline/run';
import { tokenizePrompt } from '../../../src/core/train/tokenize';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { useBackend } from '../support/backend';

let root: string;
let server: HubServer;
beforeAll(async () => {
  await useBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'safetune-real-hub-'));
  for (const model of REAL_TOKENIZER_MODELS) await writeTinyModel(root, model);
  server = await startHubServer(root);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

/** The micro pipeline in seconds on a real vocabulary: a few examples, rows of 2, no probes. */
function microConfig(base: string): ExperimentConfig {
  const config = tinyMicroConfig((c) => {
    c.model.base = base;
    c.alignment.samples = 8;
    c.finetune.samples = 8;
    // Rows of 256 tokens: 8 short examples fill one or two, and every row is a [256, vocab] logits
    // chunk to compute, padding or not.
    c.alignment.batchSize = 2;
    c.finetune.batchSize = 2;
    c.post.realignmentSamples = 4;
    c.evaluation = {
      ...c.evaluation,
      harmfulPrompts: 2,
      benignPrompts: 2,
      helpfulnessPrompts: 2,
      taskPrompts: 2,
      maxNewTokens: 3,
      probeEvery: 0,
    };
  });
  const checked = validateConfig(config, DEFAULT_VALIDATION_CONTEXT);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.config;
}

function memoryCache(): StageCache {
  const store = new Map<string, { bytes: Uint8Array; seconds: number }>();
  return {
    get: async (key) => store.get(key),
    put: async (entry) => void store.set(entry.key, { bytes: entry.bytes, seconds: entry.seconds }),
  };
}

describe('Hub models with real tokenizers', () => {
  it('real/qwen3: model.thinking switches its template to thinking mode; off by default', async () => {
    const base = await loadHubBaseModel('real/qwen3', { endpoint: server.endpoint });
    const prompt = (tokenizer: Awaited<ReturnType<typeof baseTokenizer>>) =>
      tokenizer.decode(tokenizePrompt('How do I bake bread?', tokenizer));
    expect(prompt(await baseTokenizer(base))).toMatch(/assistant\n<think>\n\n<\/think>\n\n$/);
    expect(prompt(await baseTokenizer(base, { thinking: true }))).toMatch(/assistant\n$/);
  }, 60_000);

  for (const { repo, tokenizer: name, config } of REAL_TOKENIZER_MODELS) {
    it(`${repo}: loads, renders its prompt, generates and runs the micro pipeline`, async () => {
      const base = await loadHubBaseModel(repo, { endpoint: server.endpoint });
      expect(base.config.vocabSize).toBe(config.vocabSize);

      const runnable = await runnableFromBase(base);
      try {
        const result = await tryModel(runnable, {
          model: repo,
          prompt: 'How do I bake bread?',
          maxNewTokens: 4,
        });
        expect(result.promptIds).toEqual(
          tokenizePrompt('How do I bake bread?', runnable.tokenizer),
        );
        const shown = runnable.tokenizer.decode(result.promptIds);
        if (name === 'qwen3')
          expect(shown).toMatch(/<\|im_start\|>assistant\n<think>\n\n<\/think>\n\n$/);
        if (name === 'llama3' || name === 'llama3.1') {
          expect(shown).toMatch(/^<\|begin_of_text\|><\|start_header_id\|>user/);
        }
        if (name === 'sentencepiece') expect(result.promptIds[0]).toBe(1);
        // Greedy ids run to the limit or end at a stop id; every id is a row of the model.
        const { generatedIds } = result;
        expect(generatedIds.length).toBeGreaterThan(0);
        expect(generatedIds.length).toBeLessThanOrEqual(4);
        for (const id of generatedIds) expect(id).toBeLessThan(config.vocabSize);
        if (generatedIds.length < 4) expect(runnable.eosIds).toContain(generatedIds.at(-1));
      } finally {
        runnable.model.dispose();
      }

      const results = await runExperiment(microConfig(repo), {
        loadBase: (spec) => loadHubBaseModel(spec, { endpoint: server.endpoint }),
        cache: memoryCache(),
        backend: 'wasm',
        userAgent: 'vitest',
      });
      expect(await resultsFileProblems(results)).toEqual([]);
      expect(results.stages.map((s) => s.name)).toEqual([
        'alignment',
        'finetune',
        'post',
        'evaluation',
      ]);
      for (const checkpoint of ['aligned', 'finetuned', 'post'] as const) {
        expect(results.metrics[checkpoint].harmfulScore).toBeGreaterThanOrEqual(0);
      }
    }, 300_000);
  }
});
