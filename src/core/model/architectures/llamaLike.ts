import type { Architecture, ArchitectureNames } from '../architecture';
import type { Family, ModelConfig } from '../config';
import { HubConfigReader } from './hubConfig';

/** The module paths Llama, Qwen2 and Qwen3 share (`model.layers.{l}.self_attn.q_proj`, …). */
export const LLAMA_NAMES: ArchitectureNames = {
  embed: 'model.embed_tokens',
  finalNorm: 'model.norm',
  head: 'lm_head',
  layer: (l) => `model.layers.${l}`,
  norm1: 'input_layernorm',
  norm2: 'post_attention_layernorm',
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  mlpGate: 'mlp.gate_proj',
  mlpIn: 'mlp.up_proj',
  mlpOut: 'mlp.down_proj',
};

interface LlamaLikeOptions {
  family: Family;
  hubClass: string;
  /** The family's biases, read from its config (Llama: `attention_bias`, `mlp_bias`; Qwen2: fixed). */
  bias: (r: HubConfigReader) => ModelConfig['bias'];
  qkNorm: boolean;
  /** `head_dim` when config.json has none (Qwen3's config class defaults to 128). */
  defaultHeadDim?: number;
}

/**
 * RMSNorm pre-norm blocks, rotary positions over the whole head, grouped-query attention, a SiLU
 * gated MLP, `nn.Linear` weights `[out, in]` (`modeling_llama.py`; Qwen2 and Qwen3 are this with
 * biases on q/k/v, or with per-head q/k norms).
 */
export function llamaLike(options: LlamaLikeOptions): Architecture {
  const { family } = options;
  return {
    family,
    hubClass: options.hubClass,
    hubLinearLayout: 'out-in',
    ignoredTensors: /(^|\.)rotary_emb\.inv_freq$/,
    names: options.qkNorm
      ? { ...LLAMA_NAMES, qNorm: 'self_attn.q_norm', kNorm: 'self_attn.k_norm' }
      : LLAMA_NAMES,
    fromHubConfig(json): ModelConfig {
      const r = new HubConfigReader(json, family);
      const dModel = r.integer('hidden_size');
      const nHeads = r.integer('num_attention_heads');
      const nKvHeads = r.integer('num_key_value_heads', nHeads);
      const headDim = r.integer('head_dim', options.defaultHeadDim ?? dModel / nHeads);
      r.choice('hidden_act', ['silu'], 'silu');
      r.refuseUnless('use_sliding_window', (v) => v === false, 'sliding-window attention');
      r.refuseUnless('attn_logit_softcapping', () => false, 'attention logit soft-capping');
      const rope = r.rope('rope_theta', 10000);
      if (rope.partialFactor !== undefined && rope.partialFactor !== 1) {
        throw new Error(
          `config.json (${family}): partial_rotary_factor ${rope.partialFactor} is not supported`,
        );
      }
      if (nHeads % nKvHeads !== 0) {
        throw new Error(
          `config.json (${family}): num_key_value_heads ${nKvHeads} must divide num_attention_heads ${nHeads}`,
        );
      }
      return {
        family,
        vocabSize: r.integer('vocab_size'),
        dModel,
        nLayers: r.integer('num_hidden_layers'),
        nHeads,
        nKvHeads,
        headDim,
        ffnDim: r.integer('intermediate_size'),
        contextLength: r.integer('max_position_embeddings'),
        norm: 'rmsnorm',
        normEps: r.number('rms_norm_eps', 1e-6),
        positions: 'rotary',
        ropeTheta: rope.theta,
        rotaryDim: headDim,
        activation: 'silu',
        gatedMlp: true,
        parallelResidual: false,
        qkNorm: options.qkNorm,
        tiedEmbeddings: r.boolean('tie_word_embeddings', false),
        bias: options.bias(r),
      };
    },
    toHubConfig(config) {
      return {
        architectures: [options.hubClass],
        model_type: family,
        vocab_size: config.vocabSize,
        hidden_size: config.dModel,
        intermediate_size: config.ffnDim,
        num_hidden_layers: config.nLayers,
        num_attention_heads: config.nHeads,
        num_key_value_heads: config.nKvHeads,
        head_dim: config.headDim,
        hidden_act: 'silu',
        max_position_embeddings: config.contextLength,
        rms_norm_eps: config.normEps,
        rope_theta: config.ropeTheta,
        rope_scaling: null,
        tie_word_embeddings: config.tiedEmbeddings,
        ...(family === 'llama'
          ? { attention_bias: config.bias.qkv, mlp_bias: config.bias.mlp }
          : family === 'qwen3'
            ? { attention_bias: config.bias.qkv }
            : { use_sliding_window: false }),
      };
    },
  };
}
