import * as tf from '@tensorflow/tfjs';
import { linear } from './linear';
import { loraDelta, plusDelta, type LoraAdapter } from './lora';
import { getWeight, type WeightMap } from './weights';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GPT-2's `gelu_new`: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** The block's feed-forward part: c_proj(gelu(c_fc(x))). `taps` receives each linear layer's input. */
export function mlp(
  x: tf.Tensor2D,
  weights: WeightMap,
  prefix: string,
  taps?: LinearInputTap,
  adapter?: LoraAdapter,
  layer = 0,
): tf.Tensor2D {
  taps?.(`${prefix}.mlp.c_fc.weight`, x);
  const hidden = gelu(
    plusDelta(
      linear(
        x,
        getWeight(weights, `${prefix}.mlp.c_fc.weight`),
        getWeight(weights, `${prefix}.mlp.c_fc.bias`),
      ),
      loraDelta(adapter, layer, 'mlp.in', x, taps),
    ),
  ) as tf.Tensor2D;
  taps?.(`${prefix}.mlp.c_proj.weight`, hidden);
  return plusDelta(
    linear(
      hidden,
      getWeight(weights, `${prefix}.mlp.c_proj.weight`),
      getWeight(weights, `${prefix}.mlp.c_proj.bias`),
    ),
    loraDelta(adapter, layer, 'mlp.out', hidden, taps),
  );
}

/**
 * Observer of the input activations `X: [tokens, in]` of a named linear weight. Wanda-style
 * pruning collects ‖X_j‖₂ through it; it must not keep the tensor beyond the call.
 */
export type LinearInputTap = (weightName: string, input: tf.Tensor2D) => void;
