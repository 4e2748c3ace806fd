import type { Activation, ModelConfig } from '../config';
import type { Architecture } from '../architecture';
import { HubConfigReader } from './hubConfig';

/**
 * GPT-NeoX (`modeling_gpt_neox.py`; Pythia): LayerNorm blocks, q/k/v fused *per head* in
 * `attention.query_key_value` (its output viewed as `[heads, 3·headDim]`), rotary embeddings on
 * the first `rotary_pct` of each head, a parallel residual (`x + attn(ln1(x)) + mlp(ln2(x))`)
 * when `use_parallel_residual`, exact GELU, an untied `embed_out` head. Older checkpoints carry
 * `attention.bias`, `attention.masked_bias` and `rotary_emb.inv_freq` buffers.
 */
const ACTIVATIONS: Record<string, Activation> = {
  gelu: 'gelu',
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  relu: 'relu',
  silu: 'silu',
};

export const gptNeox: Architecture = {
  family: 'gpt_neox',
  hubClass: 'GPTNeoXForCausalLM',
  hubLinearLayout: 'out-in',
  ignoredTensors:
    /(^|\.)attention\.(bias|masked_bias|rotary_emb\.inv_freq)$|(^|\.)rotary_emb\.inv_freq$/,
  names: {
    embed: 'gpt_neox.embed_in',
    finalNorm: 'gpt_neox.final_layer_norm',
    head: 'embed_out',
    layer: (l) => `gpt_neox.layers.${l}`,
    norm1: 'input_layernorm',
    norm2: 'post_attention_layernorm',
    qkv: { name: 'attention.query_key_value', layout: 'per-head' },
    o: 'attention.dense',
    mlpIn: 'mlp.dense_h_to_4h',
    mlpOut: 'mlp.dense_4h_to_h',
  },
  fromHubConfig(json): ModelConfig {
    const r = new HubConfigReader(json, 'gpt_neox');
    const dModel = r.integer('hidden_size');
    const nHeads = r.integer('num_attention_heads');
    if (dModel % nHeads !== 0) {
      throw new Error(
        `config.json (gpt_neox): num_attention_heads ${nHeads} must divide hidden_size ${dModel}`,
      );
    }
    const headDim = dModel / nHeads;
    const activation = r.string('hidden_act', 'gelu');
    if (!Object.hasOwn(ACTIVATIONS, activation)) {
      throw new Error(
        `config.json (gpt_neox): hidden_act "${activation}" is not supported (the lab implements ${Object.keys(ACTIVATIONS).join(', ')})`,
      );
    }
    const rope = r.rope(r.has('rope_theta') ? 'rope_theta' : 'rotary_emb_base', 10000);
    const fraction =
      rope.partialFactor ??
      (r.has('partial_rotary_factor')
        ? r.number('partial_rotary_factor')
        : r.number('rotary_pct', 0.25));
    const rotaryDim = Math.floor(headDim * fraction);
    const attentionBias = r.boolean('attention_bias', true);
    return {
      family: 'gpt_neox',
      vocabSize: r.integer('vocab_size'),
      dModel,
      nLayers: r.integer('num_hidden_layers'),
      nHeads,
      nKvHeads: nHeads,
      headDim,
      ffnDim: r.integer('intermediate_size'),
      contextLength: r.integer('max_position_embeddings'),
      norm: 'layernorm',
      normEps: r.number('layer_norm_eps', 1e-5),
      positions: 'rotary',
      ropeTheta: rope.theta,
      rotaryDim,
      activation: ACTIVATIONS[activation],
      gatedMlp: false,
      parallelResidual: r.boolean('use_parallel_residual', true),
      qkNorm: false,
      tiedEmbeddings: r.boolean('tie_word_embeddings', false),
      bias: { qkv: attentionBias, o: attentionBias, mlp: true },
    };
  },
  toHubConfig(config) {
    return {
      architectures: ['GPTNeoXForCausalLM'],
      model_type: 'gpt_neox',
      vocab_size: config.vocabSize,
      hidden_size: config.dModel,
      intermediate_size: config.ffnDim,
      num_hidden_layers: config.nLayers,
      num_attention_heads: config.nHeads,
      hidden_act: config.activation,
      max_position_embeddings: config.contextLength,
      layer_norm_eps: config.normEps,
      rotary_pct: config.rotaryDim / config.headDim,
      rotary_emb_base: config.ropeTheta,
      use_parallel_residual: config.parallelResidual,
      attention_bias: config.bias.qkv,
      tie_word_embeddings: config.tiedEmbeddings,
    };
  },
};
