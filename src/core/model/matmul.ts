import * as tf from '@tensorflow/tfjs';

/**
 * Matrix product with optional transposes whose forward *and* backward passes only ever call
 * untransposed `tf.matMul`. Why: tfjs-backend-wasm 4.22 runs the plain product through XNNPACK
 * (≈ 8 GFLOP/s here) but the transposed variants through a slow path (0.3–1 GFLOP/s), and the
 * gradient of a matmul is made of transposed products. Materialising a transpose costs O(n), the
 * product O(n^1.5). On the other backends transposed products are native, so they are used as is.
 * Works on 2-D matrices and on 3-D batches with the same batch size (no broadcasting).
 */
export function matMul(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA = false,
  transposeB = false,
): tf.Tensor {
  if (!explicitTransposes()) return tf.matMul(a, b, transposeA, transposeB);
  const product = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // Only saved tensors survive until the backward pass; the transposes are redone there.
    save([x, y]);
    const operand = (t: tf.Tensor, transposed: boolean) => (transposed ? swapLast(t) : t);
    return {
      value: tf.matMul(operand(x, transposeA), operand(y, transposeB)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const left = operand(saved[0], transposeA);
        const right = operand(saved[1], transposeB);
        // C = L·R  ⇒  dL = dC·Rᵀ, dR = Lᵀ·dC; then undo the input transposes.
        const dLeft = tf.matMul(dy, swapLast(right));
        const dRight = tf.matMul(swapLast(left), dy);
        return [operand(dLeft, transposeA), operand(dRight, transposeB)];
      },
    };
  });
  return product(a, b);
}

function swapLast(x: tf.Tensor): tf.Tensor {
  return x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [0, 2, 1]);
}

function explicitTransposes(): boolean {
  return tf.getBackend() === 'wasm';
}
