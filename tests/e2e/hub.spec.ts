/**
 * Hub models end to end through the CLI: `HF_ENDPOINT=<local server> npm run lab -- generate`
 * against tiny checkpoints of every family in the Hub's layout (tests/fixtures/hub), checked
 * against the independent PyTorch reference's golden numbers (tests/fixtures/hub-golden).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resultsFileProblems } from '../../src/core/pipeline/resultsSchema';
import type { ResultsFile } from '../../src/core/pipeline/types';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { runLab } from '../support/labCli';
import type { GenerateResult } from '../../src/core/generation/tryModel';
import { startHubServer, type HubServer } from '../support/hubServer';

const ROOT = resolve(import.meta.dirname, '../..');
const TOLERANCE = 1e-4;

interface Golden {
  repo: string;
  modelType: string;
  promptIds: number[];
  logits: number[][];
  generatedIds: number[];
}

// Its own port: the origin of the stage cache the CLI's browser keeps.
const lab = (args: string[], env: Record<string, string>) =>
  runLab(args, { SAFETUNE_LAB_PORT: '41738', ...env });

let server: HubServer;
test.beforeAll(async () => {
  server = await startHubServer(resolve(ROOT, 'tests/fixtures/hub'));
});
test.afterAll(() => server.close());

for (const [name, backend] of [
  ['gpt2', 'wasm'],
  ['llama', 'wasm'],
  ['qwen2', 'wasm'],
  ['qwen3', 'wasm'],
  ['gpt-neox', 'wasm'],
  ['llama', 'webgpu'],
] as const) {
  test(`generate --json on tiny/${name} (${backend}) matches the PyTorch reference`, async () => {
    test.setTimeout(300_000);
    const golden = JSON.parse(
      readFileSync(resolve(ROOT, `tests/fixtures/hub-golden/${name}.json`), 'utf8'),
    ) as Golden;
    const result = await lab(
      [
        'generate',
        '--model',
        golden.repo,
        '--prompt-ids',
        golden.promptIds.join(','),
        '--max-new-tokens',
        String(golden.generatedIds.length),
        '--backend',
        backend,
        '--logits',
        '--json',
        '--fresh-profile',
      ],
      { HF_ENDPOINT: server.endpoint },
    );
    expect(result.status, result.stderr).toBe(0);
    // Exactly one JSON object on stdout; progress went to stderr.
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^backend: ${backend}`, 'm'));
    const output = JSON.parse(result.stdout) as GenerateResult;
    expect(Object.keys(output).sort()).toEqual(
      [
        'architecture',
        'firstLogits',
        'generatedIds',
        'model',
        'parameters',
        'promptIds',
        'text',
      ].sort(),
    );
    expect(output).toMatchObject({
      model: `${golden.repo}@main`,
      architecture: golden.modelType,
      promptIds: golden.promptIds,
      generatedIds: golden.generatedIds,
    });
    const expected = golden.logits[golden.logits.length - 1];
    expect(output.firstLogits).toHaveLength(expected.length);
    const worst = Math.max(...expected.map((value, i) => Math.abs(output.firstLogits![i] - value)));
    expect(worst).toBeLessThan(TOLERANCE);
  });
}

test('generate --show-prompt shows the ChatML prompt on stderr, or as promptText with --json', async () => {
  test.setTimeout(300_000);
  const PROMPT = '<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n';
  const args = ['generate', '--model', 'tiny/qwen2', '--prompt', 'hello there'];
  const common = ['--max-new-tokens', '2', '--backend', 'wasm', '--fresh-profile'];
  const env = { HF_ENDPOINT: server.endpoint };

  const shown = await lab([...args, ...common, '--show-prompt'], env);
  expect(shown.status, shown.stderr).toBe(0);
  const header = shown.stderr.match(/^prompt \((\d+) tokens, as the model sees it\):$/m);
  expect(header, shown.stderr).not.toBeNull();
  expect(shown.stderr).toContain(`${header![0]}\n${PROMPT}\n(end of prompt)\n`);
  const promptIds = shown.stdout.match(/^prompt ids: ([\d,]+)$/m)![1].split(',');
  expect(Number(header![1])).toBe(promptIds.length);
  expect(shown.stdout).not.toContain('as the model sees it');

  const json = await lab([...args, ...common, '--show-prompt', '--json'], env);
  expect(json.status, json.stderr).toBe(0);
  expect(json.stdout.trim().split('\n')).toHaveLength(1);
  const output = JSON.parse(json.stdout) as GenerateResult;
  expect(Object.keys(output).sort()).toEqual(
    [
      'architecture',
      'generatedIds',
      'model',
      'parameters',
      'promptIds',
      'promptText',
      'text',
    ].sort(),
  );
  expect(output.promptText).toBe(PROMPT);
  expect(output.promptIds.map(String)).toEqual(promptIds);
  expect(json.stderr).not.toContain('as the model sees it');
  // Without --show-prompt the JSON object keeps the contract's keys (the golden tests above check
  // them exactly on prompt ids; here on a templated prompt).
  const plain = await lab([...args, ...common, '--json'], env);
  expect(plain.status, plain.stderr).toBe(0);
  expect(JSON.parse(plain.stdout)).not.toHaveProperty('promptText');
});

test('generate explains a missing repo, a gated one and an unreachable endpoint in one line', async () => {
  // --backend wasm: the failures come before any computation, and auto's timing of the candidates
  // (about 15 s in a fresh profile) is tested in backends.spec.ts.
  const missing = await lab(
    [
      'generate',
      '--model',
      'tiny/absent',
      '--prompt-ids',
      '1',
      '--backend',
      'wasm',
      '--fresh-profile',
    ],
    {
      HF_ENDPOINT: server.endpoint,
    },
  );
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/^error: model tiny\/absent@main not found at .* \(404\)$/m);

  const gatedServer = await startHubServer(resolve(ROOT, 'tests/fixtures/hub'), {
    status: { 'tiny/llama': 401 },
  });
  try {
    const gated = await lab(
      [
        'generate',
        '--model',
        'tiny/llama',
        '--prompt-ids',
        '1',
        '--backend',
        'wasm',
        '--fresh-profile',
      ],
      { HF_ENDPOINT: gatedServer.endpoint },
    );
    expect(gated.status).toBe(1);
    expect(gated.stderr).toMatch(/^error: .*(gated|private).*token.*$/m);
  } finally {
    await gatedServer.close();
  }

  const down = await lab(
    [
      'generate',
      '--model',
      'tiny/llama',
      '--prompt-ids',
      '1',
      '--backend',
      'wasm',
      '--fresh-profile',
    ],
    {
      HF_ENDPOINT: 'http://127.0.0.1:9',
    },
  );
  expect(down.status).toBe(1);
  expect(down.stderr).toMatch(/^error: .*(network|CORS).*$/m);

  const usage = await lab(['generate', '--model', 'tiny/llama', '--prompt-ids', '1,x'], {});
  expect(usage.status).toBe(2);
  expect(usage.stderr).toMatch(
    /--prompt-ids must be comma-separated non-negative integers \(got "x"\)/,
  );
});

/** A small run of the reference pipeline (LoRA alignment, poisoned LoRA fine-tuning, Antidote on the adapter). */
function hubRunConfig(base: string): object {
  return {
    schemaVersion: 2,
    name: `hub-${base.replace('/', '-')}`,
    model: { base },
    alignment: { samples: 16, epochs: 1 },
    finetune: { samples: 12, epochs: 1 },
    post: { method: 'antidote', target: 'adapter', realignmentSamples: 8 },
    evaluation: {
      harmfulPrompts: 3,
      benignPrompts: 3,
      helpfulnessPrompts: 3,
      taskPrompts: 3,
      maxNewTokens: 4,
      keepSamples: 1,
      probeEvery: 0,
    },
  };
}

// The pipeline on WebGPU runs on a Llama with a real tokenizer, and on a GPT-2 with GPT-2's own
// tokenizer on wasm, in real-tokenizers.spec.ts.
for (const [repo, backend] of [['tiny/llama', 'wasm']] as const) {
  test(`run: the whole pipeline on ${repo} from the Hub on ${backend}`, async () => {
    test.setTimeout(300_000);
    const dir = mkdtempSync(join(tmpdir(), 'safetune-hub-run-'));
    const configPath = join(dir, 'config.json');
    const out = join(dir, 'results.json');
    writeFileSync(configPath, JSON.stringify(hubRunConfig(repo)));
    const result = await lab(
      ['run', configPath, '--backend', backend, '--out', out, '--fresh-profile'],
      { HF_ENDPOINT: server.endpoint },
    );
    expect(result.stderr, result.stdout).not.toMatch(/^error:/m);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^backend: ${backend}`, 'm'));
    expect(result.stdout).toMatch(/^\[download\] tiny\/\S+ \S+\.safetensors/m);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
    expect(await resultsFileProblems(file)).toEqual([]);
    expect(file.config.model.base).toBe(repo);
    expect(file.environment.backend).toBe(backend);
    expect(file.stages.map((s) => s.name)).toEqual(['alignment', 'finetune', 'post', 'evaluation']);
    expect(file.prune?.every((layer) => /\.lora_[AB]$/.test(layer.weight))).toBe(true);
  });
}
