import type { Architecture } from '../architecture';
import { LAYER_NORM_EPSILON, type Activation, type ModelConfig } from '../config';
import { HubConfigReader } from './hubConfig';

/**
 * GPT-2 (`modeling_gpt2.py`, also DistilGPT-2 and the lab's own base model): learned positions,
 * pre-LayerNorm blocks, Conv1D weights `[in, out]`, q/k/v fused in `attn.c_attn` (all of q, then
 * k, then v), `gelu_new`, biases everywhere, the head tied to `wte`. The original checkpoints
 * name weights without `transformer.` and carry `attn.bias` / `attn.masked_bias` mask buffers.
 */
const ACTIVATIONS: Record<string, Activation> = {
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  gelu: 'gelu',
  relu: 'relu',
};

export const gpt2: Architecture = {
  family: 'gpt2',
  hubClass: 'GPT2LMHeadModel',
  hubLinearLayout: 'in-out',
  optionalPrefix: 'transformer.',
  ignoredTensors: /(^|\.)attn\.(bias|masked_bias)$/,
  names: {
    embed: 'transformer.wte',
    positionEmbed: 'transformer.wpe',
    finalNorm: 'transformer.ln_f',
    head: 'lm_head',
    layer: (l) => `transformer.h.${l}`,
    norm1: 'ln_1',
    norm2: 'ln_2',
    qkv: { name: 'attn.c_attn', layout: 'blocks' },
    o: 'attn.c_proj',
    mlpIn: 'mlp.c_fc',
    mlpOut: 'mlp.c_proj',
  },
  fromHubConfig(json): ModelConfig {
    const r = new HubConfigReader(json, 'gpt2');
    const dModel = r.integer('n_embd');
    const nHeads = r.integer('n_head');
    if (dModel % nHeads !== 0)
      throw new Error(`config.json (gpt2): n_head ${nHeads} must divide n_embd ${dModel}`);
    const activation = r.string('activation_function', 'gelu_new');
    if (!Object.hasOwn(ACTIVATIONS, activation)) {
      throw new Error(
        `config.json (gpt2): activation_function "${activation}" is not supported (the lab implements ${Object.keys(ACTIVATIONS).join(', ')})`,
      );
    }
    r.refuseUnless('scale_attn_weights', (v) => v === true, 'unscaled attention');
    r.refuseUnless(
      'scale_attn_by_inverse_layer_idx',
      (v) => v === false,
      'per-layer attention scaling',
    );
    r.refuseUnless('add_cross_attention', (v) => v === false, 'cross-attention');
    return {
      family: 'gpt2',
      vocabSize: r.integer('vocab_size'),
      dModel,
      nLayers: r.integer('n_layer'),
      nHeads,
      nKvHeads: nHeads,
      headDim: dModel / nHeads,
      ffnDim: r.has('n_inner') ? r.integer('n_inner') : 4 * dModel,
      contextLength: r.integer('n_positions'),
      norm: 'layernorm',
      normEps: r.number('layer_norm_epsilon', LAYER_NORM_EPSILON),
      positions: 'learned',
      ropeTheta: 0,
      rotaryDim: 0,
      activation: ACTIVATIONS[activation],
      gatedMlp: false,
      parallelResidual: false,
      qkNorm: false,
      tiedEmbeddings: r.boolean('tie_word_embeddings', true),
      bias: { qkv: true, o: true, mlp: true },
    };
  },
  toHubConfig(config) {
    return {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      vocab_size: config.vocabSize,
      n_embd: config.dModel,
      n_layer: config.nLayers,
      n_head: config.nHeads,
      n_positions: config.contextLength,
      n_ctx: config.contextLength,
      n_inner: config.ffnDim,
      activation_function: config.activation,
      layer_norm_epsilon: config.normEps,
      resid_pdrop: 0,
      embd_pdrop: 0,
      attn_pdrop: 0,
      tie_word_embeddings: config.tiedEmbeddings,
    };
  },
};
