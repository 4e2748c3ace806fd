import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';
import { linear } from './linear';
import { loraDelta, plusDelta, type LoraAdapter } from './lora';
import type { LinearInputTap } from './mlp';
import { getWeight, type WeightMap } from './weights';

/**
 * Causal multi-head self-attention over a batch of `batch` rows of `seqLen` tokens.
 * `x: [batch·seqLen, C]`; `attentionBias: [batch, 1, seqLen, seqLen]` holds 0 where a query may
 * attend and a large negative number elsewhere (causal, and within one packed example).
 */
export function causalSelfAttention(
  x: tf.Tensor2D,
  weights: WeightMap,
  prefix: string,
  shape: { batch: number; seqLen: number; nHeads: number },
  attentionBias: tf.Tensor4D,
  taps?: LinearInputTap,
  adapter?: LoraAdapter,
  layer = 0,
): tf.Tensor2D {
  const { batch: B, seqLen: T, nHeads: H } = shape;
  const C = x.shape[1];
  const headDim = C / H;
  taps?.(`${prefix}.attn.c_attn.weight`, x);
  const qkv = linear(
    x,
    getWeight(weights, `${prefix}.attn.c_attn.weight`),
    getWeight(weights, `${prefix}.attn.c_attn.bias`),
  );
  const parts = tf.split(qkv, 3, 1) as tf.Tensor2D[];
  const roles = ['attn.q', 'attn.k', 'attn.v'] as const;
  const [q, k, v] = parts
    .map((part, i) => plusDelta(part, loraDelta(adapter, layer, roles[i], x, taps)))
    .map((part) =>
      // [B·T, C] → [B, T, H, hd] → [B, H, T, hd] → [B·H, T, hd]
      tf.reshape(tf.transpose(tf.reshape(part, [B, T, H, headDim]), [0, 2, 1, 3]), [
        B * H,
        T,
        headDim,
      ]),
    ) as tf.Tensor3D[];
  const scores = tf.mul(matMul(q, k, false, true), 1 / Math.sqrt(headDim));
  const biased = tf.add(tf.reshape(scores, [B, H, T, T]), attentionBias);
  const probabilities = tf.reshape(tf.softmax(biased), [B * H, T, T]) as tf.Tensor3D;
  const context = matMul(probabilities, v); // [B·H, T, hd]
  const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, H, T, headDim]), [0, 2, 1, 3]), [
    B * T,
    C,
  ]) as tf.Tensor2D;
  taps?.(`${prefix}.attn.c_proj.weight`, merged);
  return plusDelta(
    linear(
      merged,
      getWeight(weights, `${prefix}.attn.c_proj.weight`),
      getWeight(weights, `${prefix}.attn.c_proj.bias`),
    ),
    loraDelta(adapter, layer, 'attn.o', merged, taps),
  );
}
