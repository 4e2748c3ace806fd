import { modelConfigFromHub } from '../model/checkpoint';
import type { ModelConfig } from '../model/config';

/**
 * Real-size shapes for `npm run bench -- --model …`, given as the `config.json` fields of the Hub
 * models they copy and read by the same descriptors that load those checkpoints, so the benchmark
 * runs exactly the architecture a student's download would (only the weights are random).
 */
export const REAL_SIZE_MODELS = {
  /** GPT-2 small: 124M parameters, 38.6M of them the tied 50257 × 768 embedding. */
  'gpt2-124m': {
    hubRepo: 'openai-community/gpt2',
    hubConfig: {
      model_type: 'gpt2',
      vocab_size: 50257,
      n_embd: 768,
      n_layer: 12,
      n_head: 12,
      n_positions: 1024,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
      tie_word_embeddings: true,
    },
  },
  /** SmolLM2-135M (a Llama): 30 narrow blocks, grouped-query attention 9 : 3, tied 49152 × 576 embedding. */
  'smollm2-135m': {
    hubRepo: 'HuggingFaceTB/SmolLM2-135M',
    hubConfig: {
      model_type: 'llama',
      vocab_size: 49152,
      hidden_size: 576,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      head_dim: 64,
      intermediate_size: 1536,
      hidden_act: 'silu',
      max_position_embeddings: 8192,
      rope_theta: 100000,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: true,
      attention_bias: false,
      mlp_bias: false,
    },
  },
  /**
   * Qwen2.5-0.5B (a Qwen2): 24 blocks of 896, grouped-query attention 14 : 2, biases on q/k/v, a
   * tied 151936 × 896 embedding (136M of its 494M parameters).
   */
  'qwen2.5-0.5b': {
    hubRepo: 'Qwen/Qwen2.5-0.5B-Instruct',
    hubConfig: {
      model_type: 'qwen2',
      vocab_size: 151936,
      hidden_size: 896,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      intermediate_size: 4864,
      hidden_act: 'silu',
      max_position_embeddings: 32768,
      rope_theta: 1000000,
      rms_norm_eps: 1e-6,
      tie_word_embeddings: true,
    },
  },
} as const satisfies Record<string, { hubRepo: string; hubConfig: Record<string, unknown> }>;

export type RealSizeModelName = keyof typeof REAL_SIZE_MODELS;
export const REAL_SIZE_MODEL_NAMES = Object.keys(REAL_SIZE_MODELS) as RealSizeModelName[];

export function isRealSizeModelName(name: string): name is RealSizeModelName {
  return Object.hasOwn(REAL_SIZE_MODELS, name);
}

export function realSizeModelConfig(name: RealSizeModelName): ModelConfig {
  return modelConfigFromHub({ ...REAL_SIZE_MODELS[name].hubConfig });
}
