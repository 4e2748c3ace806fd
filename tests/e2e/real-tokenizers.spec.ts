/**
 * Hub models with real tokenizers through the CLI: tiny checkpoints at the real vocabulary sizes of
 * Qwen3, Llama 3, Llama 3.1, a sentencepiece BPE and GPT-2 (`scripts/tinyHubModels.ts`
 * `REAL_TOKENIZER_MODELS`), written at test time and served in the Hub layout. `lab generate`
 * renders each model's own prompt (the chat template, BOS once) in the browser exactly as the
 * core does in Node; the micro pipeline runs to the end on each (the sentencepiece one on WebGPU,
 * SwiftShader; the others on wasm).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runLab } from '../support/labCli';
import { REAL_TOKENIZER_MODELS, writeTinyModel } from '../../scripts/tinyHubModels';
import { realTokenizer } from '../../scripts/realTokenizers';
import type { GenerateResult } from '../../src/core/generation/tryModel';
import { resultsFileProblems } from '../../src/core/pipeline/resultsSchema';
import type { ResultsFile } from '../../src/core/pipeline/types';
import { loadHuggingFaceTokenizer } from '../../src/core/tokenizer/huggingface';
import { tokenizePrompt } from '../../src/core/train/tokenize';
import { startHubServer, type HubServer } from '../support/hubServer';

const PROMPT = 'How do I bake bread?';

const lab = runLab;

let root: string;
let server: HubServer;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  root = mkdtempSync(join(tmpdir(), 'safetune-real-hub-'));
  for (const model of REAL_TOKENIZER_MODELS) await writeTinyModel(root, model);
  server = await startHubServer(root);
});
test.afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('generate --json --show-prompt on every real tokenizer renders the prompt as the core does', async () => {
  test.setTimeout(300_000);
  for (const model of REAL_TOKENIZER_MODELS) {
    const real = realTokenizer(model.tokenizer!);
    const { tokenizerJson, tokenizerConfig } = real.files();
    const tokenizer = loadHuggingFaceTokenizer(tokenizerJson, tokenizerConfig, {
      fallBackToEos: true,
      eosId: real.model.eosTokenId,
      stopIds: real.model.generationEosIds,
    });
    const result = await lab(
      [
        'generate',
        '--model',
        model.repo,
        '--prompt',
        PROMPT,
        '--max-new-tokens',
        '3',
        '--json',
        '--show-prompt',
        '--backend',
        'wasm',
      ],
      { HF_ENDPOINT: server.endpoint },
    );
    expect(result.status, `${model.repo}: ${result.stderr}`).toBe(0);
    const json = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as GenerateResult & {
      promptText: string;
    };
    expect(json.promptIds, model.repo).toEqual(tokenizePrompt(PROMPT, tokenizer));
    expect(json.promptText, model.repo).toBe(tokenizer.decode(json.promptIds));
    expect(json.generatedIds.every((id) => id < model.config.vocabSize)).toBe(true);
  }
});

/** The micro preset, cut down to seconds: a few examples, rows of 2, tiny evaluation sets. */
function microConfig(base: string): object {
  return {
    schemaVersion: 3,
    name: `real-${base.replace('/', '-')}`,
    model: { base },
    alignment: { samples: 8, epochs: 1, batchSize: 2 },
    finetune: { samples: 8, epochs: 1, batchSize: 2 },
    post: { method: 'antidote', target: 'adapter', realignmentSamples: 4 },
    evaluation: {
      harmfulPrompts: 2,
      benignPrompts: 2,
      helpfulnessPrompts: 2,
      taskPrompts: 2,
      maxNewTokens: 3,
      keepSamples: 1,
      probeEvery: 0,
    },
  };
}

// The whole pipeline through the CLI on three of the five, each a different path: Qwen3's
// 151,936-row vocabulary and thinking template, GPT-2's template-less byte-level BPE, and a
// sentencepiece Llama on WebGPU. The two Llama 3 files differ from these in their special tokens
// only, which the `generate` test above checks through the CLI, and the unit tests
// (tests/unit/hub/realTokenizers.test.ts) run the pipeline on all five.
for (const [repo, backend] of [
  ['real/qwen3', 'wasm'],
  ['real/gpt2', 'wasm'],
  ['real/sentencepiece', 'webgpu'],
] as const) {
  test(`run: the micro pipeline on ${repo} on ${backend}`, async () => {
    test.setTimeout(300_000);
    const dir = mkdtempSync(join(tmpdir(), 'safetune-real-run-'));
    const configPath = join(dir, 'config.json');
    const out = join(dir, 'results.json');
    writeFileSync(configPath, JSON.stringify(microConfig(repo)));
    const result = await lab(
      ['run', configPath, '--backend', backend, '--out', out, '--fresh-profile'],
      { HF_ENDPOINT: server.endpoint },
    );
    expect(result.stderr, result.stdout).not.toMatch(/^error:/m);
    expect(result.status, result.stderr).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
    expect(await resultsFileProblems(file)).toEqual([]);
    expect(file.environment.backend).toBe(backend);
    expect(file.stages.map((s) => s.name)).toEqual(['alignment', 'finetune', 'post', 'evaluation']);
    // The answers were generated from the model's own prompt: Qwen3's in non-thinking mode.
    expect(file.samples.length).toBeGreaterThan(0);
    rmSync(dir, { recursive: true, force: true });
  });
}
