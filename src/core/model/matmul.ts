import * as tf from '@tensorflow/tfjs';
import { SLICED_MATMUL, runsOnWasm } from '../runtime/wasmKernels';

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
  if (!transposeA && transposeB && fewRowsAgainstRows(a, b)) return rowDots(a, b);
  const product = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // Only saved tensors survive until the backward pass; the transposes are redone there.
    save([x, y]);
    const operand = (t: tf.Tensor, transposed: boolean) => (transposed ? swapLast(t) : t);
    return {
      value: plainProduct(operand(x, transposeA), operand(y, transposeB)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const left = operand(saved[0], transposeA);
        const right = operand(saved[1], transposeB);
        // C = L·R  ⇒  dL = dC·Rᵀ, dR = Lᵀ·dC; then undo the input transposes.
        const dLeft = plainProduct(dy, swapLast(right));
        const dRight = plainProduct(swapLast(left), dy);
        return [operand(dLeft, transposeA), operand(dRight, transposeB)];
      },
    };
  });
  return product(a, b);
}

/**
 * A linear layer `x · W + b` (`x: [tokens, in]`). On wasm with `W` and `b` both trained, their
 * gradients come from one product: `[xᵀ; 1] · dy` is `[dW; db]`, the bias's gradient the last row
 * of the weight's. Summing `dy` over the tokens for the bias took a transpose and a sum of its own
 * (0.1–0.4 ms each for the reference model's four layers per block); one more row of the product
 * costs next to nothing, and the weight's rows are XNNPACK's result without it, bit for bit.
 * Frozen weights (LoRA) and other backends: `matMul` and `addLastAxis`.
 */
export function affine(x: tf.Tensor2D, w: tf.Variable, b: tf.Variable): tf.Tensor2D {
  if (!explicitTransposes() || !w.trainable || !b.trainable) {
    return addLastAxis(matMul(x, w), b) as tf.Tensor2D;
  }
  const layer = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, weight, bias, save] = inputs as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.GradSaveFunc,
    ];
    save([input, weight]);
    return {
      value: tf.add(plainProduct(input, weight), bias),
      gradFunc: (dy: tf.Tensor, [savedInput, savedWeight]: tf.Tensor[]) => {
        const [tokens] = savedInput.shape;
        const [inFeatures, outFeatures] = savedWeight.shape;
        const dx = plainProduct(dy, swapLast(savedWeight));
        const augmented = tf.concat([swapLast(savedInput), tf.ones([1, tokens])], 0);
        const both = plainProduct(augmented, dy);
        return [
          dx,
          tf.slice(both, [0, 0], [inFeatures, outFeatures]),
          tf.reshape(tf.slice(both, [inFeatures, 0], [1, outFeatures]), [outFeatures]),
        ];
      },
    };
  });
  return layer(x, w, b) as tf.Tensor2D;
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
      value: tf.tidy(() => plainProduct(x, transposeB ? swapLast(b) : b)),
      // dX = dY · Bᵀ (or dY · B when the product used Bᵀ).
      gradFunc: (dy: tf.Tensor) => tf.tidy(() => plainProduct(dy, transposeB ? b : swapLast(b))),
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

/** Most rows of the head one product of `productWithHead` takes on wasm. */
const HEAD_BLOCK_ROWS = 4096;

/**
 * `p · head` for `p: [rows, vocab]` and the head `[vocab, dModel]`, outside any gradient (the
 * frozen-head loss's `softmax · head`). On wasm as a sum over blocks of at most `HEAD_BLOCK_ROWS`
 * of the head's rows. XNNPACK runs a product's whole inner dimension through each tile of its
 * output, and a vocabulary of 49k–152k rows as that dimension falls out of the caches: SmolLM2's
 * `[256, 49152]·[49152, 576]` ran at 9 GFLOP/s whole and at 15 in blocks of 2048–4096 rows (a
 * shared machine; 1024³ ran at 28 there). XNNPACK also packs a copy of a product's right-hand
 * operand for the call, which for a whole real-vocabulary head (Qwen2.5's 545 MB) came on top of
 * everything else at the step's peak; a block's copy is at most `blockBytes`.
 */
export function productWithHead(
  p: tf.Tensor2D,
  head: tf.Tensor2D,
  blockBytes = HEAD_BLOCK_BYTES,
): tf.Tensor2D {
  const [vocab, width] = head.shape;
  const blockRows = Math.max(1, Math.min(HEAD_BLOCK_ROWS, Math.floor(blockBytes / (4 * width))));
  if (!explicitTransposes() || blockRows >= vocab) return tf.matMul(p, head);
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
 * axis by transposing first, with its slow 2-D transpose (0.38 ms for `[512, 128]`), and then
 * summing in a scalar loop. On wasm the lab transposes (`runtime/wasmKernels.ts`'s blocked
 * transpose) and sums along the last axis: 0.13 ms for `[512, 128]`, 0.41 ms for `[512, 512]`, where
 * `ones · dy` took 0.27 and 0.72 (XNNPACK packs its right-hand operand, `dy`, at every call: about
 * 2.5–5 ns a value). Other backends: plain ops.
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

/** `dy` summed over all but its last axis, as the row sums of `dyᵀ`, in the shape of the vector. */
export function sumToLastAxis(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const width = dy.shape[dy.rank - 1];
  if (shape.length !== 1 || shape[0] !== width) {
    throw new Error(
      `expected a vector of ${width} values over the last axis, got [${shape.join(', ')}]`,
    );
  }
  const rows = dy.size / width;
  return tf.sum(tf.transpose(tf.reshape(dy, [rows, width])), 1);
}

function swapLast(x: tf.Tensor): tf.Tensor {
  return x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [0, 2, 1]);
}

/**
 * Fewest rows per slice from which a batched product runs slice by slice on wasm: below, the
 * scalar loop costs less than packing each slice's right-hand operand for XNNPACK (a decoding
 * step's one query row per head).
 */
const SLICED_ROWS_MIN = 8;

/**
 * `x · y` of untransposed operands, 2-D or 3-D (`y`'s batch equal to `x`'s, or 1). On wasm only
 * products XNNPACK runs: tfjs-backend-wasm 4.22 takes a product to XNNPACK only at batch 1 and
 * runs a batch through a scalar loop (attention's `[32, 64, 64]·[32, 64, 32]` at 1.5–2.6 GFLOP/s,
 * 2-D products at 15–30), so a batch goes through the lab's `SlicedMatMul` kernel (one XNNPACK
 * product per slice, `runtime/wasmKernels.ts`), and a shared right-hand matrix multiplies every
 * row of the batch at once.
 */
function plainProduct(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (x.rank !== 3 || !explicitTransposes()) return tf.matMul(x, y);
  const [n, m, k] = x.shape;
  const p = y.shape[y.rank - 1];
  if (y.rank === 2 || y.shape[0] === 1) {
    const rows = tf.matMul(tf.reshape(x, [n * m, k]), tf.reshape(y, [k, p]));
    return tf.reshape(rows, [n, m, p]);
  }
  if (n === 1 || m < SLICED_ROWS_MIN) return tf.matMul(x, y);
  return tf.engine().runKernel(SLICED_MATMUL, { a: x, b: y }) as tf.Tensor;
}

/** Most bytes of the elementwise products `rowDots` makes in one go (at most ~20 MB in a decoding step). */
const ROW_DOTS_MAX_BYTES = 64 * 2 ** 20;

/**
 * Whether `a · bᵀ` is a decoding step's kind, outside any gradient: `a: [n, m, k]` with fewer than
 * `SLICED_ROWS_MIN` rows per slice (a key/value head's query rows) against `b: [n, p, k]` (its
 * cached keys), whose elementwise products fit `ROW_DOTS_MAX_BYTES`.
 */
function fewRowsAgainstRows(a: tf.Tensor, b: tf.Tensor): boolean {
  if (a.rank !== 3 || b.rank !== 3 || tf.engine().state.gradientDepth > 0) return false;
  const [n, m, k] = a.shape;
  const [nb, p, kb] = b.shape;
  return n === nb && k === kb && m < SLICED_ROWS_MIN && 4 * n * m * p * k <= ROW_DOTS_MAX_BYTES;
}

/**
 * `a · bᵀ` as `Σ_k a[:, :, None, :]·b[:, None, :, :]`: an elementwise product and a sum along the
 * last axis. The product took a transpose of `b` (a `[n, p, k]` copy) and tfjs-backend-wasm's
 * scalar batched loop, which this halves and more (a built-in model's decoding step: 1.5 ms to
 * 0.45 ms per block). The loop sums each `k` in blocks of 48 (`batch_mat_mul_impl.cc`); for up to
 * 49 this is the same sum in the same order, bit for bit (head widths of 32, the built-in
 * model's); wider heads (64, 128) round differently.
 */
function rowDots(a: tf.Tensor, b: tf.Tensor): tf.Tensor3D {
  const [n, m, k] = a.shape;
  const p = b.shape[1] as number;
  return tf.tidy(
    () =>
      tf.sum(tf.mul(tf.reshape(a, [n, m, 1, k]), tf.reshape(b, [n, 1, p, k])), -1) as tf.Tensor3D,
  );
}

/** On wasm (whose kernels `plainProduct` needs installed), products are plain and 2-D or sliced. */
function explicitTransposes(): boolean {
  return runsOnWasm();
}
