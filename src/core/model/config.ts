/**
 * The shape and the mathematical variant of a decoder-only transformer, for every family the lab
 * runs: its own GPT-2-style model and the Hugging Face families `gpt2`, `llama` (SmolLM2),
 * `qwen2`, `qwen3` and `gpt_neox` (Pythia). One forward pass (`forward.ts`) reads these fields;
 * each family's descriptor (`architectures/*.ts`) says how its `config.json` sets them and what
 * its weights are called.
 */
export const FAMILIES = ['gpt2', 'llama', 'qwen2', 'qwen3', 'gpt_neox'] as const;
export type Family = (typeof FAMILIES)[number];

/**
 * `gelu_new` is GPT-2's tanh approximation (= PyTorch's `gelu_pytorch_tanh`); `gelu` is the exact
 * erf form (Pythia); `silu` drives the gated MLPs of Llama and Qwen.
 */
export const ACTIVATIONS = ['gelu_new', 'gelu', 'silu', 'relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface ModelConfig {
  family: Family;
  vocabSize: number;
  /** Width of the residual stream (`hidden_size`, `n_embd`). */
  dModel: number;
  nLayers: number;
  /** Query heads. */
  nHeads: number;
  /** Key/value heads (grouped-query attention when fewer than `nHeads`; must divide it). */
  nKvHeads: number;
  /** Width of one head (Qwen3 sets it explicitly; otherwise `dModel / nHeads`). */
  headDim: number;
  /** Hidden width of the MLP (`intermediate_size`, `n_inner`). */
  ffnDim: number;
  /** Longest sequence the model takes (`max_position_embeddings`, `n_positions`). */
  contextLength: number;
  norm: 'layernorm' | 'rmsnorm';
  normEps: number;
  /** A learned position table added to the embedding, or rotary embeddings inside attention. */
  positions: 'learned' | 'rotary';
  /** Rotary base (`rope_theta`); 0 with learned positions. */
  ropeTheta: number;
  /** Leading dimensions of each head that rotate (all of them, or Pythia's 25 %); 0 with learned positions. */
  rotaryDim: number;
  activation: Activation;
  /** `out(act(gate(x)) · in(x))` (Llama, Qwen) instead of `out(act(in(x)))`. */
  gatedMlp: boolean;
  /** GPT-NeoX: `x + attn(ln1(x)) + mlp(ln2(x))` instead of two residual steps. */
  parallelResidual: boolean;
  /** Qwen3: RMSNorm over each query and key head before the rotation. */
  qkNorm: boolean;
  /** Output head shares the token embedding's matrix. */
  tiedEmbeddings: boolean;
  /** Which linear layers carry a bias: the q/k/v projections, the attention output, the MLP. */
  bias: { qkv: boolean; o: boolean; mlp: boolean };
}

/** The lab's own models: GPT-2 shaped, described by six numbers. */
export interface Gpt2Shape {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  contextLength: number;
  /** Hidden width of the MLP as a multiple of `dModel` (GPT-2: 4). */
  mlpRatio: number;
}

/** GPT-2's LayerNorm epsilon (`layer_norm_epsilon`). */
export const LAYER_NORM_EPSILON = 1e-5;

/** A GPT-2 config (pre-LayerNorm, learned positions, `gelu_new`, biases everywhere, tied head). */
export function gpt2Config(shape: Gpt2Shape): ModelConfig {
  return {
    family: 'gpt2',
    vocabSize: shape.vocabSize,
    dModel: shape.dModel,
    nLayers: shape.nLayers,
    nHeads: shape.nHeads,
    nKvHeads: shape.nHeads,
    headDim: shape.dModel / shape.nHeads,
    ffnDim: shape.dModel * shape.mlpRatio,
    contextLength: shape.contextLength,
    norm: 'layernorm',
    normEps: LAYER_NORM_EPSILON,
    positions: 'learned',
    ropeTheta: 0,
    rotaryDim: 0,
    activation: 'gelu_new',
    gatedMlp: false,
    parallelResidual: false,
    qkNorm: false,
    tiedEmbeddings: true,
    bias: { qkv: true, o: true, mlp: true },
  };
}

/** A full config, or the six numbers of a GPT-2 shape (older callers, the benchmark's flags). */
export type ModelConfigInput = ModelConfig | Gpt2Shape;

export function resolveModelConfig(input: ModelConfigInput): ModelConfig {
  return 'family' in input ? input : gpt2Config(input);
}

/** Field-path messages for a model config; empty when valid. */
export function modelConfigProblems(config: ModelConfig, path = 'model'): string[] {
  const problems: string[] = [];
  const positive = [
    'vocabSize',
    'dModel',
    'nLayers',
    'nHeads',
    'nKvHeads',
    'headDim',
    'ffnDim',
    'contextLength',
  ] as const;
  for (const name of positive) {
    const value = config[name];
    if (!Number.isInteger(value) || value <= 0) {
      problems.push(`${path}.${name}: must be a positive integer (got ${String(value)})`);
    }
  }
  if (problems.length > 0) return problems;
  if (config.nHeads % config.nKvHeads !== 0) {
    problems.push(
      `${path}.nKvHeads: must divide nHeads (${config.nHeads} / ${config.nKvHeads} is not whole)`,
    );
  }
  if (config.family === 'gpt2' && config.dModel % config.nHeads !== 0) {
    problems.push(`${path}.nHeads: must divide dModel (${config.dModel} / ${config.nHeads})`);
  }
  if (config.positions === 'rotary') {
    if (!(config.ropeTheta > 0)) problems.push(`${path}.ropeTheta: must be positive`);
    if (
      !Number.isInteger(config.rotaryDim) ||
      config.rotaryDim <= 0 ||
      config.rotaryDim % 2 !== 0 ||
      config.rotaryDim > config.headDim
    ) {
      problems.push(
        `${path}.rotaryDim: must be an even number in [2, headDim ${config.headDim}] (got ${config.rotaryDim})`,
      );
    }
  }
  if (!(config.normEps > 0)) problems.push(`${path}.normEps: must be positive`);
  return problems;
}

export function assertModelConfig(config: ModelConfig): void {
  const problems = modelConfigProblems(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Width of the query projection's output, and of each of the key and value projections. */
export function attentionWidths(config: ModelConfig): { q: number; kv: number } {
  return { q: config.nHeads * config.headDim, kv: config.nKvHeads * config.headDim };
}
