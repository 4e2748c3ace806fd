/**
 * AdamW on wasm through the lab's kernel (`runtime/wasmAdamW.ts`) gives the weights, moments and
 * gradient norm of tfjs's ops alone bit for bit, with and without clipping, decayed or not, over
 * several steps: in SIMD (`simdKernels.ts`) for every parameter, and without it in JavaScript for
 * the small ones (a large one then through tfjs's ops).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/random';
import { setSimdKernels } from '../../../src/core/runtime/simdKernels';
import { setWasmAdamW } from '../../../src/core/runtime/wasmAdamW';
import { AdamW } from '../../../src/core/train/adamw';
import { useBackend } from '../support/backend';

const SHAPES: Record<string, number[]> = {
  // Over the JavaScript kernel's 4096 values: tfjs's ops there, the SIMD kernel with it.
  'h.0.mlp.weight': [80, 64],
  'h.0.attn.weight': [24, 40],
  'h.0.attn.bias': [40],
  'ln.weight': [17],
};

function values(size: number, rng: ReturnType<typeof createRng>, spread: number): Float32Array {
  return Float32Array.from({ length: size }, () => spread * rng.normal());
}

/** Four AdamW steps from the same start with the same gradients: the state after each. */
async function train(kernels: 'ops' | 'javascript' | 'simd', maxGradNorm: number) {
  setWasmAdamW(kernels !== 'ops');
  setSimdKernels(kernels === 'simd');
  const rng = createRng(7);
  const params = new Map(
    Object.entries(SHAPES).map(([name, shape]) => {
      const start = tf.tensor(values(tf.util.sizeFromShape(shape), rng, 1), shape);
      const variable = tf.variable(start);
      start.dispose();
      return [name, variable];
    }),
  );
  const optimizer = new AdamW(params, {
    weightDecay: 0.1,
    decays: (_name, shape) => shape.length === 2,
  });
  const steps: { norm: number; params: number[][]; moments: number[][] }[] = [];
  for (let step = 0; step < 4; step++) {
    // Gradients of very different sizes: the clip factor is below 1 at some steps only.
    const grads = Object.fromEntries(
      Object.entries(SHAPES).map(([name, shape]) => [
        name,
        tf.tensor(values(tf.util.sizeFromShape(shape), rng, step % 2 ? 0.01 : 3), shape),
      ]),
    );
    let norm = tf.scalar(0);
    const profile = await tf.profile(() => {
      norm.dispose();
      norm = optimizer.apply(grads, 1e-2 * (step + 1), maxGradNorm);
    });
    // Which parameters took the kernel: every one in SIMD, the three small ones in JavaScript.
    const updates = profile.kernels.filter((k) => k.name === 'LabAdamW').length;
    expect(updates).toBe({ ops: 0, javascript: 3, simd: 4 }[kernels]);
    const state = await optimizer.saveState();
    steps.push({
      norm: (await norm.data())[0],
      params: await Promise.all([...params.values()].map(async (p) => Array.from(await p.data()))),
      moments: [...state.m.values(), ...state.v.values()].map((m) => Array.from(m)),
    });
    tf.dispose([norm, ...Object.values(grads)]);
  }
  optimizer.dispose();
  tf.dispose([...params.values()]);
  return steps;
}

describe('AdamW on wasm', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => {
    setWasmAdamW(true);
    setSimdKernels(true);
  });

  for (const maxGradNorm of [1, 0]) {
    it(`the kernels equal tfjs's ops bit for bit (maxGradNorm ${maxGradNorm})`, async () => {
      const ops = await train('ops', maxGradNorm);
      expect(await train('javascript', maxGradNorm)).toEqual(ops);
      expect(await train('simd', maxGradNorm)).toEqual(ops);
      // The steps moved the weights, and clipping (when on) changed something.
      expect(ops[3].params[0]).not.toEqual(ops[0].params[0]);
    });
  }

  for (const kernels of ['ops', 'javascript', 'simd'] as const) {
    it(`leaves no tensor behind (${kernels})`, async () => {
      const before = tf.memory().numTensors;
      await train(kernels, 1);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
