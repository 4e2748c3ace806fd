import * as tf from '@tensorflow/tfjs';
import { kernelsFor, setSimdKernels } from '../runtime/simdKernels';

/**
 * The platform's peak for the bench's `fractionOfPeak`: the best rate of one large plain matrix
 * product, `[n, n]·[n, n]` untransposed and 2-D — on wasm the case tfjs-backend-wasm sends to
 * XNNPACK, the fastest thing this backend does — measured in the worker that trains, on its
 * backend and thread count, so a step's GFLOP/s divided by it says how much of what the backend
 * can do the step gets. Best of `trials` after `warmup` untimed products (V8 tiers the wasm code
 * up while it runs hot).
 *
 * On wasm the lab's SIMD product (`runtime/simdKernels.ts`) runs `tf.matMul`, faster than
 * XNNPACK's on this machine (46–48 GFLOP/s against 34–36): the same product is then timed with
 * the SIMD kernels off too, XNNPACK's, and the peak is the better of the two.
 */
export interface ProductPeak {
  /** The product's side: 2·n³ FLOPs. */
  size: number;
  trials: number;
  /** Each timed product, in order. */
  ms: number[];
  bestMs: number;
  /** The peak: the better of the backend's product and (on wasm) XNNPACK's. */
  gflopsPerSecond: number;
  /** wasm with the lab's SIMD kernels: XNNPACK's own product, timed the same way. */
  xnnpackGflopsPerSecond?: number;
}

export interface ProductPeakOptions {
  size?: number;
  trials?: number;
  warmup?: number;
}

/** Backends whose kernels have computed when `tf.matMul` returns: the call alone is timed there. */
const SYNCHRONOUS = ['wasm', 'cpu'];

export async function measureProductPeak(
  options: ProductPeakOptions = {},
  now: () => number = () => performance.now(),
): Promise<ProductPeak> {
  const size = options.size ?? 1024;
  const trials = options.trials ?? 8;
  const warmup = options.warmup ?? 3;
  for (const [name, value, least] of [
    ['size', size, 1],
    ['trials', trials, 1],
    ['warmup', warmup, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < least) {
      throw new Error(`productPeak: ${name} must be an integer ≥ ${least} (got ${value})`);
    }
  }
  const a = tf.randomNormal([size, size], 0, 1, 'float32', 1);
  const b = tf.randomNormal([size, size], 0, 1, 'float32', 2);
  const synchronous = SYNCHRONOUS.includes(tf.getBackend());
  const time = async () => {
    const ms: number[] = [];
    for (let i = 0; i < warmup + trials; i++) {
      const start = now();
      const product = tf.matMul(a, b);
      // Elsewhere the kernel is queued: its result is waited for (a read-back of n² values).
      if (!synchronous) await product.data();
      const elapsed = now() - start;
      product.dispose();
      if (i >= warmup) ms.push(elapsed);
    }
    return ms;
  };
  const rate = (bestMs: number) => (2 * size ** 3) / bestMs / 1e6;
  try {
    const ms = await time();
    const bestMs = Math.min(...ms);
    const peak: ProductPeak = { size, trials, ms, bestMs, gflopsPerSecond: rate(bestMs) };
    if (tf.getBackend() === 'wasm' && kernelsFor(tf.backend() as never)) {
      setSimdKernels(false);
      try {
        const xnnpack = rate(Math.min(...(await time())));
        peak.xnnpackGflopsPerSecond = xnnpack;
        peak.gflopsPerSecond = Math.max(peak.gflopsPerSecond, xnnpack);
      } finally {
        setSimdKernels(true);
      }
    }
    return peak;
  } finally {
    tf.dispose([a, b]);
  }
}
