import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYER_ROLES, type LoraSettings } from '../../../src/core/config/schema';
import {
  batchFromSequences,
  disposeBatchTensors,
  toBatchTensors,
} from '../../../src/core/model/batch';
import { modelConfigFromHub } from '../../../src/core/model/checkpoint';
import { gpt2Config, type ModelConfig } from '../../../src/core/model/config';
import { generateGreedy } from '../../../src/core/model/generate';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { adapterSpecs } from '../../../src/core/model/lora';
import {
  ADAMW_UPDATE_COPIES,
  WEBGPU_DEFAULT_LIMITS,
  WEBGPU_DESKTOP_LIMITS,
  deviceFit,
  estimateMemory,
  formatBytes,
} from '../../../src/core/model/memory';
import { parameterCount } from '../../../src/core/model/weights';
import { Trainer } from '../../../src/core/train/trainer';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';

const QKV: LoraSettings = { rank: 4, alpha: 8, targets: ['attn.q', 'attn.k', 'attn.v'] };
const ALL: LoraSettings = { rank: 2, alpha: 4, targets: [...LAYER_ROLES] };

const GPT2_SMALL = gpt2Config({
  vocabSize: 50257,
  dModel: 768,
  nLayers: 12,
  nHeads: 12,
  contextLength: 1024,
  mlpRatio: 4,
});

describe('estimateMemory: exact parts', () => {
  it('weights, adapter, gradients and optimizer are exact counts of float32 values', () => {
    const lora = estimateMemory(TINY, { batchSize: 2, seqLen: 8, lora: QKV });
    const adapterValues = adapterSpecs(TINY, QKV).reduce(
      (sum, spec) => sum + spec.shape[0] * spec.shape[1],
      0,
    );
    expect(lora.weights).toBe(parameterCount(TINY) * 4);
    expect(lora.adapter).toBe(adapterValues * 4);
    expect(lora.gradients).toBe(lora.adapter);
    expect(lora.optimizer).toBe(2 * lora.adapter);
    // One parameter's temporaries at a time (the largest), and each parameter's squared norm.
    const specs = adapterSpecs(TINY, QKV);
    const largest = Math.max(...specs.map((spec) => spec.shape[0] * spec.shape[1]));
    expect(lora.optimizerUpdate).toBe((ADAMW_UPDATE_COPIES * largest + specs.length) * 4);
    expect(lora.run.trained).toBe('adapter');

    const full = estimateMemory(TINY, { batchSize: 2, seqLen: 8, lora: null });
    expect(full.adapter).toBe(0);
    expect(full.gradients).toBe(full.weights);
    expect(full.optimizer).toBe(2 * full.weights);
    expect(full.run.trained).toBe('weights');
  });

  it('LoRA trains a sliver: gradients and optimizer under 1 % of full training on GPT-2', () => {
    const run = { batchSize: 4, seqLen: 256 };
    const lora = estimateMemory(GPT2_SMALL, { ...run, lora: { ...QKV, rank: 8 } });
    const full = estimateMemory(GPT2_SMALL, { ...run, lora: null });
    expect(lora.gradients / full.gradients).toBeLessThan(0.01);
    expect(lora.optimizer / full.optimizer).toBeLessThan(0.01);
    expect(lora.total).toBeLessThan(full.total);
    // Full training's update: 14 copies of its largest parameter, the 50257 × 768 embedding.
    expect(full.optimizerUpdate).toBeGreaterThan(2e9);
  });

  it('activations grow linearly with the batch', () => {
    for (const lora of [QKV, null]) {
      const at = (batchSize: number) =>
        estimateMemory(GPT2_SMALL, { batchSize, seqLen: 256, lora }).activations;
      const perRow = at(2) - at(1);
      // Each row adds the same; what does not grow is one loss chunk's logits (LoRA) or the
      // embedding's gradient parts (full training).
      expect(at(3) - at(2)).toBe(perRow);
      expect(at(8) - at(4)).toBe(4 * perRow);
      expect(at(1) - perRow).toBeGreaterThan(0);
      expect(at(1) - perRow).toBeLessThan(0.2 * at(1));
    }
  });

  it('stored blocks: between every block recomputed and none, one block’s activations each', () => {
    const lora: LoraSettings = { rank: 8, alpha: 16, targets: ['attn.q', 'attn.k', 'attn.v'] };
    const run = { batchSize: 2, seqLen: 256, lora };
    const at = (storedBlocks: number) =>
      estimateMemory(GPT2_SMALL, { ...run, recompute: true, storedBlocks }).activations;
    const none = estimateMemory(GPT2_SMALL, { ...run, recompute: false }).activations;
    expect(at(0)).toBe(estimateMemory(GPT2_SMALL, { ...run, recompute: true }).activations);
    expect(at(GPT2_SMALL.nLayers)).toBe(none);
    const steps = [1, 2, 3].map((k) => at(k) - at(k - 1));
    expect(steps[0]).toBeGreaterThan(0);
    // Each further block kept adds the same: its activations, less its recomputed input's copies.
    expect(steps[2]).toBe(steps[1]);
    expect(at(6)).toBeLessThan(none);
  });

  it('caps seqLen at the context length, as the trainer does', () => {
    const capped = estimateMemory(TINY, { batchSize: 2, seqLen: 500, lora: QKV });
    expect(capped.run.seqLen).toBe(TINY.contextLength);
    expect(capped).toEqual(
      estimateMemory(TINY, { batchSize: 2, seqLen: TINY.contextLength, lora: QKV }),
    );
  });

  it('the KV cache is keys and values of every block, only when tokens are generated', () => {
    const none = estimateMemory(TINY, { batchSize: 2, seqLen: 4, lora: null });
    expect(none.kvCache).toBe(0);
    expect(none.generation).toBe(0);
    const some = estimateMemory(TINY, {
      batchSize: 2,
      seqLen: 4,
      lora: null,
      generationBatch: 3,
      maxNewTokens: 2,
    });
    const length = 4 + 2;
    expect(some.run.cacheLength).toBe(length);
    expect(some.kvCache).toBe(2 * TINY.nLayers * 3 * TINY.nKvHeads * length * TINY.headDim * 4);
    expect(some.generation).toBeGreaterThan(3 * some.kvCache);
  });

  it('refuses sizes that are not positive integers', () => {
    expect(() => estimateMemory(TINY, { batchSize: 0, seqLen: 8, lora: null })).toThrow(
      /batchSize must be a positive integer \(got 0\)/,
    );
    expect(() => estimateMemory(TINY, { batchSize: 1, seqLen: 2.5, lora: null })).toThrow(/seqLen/);
  });

  it('names the largest tensor: the embedding, or the full logits when the head is trained', () => {
    const embedding = { name: 'transformer.wte.weight [50257, 768]', bytes: 50257 * 768 * 4 };
    const run = { batchSize: 4, seqLen: 256 };
    expect(estimateMemory(GPT2_SMALL, { ...run, lora: QKV }).largestTensor).toEqual(embedding);
    expect(estimateMemory(GPT2_SMALL, { ...run, lora: null }).largestTensor).toEqual({
      name: 'logits [1024, 50257]',
      bytes: 1024 * 50257 * 4,
    });
    expect(
      estimateMemory(GPT2_SMALL, { batchSize: 1, seqLen: 64, lora: null }).largestTensor,
    ).toEqual(embedding);
  });
});

describe('deviceFit', () => {
  it('refuses a GPT-2 embedding under a 128 MiB binding limit, naming the tensor and the limit', () => {
    const estimate = estimateMemory(GPT2_SMALL, { batchSize: 1, seqLen: 64, lora: QKV });
    const fit = deviceFit(estimate, WEBGPU_DEFAULT_LIMITS);
    expect(fit.fits).toBe(false);
    expect(fit.problems).toEqual([
      "transformer.wte.weight [50257, 768] is 154 MB, over this device's maxStorageBufferBindingSize of 134 MB (128 MiB): use a smaller model, or a device that grants a larger limit",
    ]);
    expect(deviceFit(estimate, WEBGPU_DESKTOP_LIMITS)).toEqual({ fits: true, problems: [] });
  });

  it('an oversized activation gets a batch that fits, and that batch does fit', () => {
    const limits = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 31 };
    const estimate = estimateMemory(GPT2_SMALL, { batchSize: 16, seqLen: 512, lora: null });
    const fit = deviceFit(estimate, limits);
    expect(fit.problems).toHaveLength(1);
    const [problem] = fit.problems;
    expect(problem).toMatch(
      /^logits \[8192, 50257\] is 1\.6 GB, over this device's maxStorageBufferBindingSize of 1\.1 GB \(1 GiB\): use a batch of at most (\d+) at seqLen 512 \(now 16\), or a shorter seqLen$/,
    );
    const batch = Number(/at most (\d+)/.exec(problem)?.[1]);
    expect(
      deviceFit(estimateMemory(GPT2_SMALL, { batchSize: batch, seqLen: 512, lora: null }), limits)
        .fits,
    ).toBe(true);
    expect(
      deviceFit(
        estimateMemory(GPT2_SMALL, { batchSize: batch + 1, seqLen: 512, lora: null }),
        limits,
      ).fits,
    ).toBe(false);
  });

  it('when even one row is too long, says which seqLen fits', () => {
    const limits = { maxStorageBufferBindingSize: 64 * 2 ** 20, maxBufferSize: 2 ** 31 };
    const config = { ...GPT2_SMALL, vocabSize: 1000, contextLength: 8192 };
    const problems = deviceFit(
      estimateMemory(config, { batchSize: 1, seqLen: 8192, lora: QKV }),
      limits,
    ).problems;
    // Attention scores [1, 12, 8192, 8192] are 3.2 GB; 64 MiB holds 1182 tokens of them.
    expect(problems).toContain(
      "attention scores [1, 12, 8192, 8192] is 3.2 GB, over this device's maxStorageBufferBindingSize of 67.1 MB (64 MiB): even one row of 8192 tokens is too long: use a seqLen of at most 1182",
    );
    // The length it names is the longest that fits: one token more is over the limit again.
    const scores = (seqLen: number) =>
      deviceFit(
        estimateMemory({ ...config, contextLength: seqLen }, { batchSize: 1, seqLen, lora: QKV }),
        limits,
      ).problems.filter((p) => p.startsWith('attention scores'));
    expect(scores(1182)).toEqual([]);
    expect(scores(1183)).toHaveLength(1);
  });

  it('a loss chunk over the limit asks for fewer tokens per step or a smaller vocabulary', () => {
    // A real vocabulary's chunk has fewer tokens (Qwen's 151,936 rows: 110 tokens, 67 MB): it fits.
    const qwenSized = { ...GPT2_SMALL, vocabSize: 151936 };
    const qwenFit = deviceFit(
      estimateMemory(qwenSized, { batchSize: 4, seqLen: 256, lora: QKV }),
      WEBGPU_DEFAULT_LIMITS,
    ).problems;
    expect(qwenFit.filter((p) => p.startsWith('logits'))).toEqual([]);
    // At 3M rows even the smallest chunk (16 tokens, 192 MB) is over a 128 MiB binding:
    // 128 MiB / (3e6 × 4 bytes) = 11.2 tokens.
    const config = { ...GPT2_SMALL, vocabSize: 3_000_000 };
    const problems = deviceFit(
      estimateMemory(config, { batchSize: 4, seqLen: 256, lora: QKV }),
      WEBGPU_DEFAULT_LIMITS,
    ).problems;
    expect(problems).toContain(
      "logits of one loss chunk [16, 3000000] is 192 MB, over this device's maxStorageBufferBindingSize of 134 MB (128 MiB): the loss makes its logits 16 tokens at a time, so only a step of at most 11 tokens (batch × seqLen, now 1024) fits; or use a model with a smaller vocabulary",
    );
  });

  it('refuses a total over the memory budget, with the parts and what to change', () => {
    const estimate = estimateMemory(GPT2_SMALL, { batchSize: 4, seqLen: 256, lora: null });
    const fit = deviceFit(estimate, { ...WEBGPU_DESKTOP_LIMITS, deviceMemoryBytes: 4e9 });
    expect(fit.fits).toBe(false);
    expect(fit.problems).toHaveLength(1);
    expect(fit.problems[0]).toMatch(
      /^the run needs about [\d.]+ GB \(weights 498 MB, optimizer [\d.]+ MB, activations [\d.]+ GB\), over the memory budget of 4\.0 GB: train a LoRA adapter instead of every weight/,
    );
    expect(
      deviceFit(estimate, { ...WEBGPU_DESKTOP_LIMITS, deviceMemoryBytes: estimate.total }).fits,
    ).toBe(true);
  });
});

describe('formatBytes', () => {
  it('decimal units, three significant figures', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3400)).toBe('3.4 kB');
    expect(formatBytes(58.24e6)).toBe('58.2 MB');
    expect(formatBytes(512e6)).toBe('512 MB');
    expect(formatBytes(128 * 2 ** 20)).toBe('134 MB');
    expect(formatBytes(1.2e9)).toBe('1.2 GB');
    expect(formatBytes(999.7e6)).toBe('1.0 GB');
    expect(() => formatBytes(-1)).toThrow(/not a size/);
  });
});

/**
 * The real peak of live tensor bytes, counted per data buffer (tf.memory() counts a reshape or a
 * clone again, though they share their input's buffer).
 */
function trackBuffers() {
  // The engine's bookkeeping is not public API; tfjs is pinned (4.22.0), so these two hooks hold.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- private engine methods
  const engine = tf.engine() as any;
  const live = new Map<object, number>();
  let current = 0;
  let peak = 0;
  const track = engine.trackTensor;
  const remove = engine.removeDataId;
  engine.trackTensor = function (tensor: tf.Tensor, backend: unknown) {
    if (!engine.state.tensorInfo.has(tensor.dataId)) {
      const bytes = tensor.size * 4;
      live.set(tensor.dataId, bytes);
      current += bytes;
      peak = Math.max(peak, current);
    }
    return track.call(engine, tensor, backend);
  };
  engine.removeDataId = function (dataId: object, backend: unknown) {
    const bytes = live.get(dataId);
    if (bytes !== undefined) {
      current -= bytes;
      live.delete(dataId);
    }
    return remove.call(engine, dataId, backend);
  };
  return {
    /** Peak bytes above what was live when `f` started. */
    async peakDuring(f: () => unknown): Promise<number> {
      const base = current;
      peak = current;
      await f();
      return peak - base;
    },
    restore() {
      engine.trackTensor = track;
      engine.removeDataId = remove;
    },
  };
}

const MEASURED: Record<string, ModelConfig> = {
  gpt2: gpt2Config({
    vocabSize: 300,
    dModel: 32,
    nLayers: 2,
    nHeads: 4,
    contextLength: 64,
    mlpRatio: 4,
  }),
  llama: modelConfigFromHub({
    model_type: 'llama',
    vocab_size: 200,
    hidden_size: 48,
    num_hidden_layers: 3,
    num_attention_heads: 6,
    num_key_value_heads: 2,
    intermediate_size: 128,
    max_position_embeddings: 64,
    tie_word_embeddings: true,
  }),
  qwen3: modelConfigFromHub({
    model_type: 'qwen3',
    vocab_size: 300,
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 16,
    intermediate_size: 96,
    max_position_embeddings: 64,
    tie_word_embeddings: true,
  }),
  gpt_neox: modelConfigFromHub({
    model_type: 'gpt_neox',
    vocab_size: 300,
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    max_position_embeddings: 64,
  }),
};

describe('estimateMemory against the peak tfjs really holds (cpu backend)', () => {
  let buffers: ReturnType<typeof trackBuffers>;
  beforeAll(async () => {
    await useBackend('cpu');
    buffers = trackBuffers();
  });
  afterAll(() => buffers.restore());

  // Each family with its activations kept and recomputed per block (the default for Hub models).
  const cases: [string, LoraSettings | null, boolean][] = [
    ['gpt2', QKV, false],
    ['gpt2', QKV, true],
    ['llama', ALL, false],
    ['llama', QKV, true],
    ['qwen3', QKV, false],
    ['qwen3', ALL, true],
    ['gpt_neox', null, false],
    ['gpt_neox', null, true],
  ];
  for (const [family, lora, recompute] of cases) {
    it(`${family}, ${lora ? `LoRA on ${lora.targets.length} roles` : 'full training'}${recompute ? ', blocks recomputed' : ''}: a step, an update, a decode`, async () => {
      const config = MEASURED[family];
      const [B, T, G, newTokens, promptLength] = [2, 16, 3, 5, 6];
      const model = LanguageModel.init(config, 1);
      model.recompute = recompute;
      if (lora) model.attachAdapter(lora, { seed: 2 });
      const trainer = new Trainer(model, {
        schedule: { kind: 'constant', peakLr: 1e-3, totalSteps: 1, warmupSteps: 0 },
        weightDecay: 0.1,
        maxGradNorm: 1,
      });
      const rows = Array.from({ length: B }, (_, b) =>
        Array.from({ length: T }, (_, t) => (b * 7 + t * 3) % config.vocabSize),
      );
      const batch = batchFromSequences(rows, T, 0);
      let grads: Record<string, tf.Tensor> = {};
      const step = await buffers.peakDuring(() => {
        const tensors = toBatchTensors(batch);
        const result = trainer.gradients(() => model.loss(tensors));
        grads = result.grads;
        result.loss.dispose();
        disposeBatchTensors(tensors);
      });
      const update = await buffers.peakDuring(() =>
        trainer.optimizer.apply(grads, 1e-3, 1).dispose(),
      );
      tf.dispose(Object.values(grads));
      const prompts = Array.from({ length: G }, (_, g) =>
        Array.from({ length: promptLength }, (_, t) => (g + t) % config.vocabSize),
      );
      const decode = await buffers.peakDuring(() =>
        generateGreedy(model, prompts, { maxNewTokens: newTokens, stopIds: [] }),
      );
      trainer.dispose();
      model.dispose();

      const estimate = estimateMemory(config, {
        batchSize: B,
        seqLen: T,
        lora,
        generationBatch: G,
        maxNewTokens: newTokens,
        promptLength,
        recompute,
      });
      const stepEstimate = estimate.activations + estimate.gradients;
      expect(stepEstimate).toBeGreaterThanOrEqual(step);
      expect(stepEstimate).toBeLessThan(1.35 * step);
      expect(estimate.optimizerUpdate).toBeGreaterThanOrEqual(update);
      expect(estimate.optimizerUpdate).toBeLessThan(1.15 * update);
      expect(estimate.generation).toBeGreaterThanOrEqual(decode);
      expect(estimate.generation).toBeLessThan(1.15 * decode);
    });
  }
});
