/**
 * tfjs-backend-wasm's own kernels done by the lab's SIMD module (`simdKernels.ts`) where it runs:
 * `Transpose`, `Concat` and `BatchMatMul` (and the sliced attention products of `wasmKernels.ts`,
 * through `simdProducts`). Each returns null for what it does not take, and `wasmKernels.ts` then
 * runs its own path or tfjs's. Values are moved as tfjs moves them, and products summed as XNNPACK
 * sums them: the same bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelsFor, offsetOf, type WasmBackend } from './simdKernels';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * tfjs's `Transpose` on wasm in SIMD, or null for what it leaves to `wasmKernels.ts` (and without
 * the kernels). Two cases, whose values are only moved (the same bit for bit):
 * - the last two axes of a float32 tensor whose last two sides are multiples of 4, `[…, r, c]` to
 *   `[…, c, r]`: one kernel of 4×4 blocks through registers, in 64×8 tiles;
 * - `[a, b, c, d]` by `[0, 2, 1, 3]` (attention's heads taken out of the tokens and put back):
 *   runs of `d` values copied whole (tfjs's loop moves them one by one).
 */
export function simdTranspose(args: KernelArgs): tf.TensorInfo | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  const perm = (args.attrs as unknown as { perm: number[] }).perm;
  const rank = x.shape.length;
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || rank < 2) return null;
  const backend = args.backend as unknown as WasmBackend;
  const kernels = kernelsFor(backend);
  if (!kernels) return null;
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  if (rank === 4 && perm.join() === '0,2,1,3') {
    const [a, b, c, d] = x.shape;
    if (d < 4) return null;
    const out = backend.makeOutput([a, c, b, d], x.dtype);
    const [from, to] = [at(x), at(out)];
    for (let i = 0; i < a; i++) {
      for (let k = 0; k < c; k++) {
        // Row k of every b: runs of d values, c·d apart in x and d apart in the output.
        kernels.copyRuns(
          from + 4 * ((i * b * c + k) * d),
          4 * c * d,
          to + 4 * ((i * c + k) * b * d),
          4 * d,
          b,
          4 * d,
        );
      }
    }
    return out;
  }
  if (x.dtype !== 'float32') return null;
  if (perm.some((axis, i) => axis !== (i < rank - 2 ? i : 2 * rank - 3 - i))) return null;
  const [rows, cols] = x.shape.slice(-2);
  if (rows % 4 !== 0 || cols % 4 !== 0) return null;
  const count = tf.util.sizeFromShape(x.shape.slice(0, -2));
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
  if (count * rows * cols === 0) return out;
  kernels.transpose(at(x), at(out), count, rows, cols);
  return out;
}

/**
 * tfjs's `Concat` of float32 or int32 tensors on wasm as one bulk copy per part (runs of each
 * part's inner size into its place in each row of the output), where tfjs made a typed-array view
 * per run (1,536 for attention's q, k and v gradients: 0.45 ms against about 0.05); null for
 * anything else, or without the kernels.
 */
export function simdConcat(args: KernelArgs): tf.TensorInfo | null {
  const inputs = args.inputs as unknown as tf.TensorInfo[];
  if (inputs.length < 2) return null;
  const dtype = inputs[0].dtype;
  if ((dtype !== 'float32' && dtype !== 'int32') || inputs.some((t) => t.dtype !== dtype)) {
    return null;
  }
  const backend = args.backend as unknown as WasmBackend;
  const kernels = kernelsFor(backend);
  if (!kernels) return null;
  const shapes = inputs.map((t) => t.shape);
  const axis = tf.util.parseAxisParam(
    (args.attrs as unknown as { axis: number }).axis,
    shapes[0],
  )[0];
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const outShape = tf.backend_util.computeOutShape(shapes, axis);
  const out = backend.makeOutput(outShape, dtype);
  const rows = tf.util.sizeFromShape(shapes[0].slice(0, axis));
  const inner = shapes.map((shape) => tf.util.sizeFromShape(shape.slice(axis)));
  const total = inner.reduce((sum, n) => sum + n, 0);
  const to = offsetOf(backend, out);
  let offset = 0;
  inputs.forEach((input, i) => {
    if (inner[i] > 0 && rows > 0) {
      const from = offsetOf(backend, input);
      kernels.copyRuns(from, 4 * inner[i], to + 4 * offset, 4 * total, rows, 4 * inner[i]);
    }
    offset += inner[i];
  });
  return out;
}

/** Columns of B packed at a time by `gemmBatch` (its scratch: k·64 floats). */
const GEMM_PANEL = 64;

/**
 * Multiply-adds from which a product goes to XNNPACK when it has more than one thread: the lab's
 * product runs on one, and XNNPACK's pool splits a large product across its threads.
 */
const THREADED_PRODUCT_MIN = 2 ** 20;

/** XNNPACK's threads on `backend` (1 unless the page is cross-origin isolated). */
function threadsOf(backend: WasmBackend): number {
  return backend.wasm.tfjs?.getThreadsCount?.() ?? 1;
}

/**
 * `count` products `A·B` (A `[m, k]`, B `[k, n]`, n a multiple of 8) through the SIMD kernel, from
 * and into the backend's memory at byte offsets: each slice's A and output after the last, B
 * after the last by `bStride` bytes (0: one B for all). False without the kernels or for another
 * shape, and nothing is written.
 */
export function simdProducts(
  backendInfo: unknown,
  offsets: { a: number; b: number; out: number },
  count: number,
  [m, k, n]: [number, number, number],
  bStride: number,
): boolean {
  const backend = backendInfo as WasmBackend;
  const kernels = kernelsFor(backend);
  if (!kernels || n % 8 !== 0 || m === 0 || n === 0) return false;
  const pack = backend.makeOutput([Math.max(1, k) * GEMM_PANEL], 'float32');
  try {
    const at = offsetOf(backend, pack);
    kernels.gemmBatch(offsets.a, offsets.b, offsets.out, count, m, k, n, bStride, GEMM_PANEL, at);
  } finally {
    backend.disposeData(pack.dataId);
  }
  return true;
}

/**
 * tfjs's `BatchMatMul` on wasm through the SIMD kernel: untransposed float32 operands, `[…, m, k]`
 * times `[…, k, n]` with n a multiple of 8 and the same batch, or one B for all. The same values
 * as XNNPACK's products bit for bit (each output summed in k's order), 46–48 GFLOP/s where
 * XNNPACK's ran 34–36 here, and a batch without tfjs's scalar loop (whose blocks of 48 terms summed
 * apart made its values differ in the last bits beyond 48). Null for anything else, and
 * for one large product when XNNPACK has threads to split it over.
 */
export function simdBatchMatMul(args: KernelArgs): tf.TensorInfo | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
  };
  if (transposeA || transposeB || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const [m, k] = a.shape.slice(-2);
  const [kb, n] = b.shape.slice(-2);
  // An empty inner axis is summed to zeros here (tfjs's kernel left its output unwritten).
  if (k !== kb || n % 8 !== 0) return null;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const sizeB = tf.util.sizeFromShape(batchB);
  // One B for every slice of A, or a B per slice; no other broadcast.
  if (sizeB !== 1 && batchA.join() !== batchB.join()) return null;
  if (batchB.length > batchA.length) return null;
  const backend = args.backend as unknown as WasmBackend;
  if (!kernelsFor(backend)) return null;
  const count = tf.util.sizeFromShape(batchA);
  // One large product over several threads: XNNPACK's (a batch is a scalar loop there, so ours).
  if (count === 1 && m * k * n >= THREADED_PRODUCT_MIN && threadsOf(backend) > 1) return null;
  const out = backend.makeOutput([...batchA, m, n], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  if (count * m * n === 0) return out;
  simdProducts(
    backend,
    { a: at(a), b: at(b), out: at(out) },
    count,
    [m, k, n],
    sizeB === 1 ? 0 : 4 * k * n,
  );
  return out;
}
