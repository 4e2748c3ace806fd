/**
 * The fused SIMD kernels (`runtime/simdKernels.ts`) give tfjs's values bit for bit: gelu_new's and
 * silu's outputs and gradients on wasm equal those of the plain ops tfjs differentiates, for sizes
 * in whole vectors of four and not; the written binary is `kernels.wat` assembled.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BINARY_PATH,
  WAT_PATH,
  assembleSimdKernels,
  binaryModule,
} from '../../../scripts/simdKernels';
import { activate, plainActivation } from '../../../src/core/model/forward';
import { createRng } from '../../../src/core/random';
import { explicitNorm } from '../../../src/core/model/norm';
import { setSimdKernels, simdKernelsAvailable } from '../../../src/core/runtime/simdKernels';
import { simdBatchMatMul } from '../../../src/core/runtime/simdOverrides';
import {
  SHARED_MEMORY_KERNELS,
  UNSHARED_MEMORY_KERNELS,
} from '../../../src/core/runtime/simd/kernelsBinary';
import { useBackend } from '../support/backend';

function normal(shape: number[], seed: number, scale = 3): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => scale * rng.normal()),
    shape,
  );
}

/** Output and gradient (for a random upstream gradient) of `f` at `x`, read back. */
async function valueAndGrad(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, dy: tf.Tensor) {
  const { value, grad } = tf.tidy(() => {
    const { value: v, grads } = tf.valueAndGrads((t: tf.Tensor) => f(t))([x], dy);
    return { value: v, grad: grads[0] };
  });
  const result = { value: Array.from(await value.data()), grad: Array.from(await grad.data()) };
  tf.dispose([value, grad]);
  return result;
}

describe('fused SIMD kernels on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  it('run here', () => {
    expect(simdKernelsAvailable()).toBe(true);
  });

  for (const activation of ['gelu_new', 'silu'] as const) {
    for (const shape of [
      [64, 512],
      [3, 7],
    ]) {
      it(`${activation} on [${shape.join(', ')}]: the plain ops' value and gradient, bit for bit`, async () => {
        const x = normal(shape, 1);
        const dy = normal(shape, 2, 1);
        const before = tf.memory().numTensors;
        const fused = await valueAndGrad((t) => activate(t, activation), x, dy);
        expect(tf.memory().numTensors).toBe(before);
        const plain = await valueAndGrad((t) => plainActivation(t, activation), x, dy);
        expect(fused.value).toEqual(plain.value);
        expect(fused.grad).toEqual(plain.grad);
        // Not a vacuous comparison: the gradient is neither zero nor the upstream one.
        expect(fused.grad.some((g, i) => g !== 0 && g !== Array.from(dy.dataSync())[i])).toBe(true);
        tf.dispose([x, dy]);
      });
    }
  }

  for (const kind of ['layernorm', 'rmsnorm'] as const) {
    for (const [shape, trainable] of [
      [[64, 128], true],
      [[2, 5, 8], true],
      [[32, 12], false],
    ] as const) {
      it(`${kind} on [${shape.join(', ')}], ${trainable ? 'trained' : 'frozen'} gain: the written-out ops' value and gradients, bit for bit`, async () => {
        const width = shape[shape.length - 1];
        const x = normal([...shape], 5);
        const dy = normal([...shape], 6, 1);
        const gain = tf.variable(normal([width], 7, 0.5), trainable);
        const bias = kind === 'layernorm' ? tf.variable(normal([width], 8, 0.5), trainable) : null;
        const run = async (fused: boolean) => {
          setSimdKernels(fused);
          const trained = [gain, ...(bias ? [bias] : [])].filter((v) => v.trainable);
          const out = tf.tidy(() => {
            const f = (input: tf.Tensor, ...params: tf.Tensor[]) => {
              void params;
              return explicitNorm(kind, input, gain, bias, 1e-5);
            };
            const { value, grads } = tf.valueAndGrads(f)([x, ...trained], dy);
            return [value, ...grads];
          });
          const read = await Promise.all(out.map(async (t) => Array.from(await t.data())));
          tf.dispose(out);
          setSimdKernels(true);
          return read;
        };
        const before = tf.memory().numTensors;
        const fused = await run(true);
        const plain = await run(false);
        expect(tf.memory().numTensors).toBe(before);
        expect(fused.length).toBe(trainable ? (bias ? 4 : 3) : 2);
        fused.forEach((values, i) => expect(values).toEqual(plain[i]));
        tf.dispose([x, dy, gain, ...(bias ? [bias] : [])]);
      });
    }
  }

  it('takes the fused kernels: one backward kernel, under half of tfjs’s', async () => {
    const x = normal([8, 16], 3);
    const dy = normal([8, 16], 4, 1);
    // tf.profile hands back one object it reuses: each profile's figures are copied at once.
    const kernels = async (f: (t: tf.Tensor) => tf.Tensor) => {
      const profile = await tf.profile(() => tf.tidy(() => tf.valueAndGrads(f)([x], dy).grads[0]));
      return profile.kernels.map((k) => k.name);
    };
    const fused = await kernels((t) => activate(t, 'gelu_new'));
    const plain = await kernels((t) => plainActivation(t, 'gelu_new'));
    expect(fused).toContain('LabGeluNewGrad');
    expect(plain).not.toContain('LabGeluNewGrad');
    expect(plain.length).toBeGreaterThan(15);
    expect(fused.length).toBeLessThan(plain.length / 2);
    tf.dispose([x, dy]);
  });

  it('multiplies as XNNPACK, bit for bit, faster kernel or not: 2-D, row tails, batches, a shared B', async () => {
    const cases: [number[], number[]][] = [
      [
        [64, 32],
        [32, 64],
      ],
      [
        [129, 512],
        [512, 40],
      ], // a row tail of 1 (the bias-augmented weight gradient)
      [
        [7, 300],
        [300, 16],
      ], // fewer rows than a block
      [
        [3, 16, 20],
        [3, 20, 24],
      ], // a batch: tfjs's scalar loop without the kernel, to rounding
      [
        [4, 12, 8],
        [8, 32],
      ], // one B for every slice
    ];
    for (const [aShape, bShape] of cases) {
      const a = normal(aShape, 9, 1);
      const b = normal(bShape, 10, 1);
      const product = async (simd: boolean) => {
        setSimdKernels(simd);
        const out = tf.tidy(() => tf.matMul(a, b));
        const values = Array.from(await out.data());
        out.dispose();
        setSimdKernels(true);
        return { values, shape: out.shape };
      };
      const fast = await product(true);
      const plain = await product(false);
      expect(fast.shape).toEqual(plain.shape);
      if (aShape.length === 2 && bShape.length === 2) {
        // XNNPACK's case: the same sums in the same order.
        expect(fast.values).toEqual(plain.values);
      } else {
        const worst = Math.max(...fast.values.map((v, i) => Math.abs(v - plain.values[i])));
        expect(worst).toBeLessThan(1e-4);
      }
      tf.dispose([a, b]);
    }
  });

  it('leaves one large product to XNNPACK when it has threads to split it over, not a batch', () => {
    const backend = tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } };
    const threads = backend.wasm.tfjs.getThreadsCount;
    const run = (aShape: number[], bShape: number[]) =>
      tf.tidy(() => {
        const args = {
          inputs: { a: tf.zeros(aShape), b: tf.zeros(bShape) },
          backend: tf.backend(),
          attrs: { transposeA: false, transposeB: false },
        };
        const out = simdBatchMatMul(args as never);
        if (out) tf.backend().disposeData(out.dataId);
        return out !== null;
      });
    try {
      expect(run([256, 128], [128, 64])).toBe(true);
      backend.wasm.tfjs.getThreadsCount = () => 2;
      expect(run([256, 128], [128, 64])).toBe(false);
      expect(run([4, 64, 64], [4, 64, 64])).toBe(true);
      expect(run([16, 16], [16, 16])).toBe(true);
      // Nothing to sum: zeros, written here (tfjs's kernel left them unwritten).
      expect(run([4, 0], [0, 8])).toBe(true);
    } finally {
      backend.wasm.tfjs.getThreadsCount = threads;
    }
  });

  it('multiplies over an empty inner axis to zeros (tfjs-wasm 4.22 left garbage)', async () => {
    const out = tf.matMul(tf.zeros([4, 0]), tf.zeros([0, 8]));
    expect(Array.from(await out.data())).toEqual(new Array(32).fill(0));
    out.dispose();
  });

  it('runs over a shared memory (a cross-origin-isolated page) as over an unshared one', () => {
    const run = (bytes: string, memory: WebAssembly.Memory) => {
      const module = new WebAssembly.Module(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)));
      const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as {
        siluGrad(x: number, s: number, dy: number, out: number, n: number): void;
      };
      const heap = new Float32Array(memory.buffer);
      const rng = createRng(7);
      for (let i = 0; i < 30; i++) heap[i] = rng.normal();
      // x at 0, s at 40 bytes, dy at 80, out at 120: ten values each, whole vectors and a tail.
      kernels.siluGrad(0, 40, 80, 120, 10);
      return Array.from(heap.subarray(30, 40));
    };
    const unshared = run(UNSHARED_MEMORY_KERNELS, new WebAssembly.Memory({ initial: 1 }));
    const sharedMemory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    expect(sharedMemory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(run(SHARED_MEMORY_KERNELS, sharedMemory)).toEqual(unshared);
    expect(unshared.every((v) => Number.isFinite(v) && v !== 0)).toBe(true);
    expect(() => run(UNSHARED_MEMORY_KERNELS, sharedMemory)).toThrow();
  });

  it('loads the binary kernels.wat assembles to (npm run build:simd)', async () => {
    const binaries = await assembleSimdKernels(readFileSync(WAT_PATH, 'utf8'));
    expect(readFileSync(BINARY_PATH, 'utf8')).toBe(binaryModule(binaries));
  });
});
