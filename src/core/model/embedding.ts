import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';

/**
 * One-hot rows as float32. Built as int32 then cast: tfjs-backend-wasm 4.22's OneHot kernel ignores
 * a float32 dtype and writes integer bit patterns.
 */
export function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), 'float32') as tf.Tensor2D;
}

/**
 * Row lookup `table[ids]` whose gradient is `oneHot(ids)ᵀ · dy`, a plain matmul. tfjs's own
 * gradient of `gather` needs the `UnsortedSegmentSum` kernel, which the wasm backend lacks; this
 * form trains on every backend. Used for token and for position embeddings.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const rows = table.shape[0];
  const lookup = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = inputs[1] as tf.GradSaveFunc;
    // Saved, not read from the closure: the ids may be a temporary of the forward pass (gathered
    // targets), which the engine disposes when the forward pass ends unless a gradient saves it.
    save([ids]);
    return {
      value: tf.gather(inputs[0] as tf.Tensor, ids),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        matMul(oneHotFloat(saved as tf.Tensor1D, rows), dy as tf.Tensor2D, true, false),
    };
  });
  return lookup(table) as tf.Tensor2D;
}
