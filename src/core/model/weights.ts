import * as tf from '@tensorflow/tfjs';
import { createRng, hashString } from '../random';
import type { ModelConfigInput } from './config';
import { weightSpecs } from './specs';

export * from './specs';

/**
 * Every parameter is a named tensor with its Hugging Face name (`transformer.h.0.attn.c_attn.weight`,
 * `model.layers.0.self_attn.q_proj.weight`, …). Linear weights are held as `[in, out]` whatever the
 * family's file layout (`architecture.ts`): an output neuron's weights are a *column*.
 */
export type WeightMap = Map<string, tf.Variable>;

/** Seeded initial values, made in JavaScript so every backend starts from identical weights. */
export function initialValues(config: ModelConfigInput, seed: number): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const spec of weightSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (spec.init === 'ones') data.fill(1);
    if (spec.init === 'normal') {
      // One stream per parameter name: adding a layer never changes another layer's init.
      const rng = createRng((hashString(spec.name) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0);
      const std = spec.std ?? 0.02;
      for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
    }
    values.set(spec.name, data);
  }
  return values;
}

/**
 * Where `createWeights` gets each weight's floats: a map of them, or any source that makes each one
 * when asked. Each weight is asked for once, in `weightSpecs` order.
 */
export interface WeightValues {
  get(name: string): Float32Array | undefined;
}

export function createWeights(config: ModelConfigInput, values: WeightValues): WeightMap {
  const weights: WeightMap = new Map();
  try {
    for (const spec of weightSpecs(config)) {
      // Each weight's floats go out of scope when its tensor is made (a copy on wasm and WebGPU),
      // before the next weight's are asked for.
      const data = values.get(spec.name);
      if (!data) throw new Error(`missing weight "${spec.name}"`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) {
        throw new Error(
          `weight "${spec.name}": expected ${size} values for shape [${spec.shape}], got ${data.length}`,
        );
      }
      // Unnamed: tfjs variable names are global, and a worker holds several models at once.
      const initial = tf.tensor(data, spec.shape, 'float32');
      weights.set(spec.name, tf.variable(initial, true));
      initial.dispose();
    }
  } catch (error) {
    // A weight refused half-way (a NaN in a later block's file tensor): the ones made go too.
    disposeWeights(weights);
    throw error;
  }
  return weights;
}

export async function readWeights(weights: WeightMap): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, variable] of weights) out.set(name, (await variable.data()) as Float32Array);
  return out;
}

export function disposeWeights(weights: WeightMap): void {
  for (const variable of weights.values()) variable.dispose();
  weights.clear();
}

export function getWeight(weights: WeightMap, name: string): tf.Variable {
  const variable = weights.get(name);
  if (!variable) throw new Error(`model has no weight "${name}"`);
  return variable;
}
