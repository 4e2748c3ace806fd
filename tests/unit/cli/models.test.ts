import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../cli/args';
import { HELP } from '../../../cli/help';
import { main } from '../../../cli/lab';
import { MODELS_RUN, formatModelsTable, modelRows, type ModelRow } from '../../../cli/models';
import { DEFAULT_CONFIG } from '../../../src/core/config/schema';
import { CURATED_MODELS } from '../../../src/core/hub/curated';
import { BASE_MODEL_NAMES } from '../../../src/core/model/bases';
import { estimateMemory } from '../../../src/core/model/memory';

async function lab(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runLab: () => {
      throw new Error('the browser must not be started');
    },
  });
  return { status, stdout, stderr };
}

const rowOf = (rows: ModelRow[], model: string) => rows.find((row) => row.model === model);

describe('lab models', () => {
  it('parses models and --json, and refuses arguments', () => {
    expect(parseCommand(['models'])).toEqual({ name: 'models', json: false });
    expect(parseCommand(['models', '--json'])).toEqual({ name: 'models', json: true });
    expect(parseCommand(['models', '--help'])).toEqual({ name: 'help', topic: 'models' });
    expect(() => parseCommand(['models', 'gpt2'])).toThrow(/^models: takes no arguments/);
    expect(() => parseCommand(['models', '--batch', '2'])).toThrow(/^models: Unknown option/);
    expect(HELP.lab).toMatch(/\n {2}models {2,}list the built-in and curated Hub models/);
  });

  it('estimates the default LoRA fine-tuning at batch 4 × seqLen 256', () => {
    expect(MODELS_RUN).toMatchObject({
      batchSize: 4,
      seqLen: 256,
      lora: DEFAULT_CONFIG.finetune.lora,
      maxNewTokens: DEFAULT_CONFIG.evaluation.maxNewTokens,
    });
  });

  it('a row per built-in and curated model, its figures from the same estimate', () => {
    const rows = modelRows();
    expect(rows.map((row) => row.model)).toEqual([
      ...BASE_MODEL_NAMES,
      ...CURATED_MODELS.map((model) => model.repo),
    ]);
    const base = rowOf(rows, 'safetune-base') as ModelRow;
    expect(base).toMatchObject({ source: 'built-in', family: 'gpt2', limits: 'default' });
    expect(base.parameters).toBeGreaterThan(400_000);
    expect(base.parameters).toBeLessThan(600_000);
    expect(base.fileDtype).toBe('F32');
    expect(base.memory.run.seqLen).toBe(64); // its context length
    for (const model of CURATED_MODELS) {
      const row = rowOf(rows, model.repo) as ModelRow;
      expect(row.parameters).toBe(model.parameters);
      // As a run of a Hub model: its blocks recomputed backward.
      expect(row.memory).toEqual(estimateMemory(model.config, { ...MODELS_RUN, recompute: true }));
    }
    // GPT-2's 154 MB embedding is over the default 128 MiB binding; a desktop adapter's limits hold it.
    const gpt2 = rowOf(rows, 'openai-community/gpt2') as ModelRow;
    expect(gpt2.limits).toBe('raised');
    expect(gpt2.defaultLimitProblems[0]).toMatch(/^transformer\.wte\.weight \[50257, 768\]/);
    expect(gpt2.desktopLimitProblems).toEqual([]);
  });

  it('prints the table with every model and the notes', async () => {
    const result = await lab(['models']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^model +family +params +download +dtype +chat +train step +total +largest tensor +size +WebGPU limits +wasm rows$/,
    );
    // The built-in model's step is one pass on wasm; SmolLM2 and GPT-2 keep every block's
    // activations at one row per pass (fewer rows cost wasm less than recomputing), SmolLM2-360M
    // the first 6 of its 32 blocks'; Qwen2.5's float32 weights leave one row per pass over the
    // training budget but within the heap, Qwen3's not even that.
    expect(lines[1]).toMatch(/^safetune-base +gpt2 +0\.49M +1\.9 MB +F32 +no .* default +4 of 4$/);
    expect(result.stdout).toMatch(/\nHuggingFaceTB\/SmolLM2-135M-Instruct .* 1 of 4\n/);
    expect(result.stdout).toMatch(/\nQwen\/Qwen2\.5-0\.5B-Instruct .* 1 of 4 \(tight\)\n/);
    expect(result.stdout).toMatch(/\nQwen\/Qwen3-0\.6B .* no\n/);
    expect(result.stdout).toMatch(
      /\nopenai-community\/gpt2 +gpt2 +124\.4M +498 MB +F32 +no +[\d.]+ [MG]B +[\d.]+ GB +transformer\.wte\.weight \[50257, 768\] +154 MB +raised +1 of 4\n/,
    );
    expect(result.stdout).toMatch(
      /\nHuggingFaceTB\/SmolLM2-360M-Instruct .* 1 of 4, 6\/32 stored\n/,
    );
    expect(result.stdout).toMatch(
      /\nQwen\/Qwen2\.5-0\.5B-Instruct +qwen2 +494\.0M +988 MB +BF16 +yes /,
    );
    expect(result.stdout).toContain('safetune-base: seqLen capped at its context length 64.');
    expect(result.stdout).toContain('batch 4 × seqLen 256');
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });

  it('--json prints one JSON array of the same rows', async () => {
    const result = await lab(['models', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(modelRows())));
  });

  it('bad arguments exit 2 with one line', async () => {
    const result = await lab(['models', 'extra']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: models: takes no arguments (got extra)\n');
  });

  it('the table follows the run it is given', () => {
    const rows = modelRows({ ...MODELS_RUN, batchSize: 1, seqLen: 32 });
    const text = formatModelsTable(rows, { ...MODELS_RUN, batchSize: 1, seqLen: 32 });
    expect(text).toContain('batch 1 × seqLen 32');
    expect(text).not.toContain('seqLen capped');
  });
});
