import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM_EPSILON } from './config';

/** LayerNorm over the last axis: (x − mean) / sqrt(var + ε) · γ + β. */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  const normalized = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON)));
  return tf.add(tf.mul(normalized, gain), bias) as tf.Tensor2D;
}
