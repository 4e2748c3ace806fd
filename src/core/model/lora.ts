import * as tf from '@tensorflow/tfjs';
import type { LayerRole, LoraSettings } from './roles';
import { createRng, hashString } from '../random';
import type { ModelConfig } from './config';
import { matMul } from './matmul';
import type { LinearInputTap } from './forward';
import type { WeightMap } from './weights';
import { architectureOf, modelRoles, roleLocation } from './architecture';

/**
 * LoRA (Hu et al., 2022) as the harmful-fine-tuning papers use it (PEFT): a frozen linear layer
 * `y = x·W + b` gains a trainable low-rank update, `y = x·W + b + (alpha/rank)·(x·A)·B`, with
 * `A: [in, rank]` seeded (PEFT's Kaiming-uniform, U(−1/√in, 1/√in)) and `B: [rank, out]` zero, so
 * a fresh adapter leaves the model's outputs unchanged. Adapters are addressed by layer *role*,
 * not by GPT-2's weight names, so a config reads the same on other architectures.
 *
 * The lab holds linear weights as `[in, out]` (GPT-2's Conv1D layout), so `A` and `B` are stored the same way
 * (PEFT's `lora_A.weight` is `Aᵀ`, `[rank, in]`): an output neuron is a column of each.
 */

/** `[in, out]` of the matrix a role adapts. */
export function roleShape(config: ModelConfig, role: LayerRole): [number, number] {
  return roleLocation(config, 0, role).shape;
}

/** Names of an adapter's two matrices for `role` in block `layer` (`transformer.h.0.attn.q.lora_A`). */
export function adapterNames(
  config: ModelConfig,
  layer: number,
  role: LayerRole,
): { a: string; b: string } {
  const prefix = `${architectureOf(config).names.layer(layer)}.${role}`;
  return { a: `${prefix}.lora_A`, b: `${prefix}.lora_B` };
}

/**
 * The targeted roles this model has, in `settings.targets` order. As PEFT does with
 * `target_modules`, a role the architecture lacks (GPT-2 has no `mlp.gate`) is skipped, so one
 * config adapts "every MLP layer" of any family; a target list that matches nothing is an error.
 */
export function adaptedRoles(
  config: ModelConfig,
  settings: LoraSettings,
  path = 'lora.targets',
): LayerRole[] {
  const roles = modelRoles(config);
  const present = settings.targets.filter((role) => roles.includes(role));
  if (present.length === 0) {
    throw new Error(
      `${path}: ${config.family} models have none of ${settings.targets.join(', ')} (roles: ${roles.join(', ')})`,
    );
  }
  return present;
}

export interface AdapterSpec {
  name: string;
  layer: number;
  role: LayerRole;
  matrix: 'A' | 'B';
  shape: [number, number];
}

/** Every matrix of an adapter, block by block, roles in `settings.targets` order (those the model has), A before B. */
export function adapterSpecs(config: ModelConfig, settings: LoraSettings): AdapterSpec[] {
  const roles = adaptedRoles(config, settings);
  const specs: AdapterSpec[] = [];
  for (let layer = 0; layer < config.nLayers; layer++) {
    for (const role of roles) {
      const [inFeatures, outFeatures] = roleShape(config, role);
      const { a, b } = adapterNames(config, layer, role);
      specs.push({ name: a, layer, role, matrix: 'A', shape: [inFeatures, settings.rank] });
      specs.push({ name: b, layer, role, matrix: 'B', shape: [settings.rank, outFeatures] });
    }
  }
  return specs;
}

/** Fresh adapter values: `A` seeded per matrix name (JavaScript, so every backend starts alike), `B` zero. */
export function initialAdapterValues(
  config: ModelConfig,
  settings: LoraSettings,
  seed: number,
): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const spec of adapterSpecs(config, settings)) {
    const data = new Float32Array(spec.shape[0] * spec.shape[1]);
    if (spec.matrix === 'A') {
      const bound = 1 / Math.sqrt(spec.shape[0]);
      const rng = createRng((hashString(spec.name) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0);
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * bound;
    }
    values.set(spec.name, data);
  }
  return values;
}

/** An adapter attached to a model: its settings and its trainable matrices. */
export interface LoraAdapter {
  settings: LoraSettings;
  /** `alpha / rank`, the factor on `x·A·B`. */
  scale: number;
  weights: WeightMap;
}

export function createAdapter(
  config: ModelConfig,
  settings: LoraSettings,
  values: Map<string, Float32Array>,
): LoraAdapter {
  const weights: WeightMap = new Map();
  try {
    for (const spec of adapterSpecs(config, settings)) {
      const data = values.get(spec.name);
      if (!data) throw new Error(`adapter: missing matrix "${spec.name}"`);
      if (data.length !== spec.shape[0] * spec.shape[1]) {
        throw new Error(
          `adapter: "${spec.name}" has ${data.length} values, shape [${spec.shape}] needs ${spec.shape[0] * spec.shape[1]}`,
        );
      }
      const initial = tf.tensor2d(data, spec.shape, 'float32');
      weights.set(spec.name, tf.variable(initial, true));
      initial.dispose();
    }
  } catch (error) {
    for (const variable of weights.values()) variable.dispose();
    throw error;
  }
  return { settings, scale: settings.alpha / settings.rank, weights };
}

/**
 * The adapter's contribution `(alpha/rank)·(x·A)·B` to role `role` of block `layer`, or null when
 * the role is not adapted. `taps` sees A's input `x` and B's input `x·A` (Wanda's activations
 * for the adapter's matrices, as in Antidote's reference code).
 */
export function loraDelta(
  config: ModelConfig,
  adapter: LoraAdapter | undefined,
  layer: number,
  role: LayerRole,
  x: tf.Tensor2D,
  taps?: LinearInputTap,
): tf.Tensor2D | null {
  if (!adapter) return null;
  const { a, b } = adapterNames(config, layer, role);
  const A = adapter.weights.get(a);
  const B = adapter.weights.get(b);
  if (!A || !B) return null;
  taps?.(a, x);
  const down = matMul(x, A) as tf.Tensor2D;
  taps?.(b, down);
  return tf.mul(matMul(down, B), adapter.scale) as tf.Tensor2D;
}

/** `y + delta`, or `y` when there is no delta. */
export function plusDelta(y: tf.Tensor2D, delta: tf.Tensor2D | null): tf.Tensor2D {
  return delta ? (tf.add(y, delta) as tf.Tensor2D) : y;
}

/** The `[in, out]` sub-matrix of role `role` in a full weight (its columns of a fused q/k/v). */
export function roleMatrix(
  config: ModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  layer: number,
  role: LayerRole,
): Float32Array {
  const { weight, shape, width, columns } = roleLocation(config, layer, role);
  const full = values.get(weight);
  if (!full) throw new Error(`model has no weight "${weight}"`);
  if (width === shape[1]) return full.slice();
  const [inFeatures, outFeatures] = shape;
  const out = new Float32Array(inFeatures * outFeatures);
  for (let i = 0; i < inFeatures; i++) {
    for (let j = 0; j < outFeatures; j++) out[i * outFeatures + j] = full[i * width + columns[j]];
  }
  return out;
}

/** `scale·A·B` as a row-major `[in, out]` array (Float64 accumulation). */
function adapterUpdate(
  A: Float32Array,
  B: Float32Array,
  inFeatures: number,
  rank: number,
  outFeatures: number,
  scale: number,
): Float32Array {
  const out = new Float32Array(inFeatures * outFeatures);
  const row = new Float64Array(outFeatures);
  for (let i = 0; i < inFeatures; i++) {
    row.fill(0);
    for (let k = 0; k < rank; k++) {
      const a = A[i * rank + k];
      if (a === 0) continue;
      const bRow = k * outFeatures;
      for (let j = 0; j < outFeatures; j++) row[j] += a * B[bRow + j];
    }
    for (let j = 0; j < outFeatures; j++) out[i * outFeatures + j] = row[j] * scale;
  }
  return out;
}

/**
 * The weights with the adapter merged in, `W + (alpha/rank)·A·B` for every adapted role (a copy;
 * the inputs are untouched). Computed in JavaScript, so a merge is the same on every backend.
 */
export function mergeAdapter(
  config: ModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  settings: LoraSettings,
  adapter: ReadonlyMap<string, Float32Array>,
): Map<string, Float32Array> {
  const merged = new Map(values);
  const scale = settings.alpha / settings.rank;
  const roles = adaptedRoles(config, settings);
  for (let layer = 0; layer < config.nLayers; layer++) {
    for (const role of roles) {
      const { a, b } = adapterNames(config, layer, role);
      const A = adapter.get(a);
      const B = adapter.get(b);
      if (!A || !B) throw new Error(`adapter: missing matrices of ${role} in block ${layer}`);
      const { weight: name, shape, width, columns } = roleLocation(config, layer, role);
      const [inFeatures, outFeatures] = shape;
      const update = adapterUpdate(A, B, inFeatures, settings.rank, outFeatures, scale);
      const weight = (merged.get(name) as Float32Array).slice();
      for (let i = 0; i < inFeatures; i++) {
        for (let j = 0; j < outFeatures; j++) {
          weight[i * width + columns[j]] += update[i * outFeatures + j];
        }
      }
      merged.set(name, weight);
    }
  }
  return merged;
}
