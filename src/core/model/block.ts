import type * as tf from '@tensorflow/tfjs';
import * as ops from '@tensorflow/tfjs';
import { causalSelfAttention } from './attention';
import { layerNorm } from './layerNorm';
import type { LoraAdapter } from './lora';
import { mlp, type LinearInputTap } from './mlp';
import { getWeight, layerPrefix, type WeightMap } from './weights';

/** One pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)); `adapter` adds its LoRA updates. */
export function transformerBlock(
  x: tf.Tensor2D,
  weights: WeightMap,
  layer: number,
  shape: { batch: number; seqLen: number; nHeads: number },
  attentionBias: tf.Tensor4D,
  taps?: LinearInputTap,
  adapter?: LoraAdapter,
): tf.Tensor2D {
  const p = layerPrefix(layer);
  const attnIn = layerNorm(
    x,
    getWeight(weights, `${p}.ln_1.weight`),
    getWeight(weights, `${p}.ln_1.bias`),
  );
  const afterAttention = ops.add(
    x,
    causalSelfAttention(attnIn, weights, p, shape, attentionBias, taps, adapter, layer),
  ) as tf.Tensor2D;
  const mlpIn = layerNorm(
    afterAttention,
    getWeight(weights, `${p}.ln_2.weight`),
    getWeight(weights, `${p}.ln_2.bias`),
  );
  return ops.add(afterAttention, mlp(mlpIn, weights, p, taps, adapter, layer)) as tf.Tensor2D;
}
