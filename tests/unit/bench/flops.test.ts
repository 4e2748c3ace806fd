import { describe, expect, it } from 'vitest';
import { loraTrainingStepFlops, trainingStepFlops } from '../../../src/core/bench/flops';
import { modelConfigFromHub } from '../../../src/core/model/checkpoint';
import type { LayerRole } from '../../../src/core/model/roles';

describe('trainingStepFlops', () => {
  it('counts the reference model step by hand', () => {
    // V=256, d=128, 2 layers, T=64, B=8: 512 tokens.
    // Per layer: 2·512·(3·128² + 128² + 2·128·512) = 201,326,592; attention 2·2·8·64²·128 = 16,777,216.
    // Head: 2·512·128·256 = 33,554,432. Forward 2·218,103,808 + 33,554,432 = 469,762,048; ×3.
    const flops = trainingStepFlops(
      { vocabSize: 256, dModel: 128, nLayers: 2, nHeads: 4, contextLength: 64, mlpRatio: 4 },
      8,
    );
    expect(flops).toBe(1_409_286_144);
  });

  it('grows with the width squared and the layers linearly', () => {
    const shape = {
      vocabSize: 256,
      dModel: 128,
      nLayers: 2,
      nHeads: 4,
      contextLength: 64,
      mlpRatio: 4,
    };
    const deeper = trainingStepFlops({ ...shape, nLayers: 4 }, 8);
    const base = trainingStepFlops(shape, 8);
    const head = 3 * 2 * 512 * 128 * 256;
    expect(deeper - head).toBe(2 * (base - head));
  });
});

describe('loraTrainingStepFlops', () => {
  const config = modelConfigFromHub({
    model_type: 'llama',
    vocab_size: 100,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 24,
    max_position_embeddings: 64,
    tie_word_embeddings: true,
  });
  const lora = { rank: 2, alpha: 4, targets: ['attn.q', 'attn.v'] as LayerRole[] };

  it('counts a Llama block and the frozen head by hand', () => {
    // Linear per token: q 16·16, k 16·8, v 16·8, o 16·16, gate and up 16·24, down 24·16 = 1,920.
    // Adapters per token: q 2·(16 + 16), v 2·(16 + 8) = 112. Tokens 2 · 8 = 16.
    // Attention: 2 · 2 · batch 2 · heads 4 · 8² · headDim 4 = 8,192.
    const forward = 2 * 16 * (1920 + 112) + 8192;
    const backward = 2 * 16 * (1920 + 2 * 112) + 2 * 8192;
    const head = 2 * 2 * 16 * 16 * 100;
    expect(loraTrainingStepFlops(config, { batch: 2, seqLen: 8, lora, recompute: false })).toBe(
      2 * (forward + backward) + head,
    );
    // Recomputed blocks run their forward pass twice.
    expect(loraTrainingStepFlops(config, { batch: 2, seqLen: 8, lora, recompute: true })).toBe(
      2 * (2 * forward + backward) + head,
    );
    // The first block kept, the second recomputed: one forward pass more.
    const step = { batch: 2, seqLen: 8, lora, recompute: true };
    expect(loraTrainingStepFlops(config, { ...step, storedBlocks: 1 })).toBe(
      2 * (forward + backward) + forward + head,
    );
    expect(loraTrainingStepFlops(config, { ...step, storedBlocks: 2 })).toBe(
      2 * (forward + backward) + head,
    );
  });
});
