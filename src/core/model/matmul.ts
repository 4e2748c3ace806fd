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
  if (b instanceof tf.Variable && !b.trainable && !transposeA) return frozenRight(a, b, transposeB);
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

/**
 * `a · b` (or `a · bᵀ`) where `b` is a frozen weight (LoRA training): only `a` gets a gradient.
 * The weight is read from the closure rather than saved, so the tape keeps no copy of it (a saved
 * tensor is cloned, and a wasm clone is a real copy), and its unused gradient is never computed.
 */
function frozenRight(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor {
  const product = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x] = inputs as [tf.Tensor, tf.GradSaveFunc];
    return {
      value: tf.tidy(() => tf.matMul(x, transposeB ? swapLast(b) : b)),
      // dX = dY · Bᵀ (or dY · B when the product used Bᵀ).
      gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.matMul(dy, transposeB ? b : swapLast(b))),
    };
  });
  return product(a);
}

/**
 * Logits `x · headᵀ` outside any gradient (decoding, the chunked loss's recomputation). On wasm
 * as `(head · xᵀ)ᵀ`: transposing the few rows of `x` and the `[rows, vocab]` result instead of the
 * whole `[vocab, dModel]` head, which cost nearly all of a decoding step at a real vocabulary.
 */
export function headLogits(x: tf.Tensor2D, head: tf.Tensor2D): tf.Tensor2D {
  if (!explicitTransposes()) return tf.matMul(x, head, false, true);
  return tf.tidy(() => tf.transpose(tf.matMul(head, tf.transpose(x))) as tf.Tensor2D);
}

/** Most bytes of the head's rows one product of `productWithHead` takes on wasm. */
const HEAD_BLOCK_BYTES = 64 * 2 ** 20;

/** A head up to this size goes through in one product (SmolLM2's 113 MB: blocks cost it 10 %). */
const HEAD_WHOLE_BYTES = 128 * 2 ** 20;

/**
 * `p · head` for `p: [rows, vocab]` and the head `[vocab, dModel]`, outside any gradient (the
 * frozen-head loss's `softmax · head`). On wasm as a sum over blocks of the head's rows: XNNPACK
 * packs a copy of a product's right-hand operand for the call, which for a whole real-vocabulary
 * head (Qwen2.5's 545 MB) came on top of everything else at the step's peak; a block's copy is at
 * most `HEAD_BLOCK_BYTES`. A head under `HEAD_WHOLE_BYTES` goes through whole.
 */
export function productWithHead(
  p: tf.Tensor2D,
  head: tf.Tensor2D,
  blockBytes = HEAD_BLOCK_BYTES,
): tf.Tensor2D {
  const [vocab, width] = head.shape;
  const blockRows = Math.max(1, Math.floor(blockBytes / (4 * width)));
  const whole = blockBytes === HEAD_BLOCK_BYTES && 4 * vocab * width <= HEAD_WHOLE_BYTES;
  if (!explicitTransposes() || whole || blockRows >= vocab) return tf.matMul(p, head);
  // Each block in a tidy of its own: its slices and product go before the next block's come.
  let sum: tf.Tensor2D | undefined;
  for (let start = 0; start < vocab; start += blockRows) {
    const size = Math.min(blockRows, vocab - start);
    const previous = sum;
    sum = tf.tidy(() => {
      const part = tf.matMul(
        tf.slice(p, [0, start], [p.shape[0], size]),
        tf.slice(head, [start, 0], [size, width]),
      ) as tf.Tensor2D;
      return previous ? (tf.add(previous, part) as tf.Tensor2D) : part;
    });
    previous?.dispose();
  }
  return sum as tf.Tensor2D;
}

/**
 * `x + v` and `x · v` for a vector `v` over the last axis of `x` (a bias, a norm's gain). Their
 * gradient for `v` sums `dy` over every other axis; tfjs-backend-wasm 4.22 sums along an outer
 * axis by transposing first and then summing in a scalar loop (340 µs for `[512, 128]`, 1 ms for
 * `[512, 384]`), while `ones · dy` is one XNNPACK product (30–50 µs). Other backends: plain ops.
 */
export function addLastAxis(x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  // A frozen vector (LoRA training) gets no gradient: tfjs then never sums for it at all.
  if (!explicitTransposes() || frozen(v)) return tf.add(x, v);
  const add = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, b] = inputs as [tf.Tensor, tf.Tensor];
    return {
      value: tf.add(a, b),
      gradFunc: (dy: tf.Tensor) => [dy, sumToLastAxis(dy, b.shape)],
    };
  });
  return add(x, v);
}

export function mulLastAxis(x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  if (!explicitTransposes() || frozen(v)) return tf.mul(x, v);
  const mul = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, b, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([a, b]);
    return {
      value: tf.mul(a, b),
      gradFunc: (dy: tf.Tensor, [savedA, savedB]: tf.Tensor[]) => [
        tf.mul(dy, savedB),
        sumToLastAxis(tf.mul(dy, savedA), savedB.shape),
      ],
    };
  });
  return mul(x, v);
}

function frozen(v: tf.Tensor): boolean {
  return v instanceof tf.Variable && !v.trainable;
}

/** `dy` summed over all but its last axis, as `ones · dy`, in the shape of the vector. */
function sumToLastAxis(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const width = dy.shape[dy.rank - 1];
  if (shape.length !== 1 || shape[0] !== width) {
    throw new Error(
      `expected a vector of ${width} values over the last axis, got [${shape.join(', ')}]`,
    );
  }
  const rows = dy.size / width;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(dy, [rows, width])), [width]);
}

function swapLast(x: tf.Tensor): tf.Tensor {
  return x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [0, 2, 1]);
}

/**
 * Whether batched products should be split into 2-D ones: tfjs-backend-wasm 4.22 runs a product
 * through XNNPACK only at batch 1, and a batched one through a scalar loop (attention's
 * `[kvHeads, group·seqLen, headDim]` products ran at 2.6 GFLOP/s there, 2-D ones at 30).
 */
export function prefersPlainProducts(): boolean {
  return explicitTransposes();
}

function explicitTransposes(): boolean {
  return tf.getBackend() === 'wasm';
}
