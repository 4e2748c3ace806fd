import * as tf from '@tensorflow/tfjs';
import { architectureOf, blockLinears } from '../../../model/architecture';
import { batchFromSequences, disposeBatchTensors, toBatchTensors } from '../../../model/batch';
import type { ModelConfig } from '../../../model/config';
import type { LanguageModel } from '../../../model/languageModel';

/** Prompts per forward pass when reading activations. */
const DIRECTION_BATCH = 32;

/** The block whose output the direction is read at: round(depth · (layers − 1)). */
export function refusalLayer(depth: number, nLayers: number): number {
  return Math.min(nLayers - 1, Math.max(0, Math.round(depth * (nLayers - 1))));
}

/**
 * The mean residual-stream vector after block `layer` at each prompt's last token (the position
 * the answer is generated from), in double precision.
 */
export async function meanLastTokenActivation(
  model: LanguageModel,
  prompts: readonly number[][],
  layer: number,
): Promise<Float64Array> {
  if (prompts.length === 0) throw new Error('refusal direction: no prompts');
  const { dModel, contextLength } = model.config;
  const sum = new Float64Array(dModel);
  for (let start = 0; start < prompts.length; start += DIRECTION_BATCH) {
    // A prompt longer than the context keeps its last tokens, as generation does.
    const rows = prompts
      .slice(start, start + DIRECTION_BATCH)
      .map((ids) => ids.slice(Math.max(0, ids.length - contextLength)));
    const seqLen = Math.max(...rows.map((ids) => ids.length));
    const last = Int32Array.from(rows, (ids, b) => b * seqLen + ids.length - 1);
    const tensors = toBatchTensors(batchFromSequences(rows, seqLen, 0));
    try {
      const captured = tf.tidy(() => {
        let at: tf.Tensor2D | undefined;
        model.hidden(tensors, {
          blockOutput: (l, output) => {
            if (l === layer) at = tf.gather(output, tf.tensor1d(last, 'int32'));
            return output;
          },
        });
        if (!at) throw new Error(`refusal direction: the model has no block ${layer}`);
        return at;
      });
      const values = await captured.data();
      captured.dispose();
      for (let i = 0; i < values.length; i++) sum[i % dModel] += values[i];
    } finally {
      disposeBatchTensors(tensors);
    }
  }
  return sum.map((v) => v / prompts.length);
}

/** r = mean activation on harmful prompts − mean on harmless ones (Arditi et al. 2024, eq. 1). */
export async function refusalDirection(
  model: LanguageModel,
  harmful: readonly number[][],
  harmless: readonly number[][],
  layer: number,
): Promise<Float64Array> {
  const a = await meanLastTokenActivation(model, harmful, layer);
  const b = await meanLastTokenActivation(model, harmless, layer);
  return a.map((v, i) => v - b[i]);
}

/** `r / ‖r‖`; throws on a zero direction (harmful and harmless prompts read alike). */
export function unit(r: ArrayLike<number>): Float64Array {
  let norm = 0;
  for (let i = 0; i < r.length; i++) norm += r[i] * r[i];
  norm = Math.sqrt(norm);
  if (!(norm > 0)) throw new Error('refusal direction is zero: the prompts give equal activations');
  return Float64Array.from(r, (v) => v / norm);
}

/**
 * The weights that write the residual stream, each a matrix whose rows are vectors in it: the
 * token (and learned position) embeddings `[rows, dModel]`, every block's attention output and MLP
 * down projection (`[in, dModel]`: the lab holds linear weights `[in, out]`, so the output side is
 * each row) and their biases `[dModel]`.
 */
export function residualWriters(config: ModelConfig): string[] {
  const names = architectureOf(config).names;
  const writers = [`${names.embed}.weight`];
  if (config.positions === 'learned' && names.positionEmbed) {
    writers.push(`${names.positionEmbed}.weight`);
  }
  for (let layer = 0; layer < config.nLayers; layer++) {
    for (const linear of blockLinears(config, layer)) {
      if (!linear.roles.includes('attn.o') && !linear.roles.includes('mlp.out')) continue;
      writers.push(linear.weight);
      if (linear.bias) writers.push(linear.bias);
    }
  }
  return writers;
}

/**
 * Directional ablation as a weight edit (Arditi et al. 2024, §4.1): every residual writer W gets
 * W ← W − r̂ r̂ᵀ W on its output side — here each row v (a vector in the residual stream) becomes
 * v − (v · r̂) r̂. Returns the edited weights (only the writers), in double-precision arithmetic.
 */
export function projectOutDirection(
  config: ModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  direction: ArrayLike<number>,
): Map<string, Float32Array> {
  const d = config.dModel;
  if (direction.length !== d) {
    throw new Error(`refusal direction has ${direction.length} entries, the model's width is ${d}`);
  }
  const r = unit(direction);
  const out = new Map<string, Float32Array>();
  for (const name of residualWriters(config)) {
    const weight = values.get(name);
    if (!weight) throw new Error(`refusal-ablation: the model has no weight "${name}"`);
    if (weight.length % d !== 0) throw new Error(`refusal-ablation: "${name}" is not [*, ${d}]`);
    const edited = new Float32Array(weight.length);
    for (let row = 0; row < weight.length; row += d) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += weight[row + j] * r[j];
      for (let j = 0; j < d; j++) edited[row + j] = weight[row + j] - dot * r[j];
    }
    out.set(name, edited);
  }
  return out;
}
