/**
 * The kernel profile (`bench/kernelProfile.ts`): which path tfjs-backend-wasm 4.22 takes for a
 * product, how many FLOPs it counts, and the profiler's own bookkeeping — own time of nested
 * kernels, per-step figures, products split by path, the backend's kernels put back.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  describeProduct,
  productCall,
  productFlops,
  productPath,
  profileKernels,
  type ProductCall,
} from '../../../src/core/bench/kernelProfile';
import { useBackend } from '../support/backend';

const call = (
  aShape: number[],
  bShape: number[],
  transposeA = false,
  transposeB = false,
): ProductCall => ({ aShape, bShape, transposeA, transposeB });

describe('productPath', () => {
  it('is XNNPACK for untransposed products of batch 1 only', () => {
    expect(productPath(call([512, 128], [128, 384]))).toBe('xnnpack');
    expect(productPath(call([1, 64, 32], [1, 32, 64]))).toBe('xnnpack');
    expect(productPath(call([1, 1, 64, 32], [32, 64]))).toBe('xnnpack');
    expect(productPath(call([512, 128], [384, 128], false, true))).toBe('scalar');
    expect(productPath(call([128, 512], [128, 384], true, false))).toBe('scalar');
    expect(productPath(call([32, 64, 32], [32, 32, 64]))).toBe('scalar');
    // A shared right-hand matrix does not help: the left operand's batch is more than 1.
    expect(productPath(call([8, 64, 128], [128, 384]))).toBe('scalar');
    expect(productPath(call([64, 128], [4, 128, 32]))).toBe('scalar');
  });

  it('counts two FLOPs per multiply-add, transposes and broadcast batches included', () => {
    expect(productFlops(call([512, 128], [128, 384]))).toBe(2 * 512 * 128 * 384);
    expect(productFlops(call([128, 512], [384, 128], true, true))).toBe(2 * 512 * 128 * 384);
    expect(productFlops(call([32, 64, 32], [32, 64, 32], false, true))).toBe(2 * 32 * 64 * 32 * 64);
    expect(productFlops(call([8, 64, 128], [128, 384]))).toBe(2 * 8 * 64 * 128 * 384);
  });

  it('names a call by its shapes and flags, and reads it from kernel inputs', () => {
    expect(describeProduct(call([32, 64, 32], [32, 64, 32], false, true))).toBe(
      '[32,64,32]·[32,64,32]ᵀ',
    );
    const inputs = { a: { shape: [4, 5] }, b: { shape: [6, 5] } };
    expect(productCall('BatchMatMul', inputs, { transposeB: true })).toEqual(
      call([4, 5], [6, 5], false, true),
    );
    expect(productCall('_FusedMatMul', inputs, {})).toEqual(call([4, 5], [6, 5]));
    expect(productCall('Add', inputs, {})).toBeNull();
  });
});

describe('profileKernels', () => {
  beforeAll(() => useBackend('cpu'));

  it('times each kernel by its own time, per step, and splits products by path', async () => {
    // A fake clock: every reading advances it by 1 ms, so a call's time is the readings inside it.
    let clock = 0;
    const profiler = profileKernels('cpu', () => clock++);
    const a = tf.ones([4, 3]);
    const b = tf.ones([3, 2]);
    try {
      // Not counted before begin().
      tf.tidy(() => tf.matMul(a, b, false, false));
      profiler.begin();
      for (let step = 0; step < 2; step++) {
        tf.tidy(() => {
          tf.matMul(a, b); // XNNPACK's path
          tf.matMul(a, a, false, true); // scalar: transposed
          tf.add(a, a);
        });
        profiler.step();
      }
      const report = profiler.report();
      expect(report.steps).toBe(2);
      expect(report.products.xnnpack.calls).toBe(1);
      expect(report.products.scalar.calls).toBe(1);
      expect(report.products.xnnpack.gflopPerStep).toBeCloseTo((2 * 4 * 3 * 2) / 1e9, 15);
      expect(report.productShapes.map((p) => [p.shape, p.path])).toEqual(
        expect.arrayContaining([
          ['[4,3]·[3,2]', 'xnnpack'],
          ['[4,3]·[4,3]ᵀ', 'scalar'],
        ]),
      );
      const names = report.kernels.map((k) => k.kernel);
      expect(names).toContain('BatchMatMul');
      expect(names).toContain('Add');
      for (const k of report.kernels) {
        // Two readings per call, one apart: 1 ms a call, whatever ran inside it.
        expect(k.msPerStep).toBe(k.calls);
      }
      expect(report.kernelMsPerStep).toBe(report.kernels.reduce((n, k) => n + k.calls, 0));
    } finally {
      profiler.stop();
      tf.dispose([a, b]);
    }
  });

  it('charges a kernel that runs another through the registry its own time only', () => {
    let clock = 0;
    // An outer kernel calling the registry's Add: 3 readings of its own around Add's two.
    const outer: tf.KernelFunc = (args) => {
      clock += 10;
      const add = tf.getKernel('Add', 'cpu') as tf.KernelConfig;
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      return add.kernelFunc({ ...args, inputs: { a: x, b: x }, attrs: {} }) as tf.TensorInfo;
    };
    tf.registerKernel({ kernelName: 'ProfileTestOuter', backendName: 'cpu', kernelFunc: outer });
    const profiler = profileKernels('cpu', () => clock++);
    try {
      profiler.begin();
      tf.tidy(() => tf.engine().runKernel('ProfileTestOuter', { x: tf.ones([2]) }));
      profiler.step();
      const byName = new Map(profiler.report().kernels.map((k) => [k.kernel, k.msPerStep]));
      // Add: its two readings, 1 ms. The outer: 10 ms of its own plus one tick, Add's excluded.
      expect(byName.get('Add')).toBe(1);
      expect(byName.get('ProfileTestOuter')).toBe(12);
    } finally {
      profiler.stop();
      tf.unregisterKernel('ProfileTestOuter', 'cpu');
    }
  });

  it('puts the backend’s own kernels back, and refuses a backend that queues its kernels', () => {
    const before = tf.getKernel('BatchMatMul', 'cpu')?.kernelFunc;
    const profiler = profileKernels('cpu');
    expect(tf.getKernel('BatchMatMul', 'cpu')?.kernelFunc).not.toBe(before);
    profiler.stop();
    profiler.stop();
    expect(tf.getKernel('BatchMatMul', 'cpu')?.kernelFunc).toBe(before);
    expect(() => profileKernels('webgpu')).toThrow(
      'the kernel profile times synchronous kernels: wasm or cpu, not webgpu',
    );
  });
});
