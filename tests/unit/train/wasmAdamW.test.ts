/**
 * AdamW on wasm, small parameters through the lab's JavaScript kernel (`runtime/wasmAdamW.ts`) and
 * a large one through tfjs's ops, gives the weights, moments and gradient norm of tfjs's ops alone
 * bit for bit, with and without clipping, decayed or not, over several steps.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/random';
import { setWasmAdamW } from '../../../src/core/runtime/wasmAdamW';
import { AdamW } from '../../../src/core/train/adamw';
import { useBackend } from '../support/backend';

const SHAPES: Record<string, number[]> = {
  // Over the kernel's 4096 values: tfjs's ops in both runs.
  'h.0.mlp.weight': [80, 64],
  'h.0.attn.weight': [24, 40],
  'h.0.attn.bias': [40],
  'ln.weight': [17],
};

function values(size: number, rng: ReturnType<typeof createRng>, spread: number): Float32Array {
  return Float32Array.from({ length: size }, () => spread * rng.normal());
}

/** Four AdamW steps from the same start with the same gradients: the state after each. */
async function train(kernels: boolean, maxGradNorm: number) {
  setWasmAdamW(kernels);
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
    const norm = optimizer.apply(grads, 1e-2 * (step + 1), maxGradNorm);
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
  afterAll(() => setWasmAdamW(true));

  for (const maxGradNorm of [1, 0]) {
    it(`the kernels equal tfjs's ops bit for bit (maxGradNorm ${maxGradNorm})`, async () => {
      const ops = await train(false, maxGradNorm);
      const kernels = await train(true, maxGradNorm);
      expect(kernels).toEqual(ops);
      // The steps moved the weights, and clipping (when on) changed something.
      expect(ops[3].params[0]).not.toEqual(ops[0].params[0]);
    });
  }

  for (const kernels of [false, true]) {
    it(`leaves no tensor behind (kernels ${kernels})`, async () => {
      const before = tf.memory().numTensors;
      await train(kernels, 1);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
