import * as tf from '@tensorflow/tfjs';
import { simdKernelsAvailable } from '../runtime/simdKernels';

/**
 * Where the time of a training step goes on wasm, kernel by kernel (`npm run bench -- --profile`).
 *
 * tfjs-backend-wasm 4.22 runs a matrix product through XNNPACK only when neither operand is
 * transposed and both have a batch of 1 (`batch_mat_mul_impl.cc`: `!transpose_a && !transpose_b
 * && a_shape[0] == 1 && b_shape[0] == 1`); every other product runs a blocked scalar loop, ten
 * times slower here. The profile says how much of a step each kernel takes and, for products,
 * which of the two paths it took.
 *
 * How: every kernel registered for the backend is re-registered with its `kernelFunc` wrapped in
 * `performance.now()`. wasm (and cpu) kernels compute synchronously inside `kernelFunc`, so the
 * wrapper times the work itself; on WebGPU or WebGL it would time only the dispatch, so the profile
 * refuses them. A kernel that runs another through the registry is charged its own time only
 * (the inner one's is subtracted). Outside a cross-origin-isolated page the clock is coarsened to
 * 100 µs with random jitter, which averages out over the thousands of calls of a few steps.
 */

/** The kernels that multiply matrices on wasm, and whose path the profile splits. */
export const PRODUCT_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

/**
 * The fast path — XNNPACK's packed product, or the lab's SIMD product where it runs
 * (`runtime/simdKernels.ts`, which takes XNNPACK's cases and untransposed batches) — or the scalar
 * loop of every other case. (The name is the JSON's, `products.xnnpack`, kept as it was.)
 */
export type ProductPath = 'xnnpack' | 'scalar';

/** What a product kernel was called with: its operands' shapes and transpose flags. */
export interface ProductCall {
  aShape: readonly number[];
  bShape: readonly number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Batch of an operand as the wasm kernel sees it: the product of every axis before the last two. */
function batchOf(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((n, d) => n * d, 1);
}

/**
 * The path tfjs-backend-wasm 4.22 takes for a product: XNNPACK for an untransposed product of
 * batch 1 on both sides (a 2-D product, or 3-D with a leading 1), the scalar loop otherwise — and
 * with the lab's SIMD kernels (`simd`) also an untransposed batch whose B has columns in multiples
 * of 8 and the same batch or one B for all.
 */
export function productPath(call: ProductCall, simd = simdKernelsAvailable()): ProductPath {
  const plain = !call.transposeA && !call.transposeB;
  if (!plain) return 'scalar';
  const [batchA, batchB] = [batchOf(call.aShape), batchOf(call.bShape)];
  if (batchA === 1 && batchB === 1) return 'xnnpack';
  const columns = call.bShape[call.bShape.length - 1];
  return simd && columns % 8 === 0 && (batchB === 1 || batchB === batchA) ? 'xnnpack' : 'scalar';
}

/** Floating-point operations of a product (two per multiply-add), broadcast batch included. */
export function productFlops(call: ProductCall): number {
  const { aShape: a, bShape: b } = call;
  const rows = call.transposeA ? a[a.length - 1] : a[a.length - 2];
  const inner = call.transposeA ? a[a.length - 2] : a[a.length - 1];
  const columns = call.transposeB ? b[b.length - 2] : b[b.length - 1];
  return 2 * Math.max(batchOf(a), batchOf(b)) * rows * inner * columns;
}

/** `[a]·[b]` with its flags, e.g. `[32,64,32]·[32,64,32]ᵀ`: how the profile names a call's shape. */
export function describeProduct(call: ProductCall): string {
  const shape = (s: readonly number[], transposed: boolean) =>
    `[${s.join(',')}]${transposed ? 'ᵀ' : ''}`;
  return `${shape(call.aShape, call.transposeA)}·${shape(call.bShape, call.transposeB)}`;
}

/** A product kernel's call, read from the kernel's inputs and attributes; null for any other kernel. */
export function productCall(
  kernelName: string,
  inputs: Record<string, { shape: readonly number[] } | undefined>,
  attrs: Record<string, unknown> | undefined,
): ProductCall | null {
  if (!(PRODUCT_KERNELS as readonly string[]).includes(kernelName)) return null;
  const { a, b } = inputs;
  if (!a || !b) return null;
  return {
    aShape: a.shape,
    bShape: b.shape,
    transposeA: attrs?.transposeA === true,
    transposeB: attrs?.transposeB === true,
  };
}

export interface KernelTime {
  kernel: string;
  /** Calls per profiled step. */
  calls: number;
  /** Milliseconds per profiled step, the kernel's own time (kernels it ran through the registry excluded). */
  msPerStep: number;
  /**
   * The same from each call shape's median call (× its calls): what the kernel takes when the
   * thread is not preempted mid-call. On a machine shared with other work the total above also
   * holds the time other processes ran; this one mostly does not. With a coarse clock (a page that
   * is not cross-origin isolated: 100 µs steps) a kernel shorter than a step has a median of 0, so
   * there it undercounts short kernels; the total does not (the clock's jitter averages out).
   */
  typicalMsPerStep: number;
}

export interface ProductPathTime {
  calls: number;
  msPerStep: number;
  typicalMsPerStep: number;
  /** FLOPs per step on this path, and their rate in the path's kernels (from `msPerStep`). */
  gflopPerStep: number;
  gflopsPerSecond: number;
}

/** One product shape and its path, with its time: the scalar ones are what is left to move. */
export interface ProductShapeTime {
  kernel: string;
  shape: string;
  path: ProductPath;
  calls: number;
  msPerStep: number;
  typicalMsPerStep: number;
  gflopsPerSecond: number;
}

export interface KernelProfile {
  backend: string;
  /** Steps the figures are averaged over. */
  steps: number;
  /** Every kernel's time per step, most first. */
  kernels: KernelTime[];
  /** Time in any kernel per step; the rest of a step is JavaScript (tape, tidy, optimizer bookkeeping). */
  kernelMsPerStep: number;
  typicalKernelMsPerStep: number;
  products: Record<ProductPath, ProductPathTime>;
  /** Products by kernel, shape and path, most time first. */
  productShapes: ProductShapeTime[];
  /** Every kernel by its inputs' shapes (`Transpose [[512,384]]`), most time first. */
  callShapes: { call: string; calls: number; msPerStep: number; typicalMsPerStep: number }[];
}

export interface KernelProfiler {
  /** Starts counting (after warm-up steps). */
  begin(): void;
  /** Marks one profiled step done: the figures are per step. */
  step(): void;
  /** The figures so far. */
  report(): KernelProfile;
  /** Puts the backend's own kernels back. Idempotent. */
  stop(): void;
}

/** Backends whose kernels compute synchronously inside `kernelFunc`, so that wrapping times them. */
const SYNCHRONOUS_BACKENDS = ['wasm', 'cpu'];

/** The calls of one kernel with one set of input shapes (and, for a product, flags). */
interface CallRecord {
  kernel: string;
  product: (ProductCall & { path: ProductPath; flops: number }) | null;
  /** Each call's own milliseconds. */
  ms: number[];
}

function shapeKey(kernel: string, inputs: Record<string, unknown>, product: ProductCall | null) {
  if (product) return `${kernel} ${describeProduct(product)}`;
  const shapes = Object.values(inputs).map((t) => (t as { shape?: number[] } | undefined)?.shape);
  return `${kernel} ${JSON.stringify(shapes)}`;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Throws, in one line, unless the kernels of `backend` can be profiled (wasm, cpu). */
export function checkProfilable(backend: string = tf.getBackend()): void {
  if (!SYNCHRONOUS_BACKENDS.includes(backend)) {
    throw new Error(
      `the kernel profile times synchronous kernels: ${SYNCHRONOUS_BACKENDS.join(' or ')}, not ${backend}`,
    );
  }
}

/**
 * Wraps every kernel registered for `backend` (default: the active one) with a timer; nothing is
 * counted until `begin()`. `now` is the clock (tests pass a fake one). Kernels registered after
 * this call are not timed: profile once the steps have run (the lab's own kernels register on
 * first use).
 */
export function profileKernels(
  backend: string = tf.getBackend(),
  now: () => number = () => performance.now(),
): KernelProfiler {
  checkProfilable(backend);
  const originals = tf.getKernelsForBackend(backend);
  const records = new Map<string, CallRecord>();
  let counting = false;
  let steps = 0;
  // Time spent in kernels called from inside the running one, per nesting level.
  const inner: number[] = [];
  const record = (name: string, args: Parameters<tf.KernelFunc>[0], own: number) => {
    const inputs = args.inputs as Record<string, { shape: number[] } | undefined>;
    const call = productCall(name, inputs, args.attrs as Record<string, unknown> | undefined);
    const key = shapeKey(name, inputs, call);
    let entry = records.get(key);
    if (!entry) {
      const product = call ? { ...call, path: productPath(call), flops: productFlops(call) } : null;
      entry = { kernel: name, product, ms: [] };
      records.set(key, entry);
    }
    entry.ms.push(own);
  };
  for (const config of originals) {
    const run = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (!counting) return run(args);
        inner.push(0);
        const start = now();
        try {
          return run(args);
        } finally {
          const elapsed = now() - start;
          const nested = inner.pop() ?? 0;
          if (inner.length > 0) inner[inner.length - 1] += elapsed;
          record(name, args, elapsed - nested);
        }
      },
    });
  }
  let stopped = false;
  return {
    begin() {
      counting = true;
    },
    step() {
      if (counting) steps++;
    },
    report() {
      const per = (value: number) => (steps > 0 ? value / steps : 0);
      const total = (ms: number[]) => ms.reduce((sum, t) => sum + t, 0);
      const typical = (ms: number[]) => medianOf(ms) * ms.length;
      const byKernel = new Map<string, { calls: number; ms: number; typical: number }>();
      const paths: Record<
        ProductPath,
        { calls: number; ms: number; typical: number; flops: number }
      > = {
        xnnpack: { calls: 0, ms: 0, typical: 0, flops: 0 },
        scalar: { calls: 0, ms: 0, typical: 0, flops: 0 },
      };
      const productShapes: ProductShapeTime[] = [];
      const callShapes: KernelProfile['callShapes'] = [];
      for (const [call, { kernel, product, ms }] of records) {
        callShapes.push({
          call,
          calls: per(ms.length),
          msPerStep: per(total(ms)),
          typicalMsPerStep: per(typical(ms)),
        });
        const kernelTally = byKernel.get(kernel) ?? { calls: 0, ms: 0, typical: 0 };
        kernelTally.calls += ms.length;
        kernelTally.ms += total(ms);
        kernelTally.typical += typical(ms);
        byKernel.set(kernel, kernelTally);
        if (!product) continue;
        const path = paths[product.path];
        path.calls += ms.length;
        path.ms += total(ms);
        path.typical += typical(ms);
        path.flops += product.flops * ms.length;
        productShapes.push({
          kernel,
          shape: describeProduct(product),
          path: product.path,
          calls: per(ms.length),
          msPerStep: per(total(ms)),
          typicalMsPerStep: per(typical(ms)),
          gflopsPerSecond: (product.flops * ms.length) / total(ms) / 1e6,
        });
      }
      const kernels = [...byKernel]
        .map(([kernel, t]) => ({
          kernel,
          calls: per(t.calls),
          msPerStep: per(t.ms),
          typicalMsPerStep: per(t.typical),
        }))
        .sort((x, y) => y.msPerStep - x.msPerStep);
      const pathTime = (t: (typeof paths)[ProductPath]): ProductPathTime => ({
        calls: per(t.calls),
        msPerStep: per(t.ms),
        typicalMsPerStep: per(t.typical),
        gflopPerStep: per(t.flops) / 1e9,
        gflopsPerSecond: t.ms > 0 ? t.flops / t.ms / 1e6 : 0,
      });
      return {
        backend,
        steps,
        kernels,
        kernelMsPerStep: kernels.reduce((sum, k) => sum + k.msPerStep, 0),
        typicalKernelMsPerStep: kernels.reduce((sum, k) => sum + k.typicalMsPerStep, 0),
        products: { xnnpack: pathTime(paths.xnnpack), scalar: pathTime(paths.scalar) },
        productShapes: productShapes.sort((x, y) => y.msPerStep - x.msPerStep),
        callShapes: callShapes.sort((x, y) => y.msPerStep - x.msPerStep),
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      counting = false;
      for (const config of originals) {
        tf.unregisterKernel(config.kernelName, backend);
        tf.registerKernel(config);
      }
    },
  };
}
