import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../../src/core/config';
import { resolvePreset } from '../../../src/core/lab';
import { curatedModel } from '../../../src/core/hub/curated';
import { BASE_MODELS } from '../../../src/core/model/bases';
import { gpt2Config } from '../../../src/core/model/config';
import { parameterCount } from '../../../src/core/model/specs';
import { WEBGPU_DEFAULT_LIMITS, WEBGPU_DESKTOP_LIMITS } from '../../../src/core/model/memory';
import { stageMicroBatch } from '../../../src/core/pipeline/microBatch';
import { BACKENDS } from '../../../src/core/runtime/backend';
import {
  TRAINING_MEMORY_BUDGET,
  chooseMicroBatch,
  describeMicroBatch,
  stepMemory,
  trainingLimits,
} from '../../../src/core/train/microBatch';
import { trainingSeqLen } from '../../../src/core/train/loop';

const GiB = 2 ** 30;
const BUILT_IN = gpt2Config(BASE_MODELS['safetune-base'].shape);
const SMOL = curatedModel('HuggingFaceTB/SmolLM2-135M-Instruct')!.config;
const STAGES = ['alignment', 'finetune'] as const;

const withRuntime = (runtime: Partial<ExperimentConfig['runtime']>): ExperimentConfig => ({
  ...DEFAULT_CONFIG,
  runtime: { ...DEFAULT_CONFIG.runtime, ...runtime },
});

describe('the automatic micro-batch', () => {
  it('gives the built-in model its whole batch on every backend: one pass, as before', () => {
    expect(Math.round(parameterCount(BUILT_IN) / 1000)).toBe(486);
    for (const backend of BACKENDS) {
      for (const stage of STAGES) {
        const choice = stageMicroBatch(DEFAULT_CONFIG, stage, BUILT_IN, trainingLimits(backend));
        expect(choice, `${backend} ${stage}`).toMatchObject({
          rows: 16,
          batchSize: 16,
          chosen: 'auto',
          fits: true,
        });
      }
    }
  });

  it('splits SmolLM2-135M’s batch of 64 × 256 on wasm into the most rows that fit the budget', () => {
    const limits = trainingLimits('wasm');
    expect(limits.deviceMemoryBytes).toBe(3.5 * GiB);
    expect(trainingSeqLen(SMOL)).toBe(256);
    // The built-in world's config on a Hub model's shape, with a big batch: blocks recomputed (a
    // Hub model's default).
    const hub = {
      ...DEFAULT_CONFIG,
      model: { base: 'HuggingFaceTB/SmolLM2-135M-Instruct' },
      alignment: { ...DEFAULT_CONFIG.alignment, batchSize: 64 },
      finetune: { ...DEFAULT_CONFIG.finetune, batchSize: 64 },
    };
    for (const stage of ['finetune', 'alignment'] as const) {
      const choice = stageMicroBatch(hub, stage, SMOL, limits);
      expect(choice, stage).toMatchObject({ batchSize: 64, chosen: 'auto', fits: true });
      expect(choice.rows, stage).toBeLessThan(64);
      expect(choice.stepBytes, stage).toBeLessThanOrEqual(3.5 * GiB);
      // The largest: one more row is over the budget.
      const run = {
        batchSize: 64,
        seqLen: 256,
        lora: DEFAULT_CONFIG[stage].lora,
        recompute: true,
      };
      expect(stepMemory(SMOL, run, choice.rows + 1, limits).rowProblems).toBeGreaterThan(0);
    }
    // Activations stored for the backward pass: the alignment adapter (every linear layer) is over
    // the budget even at one row: one row it is, and it says so.
    const stored = { ...hub, runtime: { ...hub.runtime, recompute: false } };
    const alignment = stageMicroBatch(stored, 'alignment', SMOL, limits);
    expect(alignment).toMatchObject({ rows: 1, fits: false });
    expect(alignment.problems.join('; ')).toMatch(
      /a step of 1 row × 256 tokens needs about [\d.]+ GB, over the budget of 3\.8 GB/,
    );
    // WebGPU's default limits hold every SmolLM2 tensor; its 4 GiB budget decides.
    const gpu = stageMicroBatch(stored, 'finetune', SMOL, trainingLimits('webgpu'));
    expect(gpu.rows).toBeLessThan(64);
    expect(gpu.stepBytes).toBeLessThanOrEqual(TRAINING_MEMORY_BUDGET.webgpu);
  });

  it('takes the largest count, divisor or not, and counts the gradient sums and a method’s extra', () => {
    const mid = gpt2Config({
      vocabSize: 5000,
      dModel: 256,
      nLayers: 4,
      nHeads: 4,
      contextLength: 256,
      mlpRatio: 4,
    });
    const run = { batchSize: 16, seqLen: 256, lora: null };
    const one = stepMemory(mid, run, 1, {
      maxBufferSize: Infinity,
      maxStorageBufferBindingSize: Infinity,
    }).bytes;
    const two = stepMemory(mid, run, 2, {
      maxBufferSize: Infinity,
      maxStorageBufferBindingSize: Infinity,
    }).bytes;
    // A budget between 6 and 7 rows' steps: 6 rows (not a divisor of 16; the last part has 4).
    const perRow = two - one;
    const limits = {
      maxBufferSize: Infinity,
      maxStorageBufferBindingSize: Infinity,
      deviceMemoryBytes: one + 5.5 * perRow,
    };
    expect(chooseMicroBatch(mid, run, limits).rows).toBe(6);
    // The whole batch needs no gradient sums; a split one keeps them beside a pass's own.
    const whole = stepMemory(mid, run, 16, limits).bytes;
    const fifteen = stepMemory(mid, run, 15, limits).bytes;
    expect(whole - fifteen).toBeLessThan(perRow);
    // RepNoise keeps two passes' activations: fewer rows fit.
    const twoPasses = chooseMicroBatch(mid, { ...run, memory: { passes: 2 } }, limits).rows;
    expect(twoPasses).toBeLessThan(6);
    expect(twoPasses).toBeGreaterThanOrEqual(1);
  });

  it('does not shrink the rows for a weight over a buffer limit, which no count of rows helps', () => {
    const distilgpt2 = curatedModel('distilbert/distilgpt2')!.config;
    const at = (limits: typeof WEBGPU_DEFAULT_LIMITS) =>
      stageMicroBatch(DEFAULT_CONFIG, 'finetune', distilgpt2, trainingLimits('webgpu', limits));
    const atDesktop = at(WEBGPU_DESKTOP_LIMITS);
    expect(atDesktop).toMatchObject({ fits: true });
    expect(atDesktop.rows).toBeGreaterThan(1);
    // Its 154 MB embedding is over the default 128 MiB binding: reported, the rows unchanged.
    const atDefault = at(WEBGPU_DEFAULT_LIMITS);
    expect(atDefault).toMatchObject({ rows: atDesktop.rows, fits: false });
    expect(atDefault.problems[0]).toMatch(/^transformer\.wte\.weight \[50257, 768\] is 154 MB/);
  });

  it('takes runtime.microBatch instead, clamped to the batch', () => {
    const set = stageMicroBatch(
      withRuntime({ microBatch: 3 }),
      'finetune',
      BUILT_IN,
      trainingLimits('wasm'),
    );
    expect(set).toMatchObject({ rows: 3, batchSize: 16, chosen: 'config', fits: true });
    const big = stageMicroBatch(
      withRuntime({ microBatch: 40 }),
      'alignment',
      BUILT_IN,
      trainingLimits('wasm'),
    );
    expect(big).toMatchObject({ rows: 16, chosen: 'config' });
    // Asked for more than fits: it is what was asked, and it says it may not fit.
    const smol = stageMicroBatch(
      withRuntime({ microBatch: 8 }),
      'finetune',
      SMOL,
      trainingLimits('wasm'),
    );
    expect(smol).toMatchObject({ rows: 8, chosen: 'config', fits: false });
  });

  it('bears out the Hub presets’ labels: SmolLM2 trains its batch of 4 in one pass on wasm, Qwen2.5 needs WebGPU', () => {
    const smolPreset = resolvePreset('smollm2-135m-sst2');
    for (const stage of STAGES) {
      expect(smolPreset[stage].batchSize, stage).toBe(4);
      const choice = stageMicroBatch(smolPreset, stage, SMOL, trainingLimits('wasm'));
      expect(choice.rows, stage).toBe(4);
      expect(choice.fits, stage).toBe(true);
      // Without recomputation one row was over the budget.
      const stored = stageMicroBatch(
        { ...smolPreset, runtime: { ...smolPreset.runtime, recompute: false } },
        stage,
        SMOL,
        trainingLimits('wasm'),
      );
      expect(stored.rows, stage).toBe(1);
      expect(stored.stepBytes, stage).toBeGreaterThan(choice.stepBytes * 1.5);
    }
    // Qwen2.5's 2 GB of float32 weights: one row per pass is over the training budget (with the
    // heap's overhead per byte of weights) but within the heap — it trained on wasm at 1 row per
    // pass with the heap at 3.73 GiB (npm run bench).
    const qwen = curatedModel('Qwen/Qwen2.5-0.5B-Instruct')!.config;
    const qwenPreset = resolvePreset('qwen2.5-0.5b-sst2');
    for (const stage of STAGES) {
      expect(qwenPreset[stage].batchSize, stage).toBe(4);
      const choice = stageMicroBatch(qwenPreset, stage, qwen, trainingLimits('wasm'));
      expect(choice, stage).toMatchObject({ rows: 1, fits: false });
      expect(choice.stepBytes, stage).toBeGreaterThan(trainingLimits('wasm').deviceMemoryBytes!);
      expect(choice.stepBytes, stage).toBeLessThan(4 * GiB);
    }
  });

  it('knows each backend’s limits', () => {
    expect(trainingLimits('wasm')).toEqual({
      maxBufferSize: 4 * GiB,
      maxStorageBufferBindingSize: 4 * GiB,
      deviceMemoryBytes: 3.5 * GiB,
      weightOverhead: 0.8,
    });
    expect(trainingLimits('webgpu')).toEqual({
      ...WEBGPU_DEFAULT_LIMITS,
      deviceMemoryBytes: 4 * GiB,
    });
    expect(trainingLimits('webgpu', WEBGPU_DESKTOP_LIMITS)).toEqual({
      ...WEBGPU_DESKTOP_LIMITS,
      deviceMemoryBytes: 4 * GiB,
    });
    // A device that reports less memory lowers the budget.
    expect(
      trainingLimits('wasm', {
        maxBufferSize: 1,
        maxStorageBufferBindingSize: 1,
        deviceMemoryBytes: GiB,
      }).deviceMemoryBytes,
    ).toBe(GiB);
    expect(trainingLimits('cpu').deviceMemoryBytes).toBe(4 * GiB);
    expect(trainingLimits('webgl').deviceMemoryBytes).toBe(2 * GiB);
  });

  it('is described in one line', () => {
    const base = { batchSize: 16, stepBytes: 1.9e9, backend: 'wasm' as const };
    expect(describeMicroBatch({ ...base, rows: 2, chosen: 'auto' })).toBe(
      'micro-batch 2 of 16 rows (estimated 1.9 GB per step on wasm)',
    );
    expect(describeMicroBatch({ ...base, rows: 16, chosen: 'auto' })).toBe(
      'the whole batch of 16 rows in one pass (estimated 1.9 GB per step on wasm)',
    );
    expect(describeMicroBatch({ ...base, rows: 4, chosen: 'config', problem: 'too much' })).toBe(
      'micro-batch 4 of 16 rows (estimated 1.9 GB per step on wasm, set by runtime.microBatch); it may not fit: too much',
    );
  });
});
