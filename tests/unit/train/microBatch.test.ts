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
    // The built-in world's config on a Hub model's shape, with a big batch, every block
    // recomputed (`runtime.recompute: true`; the default for a Hub model stores what fits, below).
    const hub = {
      ...DEFAULT_CONFIG,
      model: { base: 'HuggingFaceTB/SmolLM2-135M-Instruct' },
      runtime: { ...DEFAULT_CONFIG.runtime, recompute: true },
      alignment: { ...DEFAULT_CONFIG.alignment, batchSize: 64 },
      finetune: { ...DEFAULT_CONFIG.finetune, batchSize: 64 },
    };
    for (const stage of ['finetune', 'alignment'] as const) {
      const choice = stageMicroBatch(hub, stage, SMOL, limits);
      expect(choice, stage).toMatchObject({
        batchSize: 64,
        chosen: 'auto',
        fits: true,
        storedBlocks: 0,
        blocks: 30,
      });
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

  it('keeps as many blocks’ activations as fit on the CPU backends (a Hub model’s default), and recomputes every block on the GPU ones', () => {
    const hub = {
      ...DEFAULT_CONFIG,
      model: { base: 'HuggingFaceTB/SmolLM2-135M-Instruct' },
      alignment: { ...DEFAULT_CONFIG.alignment, batchSize: 64 },
      finetune: { ...DEFAULT_CONFIG.finetune, batchSize: 64 },
    };
    expect(hub.runtime.recompute).toBeUndefined();
    const limits = trainingLimits('wasm');
    for (const stage of STAGES) {
      const choice = stageMicroBatch(hub, stage, SMOL, limits);
      expect(choice, stage).toMatchObject({ rows: 1, blocks: 30, chosen: 'auto', fits: true });
      const run = { batchSize: 64, seqLen: 256, lora: DEFAULT_CONFIG[stage].lora, recompute: true };
      const at = (storedBlocks: number) =>
        stepMemory(SMOL, { ...run, storedBlocks }, 1, limits).problems.length;
      // The most that fit: one more block kept would be over the budget.
      expect(at(choice.storedBlocks), stage).toBe(0);
      if (choice.storedBlocks < 30) expect(at(choice.storedBlocks + 1), stage).toBeGreaterThan(0);
      expect(choice.storedBlocks, stage).toBeGreaterThan(0);
    }
    // runtime.microBatch fixes the rows; the blocks that fit at those rows are kept.
    const two = stageMicroBatch(
      { ...hub, runtime: { ...hub.runtime, microBatch: 2 } },
      'finetune',
      SMOL,
      limits,
    );
    const one = stageMicroBatch(hub, 'finetune', SMOL, limits);
    expect(two).toMatchObject({ rows: 2, chosen: 'config', fits: true });
    expect(two.storedBlocks).toBeLessThan(one.storedBlocks);
    // cpu's time follows the arithmetic too; WebGPU's does not: every block recomputed, more rows.
    expect(stageMicroBatch(hub, 'finetune', SMOL, trainingLimits('cpu')).storedBlocks).toBe(30);
    const gpu = stageMicroBatch(hub, 'finetune', SMOL, trainingLimits('webgpu'));
    expect(gpu.storedBlocks).toBe(0);
    expect(gpu.rows).toBeGreaterThan(1);
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

  it('bears out the Hub presets’ labels: SmolLM2 keeps what fits on wasm, its 4 rows in one pass on WebGPU; Qwen2.5 needs WebGPU', () => {
    const smolPreset = resolvePreset('smollm2-135m-sst2');
    const expected = {
      // Fine-tuning's adapter (q, k, v) leaves room for every block's activations at one row a
      // pass; alignment's (every linear layer) for the first 26 of 30 blocks.
      wasm: { alignment: [1, 26], finetune: [1, 30] },
      webgpu: { alignment: [4, 0], finetune: [4, 0] },
    };
    for (const backend of ['wasm', 'webgpu'] as const) {
      for (const stage of STAGES) {
        expect(smolPreset[stage].batchSize, stage).toBe(4);
        const choice = stageMicroBatch(smolPreset, stage, SMOL, trainingLimits(backend));
        expect([choice.rows, choice.storedBlocks], `${backend} ${stage}`).toEqual(
          expected[backend][stage],
        );
        expect(choice.fits, stage).toBe(true);
      }
    }
    for (const stage of STAGES) {
      // Every block recomputed, the whole batch fits in one pass; every block stored, one row
      // was over the budget for alignment.
      const recomputed = stageMicroBatch(
        { ...smolPreset, runtime: { ...smolPreset.runtime, recompute: true } },
        stage,
        SMOL,
        trainingLimits('wasm'),
      );
      expect([recomputed.rows, recomputed.storedBlocks], stage).toEqual([4, 0]);
      const stored = stageMicroBatch(
        { ...smolPreset, runtime: { ...smolPreset.runtime, recompute: false } },
        stage,
        SMOL,
        trainingLimits('wasm'),
      );
      expect([stored.rows, stored.storedBlocks], stage).toEqual([1, 30]);
      expect(stored.fits, stage).toBe(stage === 'finetune');
      expect(stored.stepBytes, stage).toBeGreaterThan(recomputed.stepBytes * 1.5);
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
      storesBlocksFirst: true,
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
    expect(trainingLimits('cpu').storesBlocksFirst).toBe(true);
    expect(trainingLimits('webgl').storesBlocksFirst).toBeUndefined();
    expect(trainingLimits('webgpu').storesBlocksFirst).toBeUndefined();
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
    const hub = { ...base, rows: 1, chosen: 'auto' as const, blocks: 30 };
    expect(describeMicroBatch({ ...hub, storedBlocks: 26 })).toBe(
      'micro-batch 1 of 16 rows, blocks 27–30 of 30 recomputed backward (estimated 1.9 GB per step on wasm)',
    );
    expect(describeMicroBatch({ ...hub, storedBlocks: 0 })).toBe(
      'micro-batch 1 of 16 rows, every block recomputed backward (estimated 1.9 GB per step on wasm)',
    );
    expect(describeMicroBatch({ ...hub, storedBlocks: 30 })).toBe(
      'micro-batch 1 of 16 rows (estimated 1.9 GB per step on wasm)',
    );
  });
});
