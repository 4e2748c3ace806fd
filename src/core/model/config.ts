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

/**
 * The largest size the lab takes for each dimension: above any real decoder-only model (Llama 3.1
 * 405B: vocabulary 128,256, width 16,384, MLP 53,248, 126 blocks, 128 heads, 131,072 positions;
 * Qwen2.5-1M: 1,010,000 positions) and small enough that sizes multiply without overflowing and
 * a memory estimate stays a handful of arithmetic (a config from a link is read before anything
 * else is checked).
 */
export const MODEL_SIZE_LIMITS = {
  vocabSize: 2 ** 20,
  dModel: 65_536,
  nLayers: 512,
  nHeads: 4096,
  nKvHeads: 4096,
  headDim: 65_536,
  ffnDim: 262_144,
  contextLength: 2 ** 20,
} as const satisfies Partial<Record<keyof ModelConfig, number>>;

/** Field-path messages for a model config; empty when valid. */
export function modelConfigProblems(config: ModelConfig, path = 'model'): string[] {
  const problems: string[] = [];
  for (const [name, limit] of Object.entries(MODEL_SIZE_LIMITS)) {
    const value = config[name as keyof typeof MODEL_SIZE_LIMITS];
    if (!Number.isInteger(value) || value <= 0 || value > limit) {
      problems.push(
        `${path}.${name}: must be a positive integer of at most ${limit} (got ${String(value)})`,
      );
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
    if (!(config.ropeTheta > 0 && Number.isFinite(config.ropeTheta))) {
      problems.push(`${path}.ropeTheta: must be a finite number above 0 (got ${config.ropeTheta})`);
    }
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
  if (!(config.normEps > 0 && config.normEps < 1)) {
    problems.push(`${path}.normEps: must be above 0 and below 1 (got ${config.normEps})`);
  }
  return problems;
}

/** A `config.json` size field and the dimension it sets (each family reads its own names). */
const HUB_SIZE_FIELDS: Record<string, keyof typeof MODEL_SIZE_LIMITS> = {
  vocab_size: 'vocabSize',
  hidden_size: 'dModel',
  n_embd: 'dModel',
  num_hidden_layers: 'nLayers',
  n_layer: 'nLayers',
  num_attention_heads: 'nHeads',
  n_head: 'nHeads',
  num_key_value_heads: 'nKvHeads',
  head_dim: 'headDim',
  intermediate_size: 'ffnDim',
  n_inner: 'ffnDim',
  max_position_embeddings: 'contextLength',
  n_positions: 'contextLength',
  n_ctx: 'contextLength',
};

/** `config.json`'s real-valued fields: what each must be, as a test and as words. */
const HUB_REAL_FIELDS: Record<string, [(value: number) => boolean, string]> = {
  rope_theta: [(v) => v > 0 && Number.isFinite(v), 'a finite number above 0'],
  rotary_emb_base: [(v) => v > 0 && Number.isFinite(v), 'a finite number above 0'],
  'rope_parameters.rope_theta': [(v) => v > 0 && Number.isFinite(v), 'a finite number above 0'],
  layer_norm_epsilon: [(v) => v > 0 && v < 1, 'a number above 0 and below 1'],
  layer_norm_eps: [(v) => v > 0 && v < 1, 'a number above 0 and below 1'],
  rms_norm_eps: [(v) => v > 0 && v < 1, 'a number above 0 and below 1'],
  rotary_pct: [(v) => v > 0 && v <= 1, 'a number above 0 and at most 1'],
  partial_rotary_factor: [(v) => v > 0 && v <= 1, 'a number above 0 and at most 1'],
  'rope_parameters.partial_rotary_factor': [
    (v) => v > 0 && v <= 1,
    'a number above 0 and at most 1',
  ],
};

/**
 * The first number of a Hub `config.json` out of its sane range, as one line
 * `config.json: <field> must be …`, or null. Sizes are whole numbers up to `MODEL_SIZE_LIMITS`;
 * a rotary base is finite and positive (`1e400` parses as Infinity); a norm's epsilon lies in
 * (0, 1). Fields that are absent, null or not numbers are left to the family's reader, which
 * says what it expected.
 */
export function hubConfigRangeProblem(json: Record<string, unknown>): string | null {
  const field = (key: string): unknown => {
    const [outer, inner] = key.split('.');
    const value = Object.hasOwn(json, outer) ? json[outer] : undefined;
    if (inner === undefined) return value;
    return typeof value === 'object' && value !== null && Object.hasOwn(value, inner)
      ? (value as Record<string, unknown>)[inner]
      : undefined;
  };
  for (const [key, dimension] of Object.entries(HUB_SIZE_FIELDS)) {
    const value = field(key);
    if (typeof value !== 'number') continue;
    const limit = MODEL_SIZE_LIMITS[dimension];
    if (!Number.isInteger(value) || value < 1 || value > limit) {
      return `config.json: ${key} must be a whole number from 1 to ${limit} (got ${value})`;
    }
  }
  for (const [key, [ok, what]] of Object.entries(HUB_REAL_FIELDS)) {
    const value = field(key);
    if (typeof value === 'number' && !ok(value)) {
      return `config.json: ${key} must be ${what} (got ${value})`;
    }
  }
  return null;
}

export function assertModelConfig(config: ModelConfig): void {
  const problems = modelConfigProblems(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Width of the query projection's output, and of each of the key and value projections. */
export function attentionWidths(config: ModelConfig): { q: number; kv: number } {
  return { q: config.nHeads * config.headDim, kv: config.nKvHeads * config.headDim };
}
