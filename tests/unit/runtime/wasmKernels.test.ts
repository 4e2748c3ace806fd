/**
 * The lab's wasm kernels (`runtime/wasmKernels.ts`, and the SIMD transpose of `simdKernels.ts`)
 * give what tfjs's cpu backend gives: bit for bit where they only move values (transpose, gather,
 * slice, split, clone), and to float rounding for the sliced product — on the shapes that take
 * their own path and on those left to tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileKernels } from '../../../src/core/bench/kernelProfile';
import { createRng } from '../../../src/core/random';
import { setSimdKernels } from '../../../src/core/runtime/simdKernels';
import { SLICED_MATMUL, useWasmKernels } from '../../../src/core/runtime/wasmKernels';
import { useBackend } from '../support/backend';

function values(shape: number[], seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

/** `op` on cpu and on wasm with the lab's kernels, each output read back. */
async function onBoth(op: () => tf.Tensor | tf.Tensor[]) {
  const read = async () => {
    const out = tf.tidy(op);
    const list = Array.isArray(out) ? out : [out];
    const result = await Promise.all(
      list.map(async (t) => ({ shape: t.shape, data: Array.from(await t.data()) })),
    );
    tf.dispose(list);
    return result;
  };
  await useBackend('cpu');
  const expected = await read();
  await useBackend('wasm');
  expect(useWasmKernels()).toBe(true);
  return { expected, actual: await read() };
}

describe('the lab wasm kernels', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('wasm'));

  const transposes: [number[], number[]][] = [
    [
      [512, 384],
      [1, 0],
    ], // blocked along the columns
    [
      [200, 96],
      [1, 0],
    ], // 96 columns: blocked
    [
      [256, 130],
      [1, 0],
    ], // 130 columns (no blocks of 8), 256 rows: blocked along the rows
    [
      [3, 257, 131],
      [0, 2, 1],
    ], // neither side in blocks of 8: tfjs's own
    [
      [2, 3, 128, 256],
      [0, 1, 3, 2],
    ], // a batch of matrices
    [
      [3, 36, 44],
      [0, 2, 1],
    ], // SIMD: tiles of 32 that do not divide the sides
    [
      [16, 9],
      [1, 0],
    ], // small: tfjs's own
    [
      [4, 64, 8, 32],
      [0, 2, 1, 3],
    ], // not the last two axes: tfjs's own
  ];
  for (const [shape, perm] of transposes) {
    for (const simd of [true, false]) {
      it(`transposes [${shape.join(', ')}] by [${perm.join(', ')}] as the cpu backend (SIMD kernels ${simd ? 'on' : 'off'})`, async () => {
        setSimdKernels(simd);
        try {
          const { expected, actual } = await onBoth(() =>
            tf.transpose(tf.tensor(values(shape, 1), shape), perm),
          );
          expect(actual).toEqual(expected);
        } finally {
          setSimdKernels(true);
        }
      });
    }
  }

  it('gathers whole rows as the cpu backend, and refuses an index outside the table', async () => {
    const ids = [5, 0, 255, 5, 17, 128];
    const { expected, actual } = await onBoth(() => [
      tf.gather(tf.tensor(values([256, 40], 2), [256, 40]), tf.tensor1d(ids, 'int32')),
      tf.gather(tf.tensor(values([256, 40], 2), [256, 40]), tf.tensor2d(ids, [2, 3], 'int32')),
      // Not whole rows of a matrix: tfjs's own.
      tf.gather(tf.tensor(values([6, 4, 5], 3), [6, 4, 5]), tf.tensor1d([1, 0, 3], 'int32'), 1),
    ]);
    expect(actual).toEqual(expected);
    expect(() => tf.tidy(() => tf.gather(tf.zeros([4, 3]), tf.tensor1d([1, 4], 'int32')))).toThrow(
      'GatherV2: the index value 4 is not in [0, 3]',
    );
  });

  it('slices and splits as the cpu backend', async () => {
    const x = (shape: number[]) => tf.tensor(values(shape, 4), shape);
    const { expected, actual } = await onBoth(() => [
      tf.slice(x([512, 384]), [0, 128], [512, 128]), // columns: one run per row
      tf.slice(x([8, 64, 32]), [2, 0, 0], [3, 64, 32]), // whole trailing axes: one run
      tf.slice(x([4, 6, 5, 7]), [1, 2, 1, 3], [2, 3, 4, 2]), // short runs
      tf.slice(x([10]), [3], [0]), // empty
      tf.slice(tf.tensor1d([1, 2, 3, 4, 5], 'int32'), [1], [3]),
      ...tf.split(x([512, 384]), [128, 128, 128], 1),
      ...tf.split(x([6, 9]), 3, 0),
    ]);
    expect(actual).toEqual(expected);
  });

  for (const simd of [true, false]) {
    it(`concatenates as the cpu backend (SIMD kernels ${simd ? 'on' : 'off'})`, async () => {
      setSimdKernels(simd);
      try {
        const x = (shape: number[], seed = 1) => tf.tensor(values(shape, seed), shape);
        const { expected, actual } = await onBoth(() => [
          tf.concat([x([512, 128], 1), x([512, 128], 2), x([512, 128], 3)], 1),
          tf.concat([x([128, 512]), tf.ones([1, 512])], 0),
          tf.concat([x([2, 3, 5]), x([2, 4, 5], 2), x([2, 0, 5])], 1),
          tf.concat([tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([4], 'int32')]),
          tf.concat([x([3, 1]), x([3, 2], 2)], -1),
        ]);
        expect(actual).toEqual(expected);
      } finally {
        setSimdKernels(true);
      }
    });
  }

  it('clones and same-type casts share the buffer and keep their own lifetime', async () => {
    await useBackend('wasm');
    useWasmKernels();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const copy = tf.clone(x);
    const cast = tf.cast(x, 'float32');
    const ints = tf.cast(tf.tensor1d([1.5, -2], 'float32'), 'int32');
    expect([copy.dataId, cast.dataId]).toEqual([x.dataId, x.dataId]);
    x.dispose();
    expect(Array.from(await copy.data())).toEqual([1, 2, 3, 4]);
    copy.dispose();
    expect(Array.from(await cast.data())).toEqual([1, 2, 3, 4]);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([1, -2]);
    tf.dispose([cast, ints]);
  });

  it('takes its own paths: one SIMD pass or two blocked ones, one Slice per part, the slices’ products inside one kernel', async () => {
    await useBackend('wasm');
    useWasmKernels();
    /** Calls of each kernel while `run` runs. */
    const calls = (run: () => unknown) => {
      const profiler = profileKernels('wasm');
      try {
        profiler.begin();
        tf.tidy(() => void run());
        profiler.step();
        return Object.fromEntries(profiler.report().kernels.map((k) => [k.kernel, k.calls]));
      } finally {
        profiler.stop();
      }
    };
    const x = tf.zeros([512, 384]);
    const [a, b] = [tf.zeros([5, 16, 8]), tf.zeros([5, 8, 4])];
    expect(calls(() => tf.transpose(x)).Transpose).toBe(1);
    setSimdKernels(false);
    expect(calls(() => tf.transpose(x)).Transpose).toBe(3);
    setSimdKernels(true);
    // Sides not in multiples of 4: the blocked passes with the SIMD kernels too.
    const odd = tf.zeros([256, 130]);
    expect(calls(() => tf.transpose(odd)).Transpose).toBe(3);
    odd.dispose();
    expect(calls(() => tf.split(x, 3, 1)).Slice).toBe(3);
    const sliced = calls(() => tf.engine().runKernel(SLICED_MATMUL, { a, b }));
    expect(sliced).toEqual({ [SLICED_MATMUL]: 1 });
    tf.dispose([x, a, b]);
  });

  for (const [a, b] of [
    [
      [32, 64, 64],
      [32, 64, 32],
    ],
    [
      [3, 16, 5],
      [3, 5, 7],
    ],
  ]) {
    it(`multiplies [${a.join(', ')}]·[${b.join(', ')}] slice by slice as tfjs's batched product`, async () => {
      const { expected, actual } = await onBoth(() => {
        const left = tf.tensor(values(a, 5), a);
        const right = tf.tensor(values(b, 6), b);
        return tf.getBackend() === 'wasm'
          ? (tf.engine().runKernel(SLICED_MATMUL, { a: left, b: right }) as tf.Tensor)
          : tf.matMul(left, right);
      });
      expect(actual[0].shape).toEqual(expected[0].shape);
      const worst = Math.max(...actual[0].data.map((v, i) => Math.abs(v - expected[0].data[i])));
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('writes each slice in place, exactly as a product of that slice alone, and frees what it registers', async () => {
    await useBackend('wasm');
    useWasmKernels();
    for (const [a, b] of [
      [
        [6, 24, 16],
        [6, 16, 12],
      ],
      [
        [4, 9, 5],
        [1, 5, 7],
      ],
    ]) {
      const left = tf.tensor(values(a, 3), a);
      const right = tf.tensor(values(b, 4), b);
      const before = { ...tf.memory(), ids: tf.backend().numDataIds() };
      const sliced = tf.engine().runKernel(SLICED_MATMUL, { a: left, b: right }) as tf.Tensor;
      // One new tensor, nothing else left registered: the views are gone on both sides.
      expect(tf.memory().numTensors).toBe(before.numTensors + 1);
      expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
      expect(tf.backend().numDataIds()).toBe(before.ids + 1);
      const got = await sliced.data();
      const [n, m] = a;
      const p = b[2];
      for (let i = 0; i < n; i++) {
        const alone = tf.tidy(() =>
          tf.matMul(
            tf.slice(left, [i, 0, 0], [1, m, a[2]]),
            b[0] === 1 ? right : tf.slice(right, [i, 0, 0], [1, b[1], p]),
          ),
        );
        // Bit for bit: the same XNNPACK product of the same operands.
        expect(Array.from(got.subarray(i * m * p, (i + 1) * m * p))).toEqual(
          Array.from(await alone.data()),
        );
        alone.dispose();
      }
      tf.dispose([left, right, sliced]);
    }
  });

  it('refuses operands the sliced product does not take, in one line', async () => {
    await useBackend('wasm');
    useWasmKernels();
    expect(() =>
      tf.tidy(() =>
        tf.engine().runKernel(SLICED_MATMUL, { a: tf.zeros([2, 3, 4]), b: tf.zeros([2, 5, 6]) }),
      ),
    ).toThrow('SlicedMatMul: expected [n, m, k] · [n | 1, k, p], got [2, 3, 4] · [2, 5, 6]');
  });
});
