/** Shape of the lab's decoder-only transformer (GPT-2 family: pre-LayerNorm, learned positions, tied embedding). */
export interface ModelConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  contextLength: number;
  /** Hidden width of the MLP as a multiple of `dModel` (GPT-2: 4). */
  mlpRatio: number;
}

export const LAYER_NORM_EPSILON = 1e-5;

/** Field-path messages for a model config; empty when valid. */
export function modelConfigProblems(config: ModelConfig, path = 'model'): string[] {
  const problems: string[] = [];
  const positiveInteger = (name: keyof ModelConfig) => {
    const value = config[name];
    if (!Number.isInteger(value) || value <= 0) {
      problems.push(`${path}.${name}: must be a positive integer (got ${String(value)})`);
    }
  };
  (['vocabSize', 'dModel', 'nLayers', 'nHeads', 'contextLength', 'mlpRatio'] as const).forEach(
    positiveInteger,
  );
  if (problems.length === 0 && config.dModel % config.nHeads !== 0) {
    problems.push(`${path}.nHeads: must divide dModel (${config.dModel} / ${config.nHeads})`);
  }
  return problems;
}

export function assertModelConfig(config: ModelConfig): void {
  const problems = modelConfigProblems(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Hugging Face `config.json` for GPT2LMHeadModel, plus our own fields so the file round-trips. */
export function toHuggingFaceConfig(config: ModelConfig): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: config.vocabSize,
    n_embd: config.dModel,
    n_layer: config.nLayers,
    n_head: config.nHeads,
    n_positions: config.contextLength,
    n_ctx: config.contextLength,
    n_inner: config.dModel * config.mlpRatio,
    activation_function: 'gelu_new',
    layer_norm_epsilon: LAYER_NORM_EPSILON,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    tie_word_embeddings: true,
    safetune: { ...config },
  };
}

export function fromHuggingFaceConfig(json: Record<string, unknown>): ModelConfig {
  const number = (key: string): number => {
    const value = json[key];
    if (typeof value !== 'number') throw new Error(`config.json: "${key}" must be a number`);
    return value;
  };
  if (json.model_type !== undefined && json.model_type !== 'gpt2') {
    throw new Error(
      `config.json: model_type "${String(json.model_type)}" is not supported (gpt2 only)`,
    );
  }
  const dModel = number('n_embd');
  const inner = json.n_inner == null ? 4 * dModel : number('n_inner');
  if (inner % dModel !== 0) throw new Error('config.json: n_inner must be a multiple of n_embd');
  const config: ModelConfig = {
    vocabSize: number('vocab_size'),
    dModel,
    nLayers: number('n_layer'),
    nHeads: number('n_head'),
    contextLength: number('n_positions'),
    mlpRatio: inner / dModel,
  };
  assertModelConfig(config);
  return config;
}

export function parameterCount(config: ModelConfig): number {
  const { vocabSize: V, dModel: C, nLayers: L, contextLength: T, mlpRatio: r } = config;
  const perLayer =
    2 * C + (C * 3 * C + 3 * C) + (C * C + C) + 2 * C + (C * r * C + r * C) + (r * C * C + C);
  return V * C + T * C + L * perLayer + 2 * C;
}
