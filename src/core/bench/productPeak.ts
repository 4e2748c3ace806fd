import * as tf from '@tensorflow/tfjs';

/**
 * The platform's peak for the bench's `fractionOfPeak`: the best rate of one large plain matrix
 * product, `[n, n]·[n, n]` untransposed and 2-D — on wasm the case tfjs-backend-wasm sends to
 * XNNPACK, the fastest thing this backend does — measured in the worker that trains, on its
 * backend and thread count, so a step's GFLOP/s divided by it says how much of what the backend
 * can do the step gets. Best of `trials` after `warmup` untimed products (V8 tiers the wasm code
 * up while it runs hot).
 */
export interface ProductPeak {
  /** The product's side: 2·n³ FLOPs. */
  size: number;
  trials: number;
  /** Each timed product, in order. */
  ms: number[];
  bestMs: number;
  gflopsPerSecond: number;
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
  const ms: number[] = [];
  try {
    for (let i = 0; i < warmup + trials; i++) {
      const start = now();
      const product = tf.matMul(a, b);
      // Elsewhere the kernel is queued: its result is waited for (a read-back of n² values).
      if (!synchronous) await product.data();
      const elapsed = now() - start;
      product.dispose();
      if (i >= warmup) ms.push(elapsed);
    }
  } finally {
    tf.dispose([a, b]);
  }
  const bestMs = Math.min(...ms);
  return { size, trials, ms, bestMs, gflopsPerSecond: (2 * size ** 3) / bestMs / 1e6 };
}
