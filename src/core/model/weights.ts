import * as tf from '@tensorflow/tfjs';
import { createRng, hashString } from '../random';
import type { ModelConfig } from './config';

/**
 * Every parameter is a named tensor with the Hugging Face GPT-2 name. Linear weights are plain
 * 2-D matrices in GPT-2's Conv1D layout `[in, out]` (so the file loads into GPT2LMHeadModel):
 * an output neuron's weights are a *column*. The pruning code enumerates them through
 * `linearWeightNames`.
 */
export type WeightMap = Map<string, tf.Variable>;

export interface WeightSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'zeros' | 'ones';
  std?: number;
}

export type LinearKind = 'attn.c_attn' | 'attn.c_proj' | 'mlp.c_fc' | 'mlp.c_proj';
export const LINEAR_KINDS: readonly LinearKind[] = [
  'attn.c_attn',
  'attn.c_proj',
  'mlp.c_fc',
  'mlp.c_proj',
];

export const layerPrefix = (layer: number) => `transformer.h.${layer}`;

export function weightSpecs(config: ModelConfig): WeightSpec[] {
  const { vocabSize: V, dModel: C, nLayers: L, contextLength: T, mlpRatio } = config;
  const F = C * mlpRatio;
  // GPT-2 init: N(0, 0.02), residual projections scaled by 1/sqrt(2·nLayers).
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * L);
  const specs: WeightSpec[] = [
    { name: 'transformer.wte.weight', shape: [V, C], init: 'normal', std },
    { name: 'transformer.wpe.weight', shape: [T, C], init: 'normal', std: 0.01 },
  ];
  for (let l = 0; l < L; l++) {
    const p = layerPrefix(l);
    specs.push(
      { name: `${p}.ln_1.weight`, shape: [C], init: 'ones' },
      { name: `${p}.ln_1.bias`, shape: [C], init: 'zeros' },
      { name: `${p}.attn.c_attn.weight`, shape: [C, 3 * C], init: 'normal', std },
      { name: `${p}.attn.c_attn.bias`, shape: [3 * C], init: 'zeros' },
      { name: `${p}.attn.c_proj.weight`, shape: [C, C], init: 'normal', std: residualStd },
      { name: `${p}.attn.c_proj.bias`, shape: [C], init: 'zeros' },
      { name: `${p}.ln_2.weight`, shape: [C], init: 'ones' },
      { name: `${p}.ln_2.bias`, shape: [C], init: 'zeros' },
      { name: `${p}.mlp.c_fc.weight`, shape: [C, F], init: 'normal', std },
      { name: `${p}.mlp.c_fc.bias`, shape: [F], init: 'zeros' },
      { name: `${p}.mlp.c_proj.weight`, shape: [F, C], init: 'normal', std: residualStd },
      { name: `${p}.mlp.c_proj.bias`, shape: [C], init: 'zeros' },
    );
  }
  specs.push(
    { name: 'transformer.ln_f.weight', shape: [C], init: 'ones' },
    { name: 'transformer.ln_f.bias', shape: [C], init: 'zeros' },
  );
  return specs;
}

/** Names of all linear-layer weight matrices, in layer order. */
export function linearWeightNames(
  config: ModelConfig,
  kinds: readonly LinearKind[] = LINEAR_KINDS,
): string[] {
  const names: string[] = [];
  for (let l = 0; l < config.nLayers; l++) {
    for (const kind of kinds) names.push(`${layerPrefix(l)}.${kind}.weight`);
  }
  return names;
}

/**
 * Weight decay applies to matrices (linear weights, embeddings, LoRA's A and B), not to biases or
 * LayerNorm gains (as nanoGPT; Hugging Face's Trainer decays LoRA matrices too).
 */
export const isDecayed = (name: string, shape: readonly number[]) =>
  shape.length === 2 && (name.endsWith('.weight') || /\.lora_[AB]$/.test(name));

/** Seeded initial values, made in JavaScript so every backend starts from identical weights. */
export function initialValues(config: ModelConfig, seed: number): Map<string, Float32Array> {
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

export function createWeights(config: ModelConfig, values: Map<string, Float32Array>): WeightMap {
  const weights: WeightMap = new Map();
  for (const spec of weightSpecs(config)) {
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
