import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';

/** y = x · W + b with GPT-2's Conv1D layout `W: [in, out]`; always 2-D (see ARCHITECTURE: batched matMul gradients). */
export function linear(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return tf.add(matMul(x, weight as tf.Tensor2D), bias) as tf.Tensor2D;
}
