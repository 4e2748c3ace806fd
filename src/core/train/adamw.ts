import * as tf from '@tensorflow/tfjs';
import { fusedAdamW, fusedKernelsAvailable, sumOfSquares } from '../runtime/webgpuFused';
import { simdKernelsAvailable } from '../runtime/simdKernels';
import { wasmAdamW, wasmAdamWEnabled } from '../runtime/wasmAdamW';
import { runsOnWasm } from '../runtime/wasmKernels';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay: number;
  /** Which parameters get weight decay (by name and shape). */
  decays: (name: string, shape: readonly number[]) => boolean;
}

/** AdamW's state between steps: the step count and both moments of every parameter, by name. */
export interface AdamWState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/**
 * Most values of a parameter updated by the wasm kernel (`wasmAdamW`): it costs about 16 ns a value
 * in JavaScript, tfjs's ops about 60 µs a parameter plus 4.5 ns a value (measured on the reference
 * model's shapes), so the kernel pays up to about 5,000 values — adapters, biases, norm gains.
 * With the SIMD kernels (`runtime/simdKernels.ts`) the kernel runs in WebAssembly and takes every
 * parameter.
 */
const WASM_ADAMW_MOST = 4096;

/**
 * AdamW (Loshchilov & Hutter, 2019) with decoupled weight decay, written out as PyTorch's
 * `torch.optim.AdamW` computes it:
 *   θ ← θ·(1 − lr·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
 * Gradients are first clipped to a global L2 norm. On WebGPU the same arithmetic runs as fused
 * kernels (`runtime/webgpuFused.ts`): ⌈n/6⌉ dispatches for the norm and one per parameter, instead
 * of about 17 per parameter; on wasm a small parameter's update is one JavaScript kernel over the
 * heap (`runtime/wasmAdamW.ts`), bit for bit the ops' results.
 */
export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private step = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly options: AdamWOptions,
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    for (const [name, p] of params) {
      // One buffer each from the start (a variable shares its initial tensor's data; both sharing
      // one zeros tensor would defer the second allocation into the first update).
      for (const moments of [this.m, this.v]) {
        const zeros = tf.zerosLike(p);
        moments.set(name, tf.variable(zeros, false));
        zeros.dispose();
      }
    }
  }

  get steps(): number {
    return this.step;
  }

  /** The moments and step count, read back from the device (a training checkpoint). */
  async saveState(): Promise<AdamWState> {
    const read = async (moments: Map<string, tf.Variable>) =>
      new Map(
        await Promise.all(
          [...moments].map(
            async ([name, t]) => [name, (await t.data()) as Float32Array] as [string, Float32Array],
          ),
        ),
      );
    return { step: this.step, m: await read(this.m), v: await read(this.v) };
  }

  /** Continue from `saved` (moments of the same parameters and shapes); throws on a mismatch. */
  restoreState(saved: AdamWState): void {
    for (const [label, moments, values] of [
      ['m', this.m, saved.m],
      ['v', this.v, saved.v],
    ] as const) {
      if (values.size !== moments.size) {
        throw new Error(
          `the saved optimizer state has ${values.size} ${label} tensors, not ${moments.size}`,
        );
      }
      for (const [name, variable] of moments) {
        const data = values.get(name);
        if (!data || data.length !== variable.size) {
          throw new Error(
            `the saved optimizer state has no ${label} of the right size for "${name}"`,
          );
        }
      }
    }
    for (const [moments, values] of [
      [this.m, saved.m],
      [this.v, saved.v],
    ] as const) {
      for (const [name, variable] of moments) {
        const data = values.get(name) as Float32Array;
        tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
      }
    }
    this.step = saved.step;
  }

  /**
   * Apply one update. `grads` are keyed like the parameters; returns the global gradient norm
   * before clipping (a scalar tensor the caller owns). `maxGradNorm ≤ 0` disables clipping.
   */
  apply(grads: Record<string, tf.Tensor>, lr: number, maxGradNorm: number): tf.Scalar {
    this.step += 1;
    const { beta1, beta2, epsilon } = this;
    const stepSize = lr / (1 - beta1 ** this.step);
    const rootBias2 = Math.sqrt(1 - beta2 ** this.step);
    const names = [...this.params.keys()].filter((name) => grads[name] !== undefined);
    if (names.length > 0 && fusedKernelsAvailable()) {
      return this.applyFused(names, grads, lr, maxGradNorm, stepSize, rootBias2);
    }
    // The norm and the scale first, then each parameter in a tidy of its own: an update's
    // temporaries (the clipped gradient, both moments' products, the root, the quotient) live for
    // one parameter, not for all of them until the last is done.
    const { norm, scale } = tf.tidy(() => {
      // Each square summed in its own tidy: one gradient's squares live at a time.
      const squares = names.map((name) => tf.tidy(() => tf.sum(tf.square(grads[name]))));
      const norm = tf.sqrt(tf.addN(squares)) as tf.Scalar;
      // scale = min(1, maxNorm / norm), computed on the device: no read-back per step.
      const scale =
        maxGradNorm > 0
          ? tf.minimum(1, tf.div(maxGradNorm, tf.maximum(norm, 1e-12)))
          : tf.scalar(1);
      return { norm, scale: scale as tf.Scalar };
    });
    // On wasm a small parameter's update is one kernel (`wasmAdamW`): its 17 ops cost about 60 µs
    // of set-up, more than their arithmetic below a few thousand values.
    const kernels = wasmAdamWEnabled() && runsOnWasm();
    // A read of the wasm heap, not a wait: the kernels take the clip factor as a number.
    const scaleValue = kernels ? scale.dataSync()[0] : 1;
    // The step's constants as float32 scalars made once, not once per parameter and use (a number
    // given to an op becomes a tensor each time: about 13 µs each on wasm). The same values.
    const constant = tf.tidy(() => ({
      beta1: tf.scalar(beta1),
      keep1: tf.scalar(1 - beta1),
      beta2: tf.scalar(beta2),
      keep2: tf.scalar(1 - beta2),
      decay: tf.scalar(1 - lr * this.options.weightDecay),
      rootBias2: tf.scalar(rootBias2),
      epsilon: tf.scalar(epsilon),
      stepSize: tf.scalar(stepSize),
    }));
    for (const name of names) {
      tf.tidy(() => {
        const p = this.params.get(name) as tf.Variable;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        if (kernels && (p.size <= WASM_ADAMW_MOST || simdKernelsAvailable())) {
          const next = wasmAdamW(p, grads[name], m, v, {
            scale: scaleValue,
            beta1,
            beta2,
            decay: this.options.decays(name, p.shape) ? 1 - lr * this.options.weightDecay : 1,
            stepSize,
            rootBias2,
            epsilon,
          });
          m.assign(next.m);
          v.assign(next.v);
          p.assign(next.p);
          return;
        }
        const g = tf.mul(grads[name], scale);
        m.assign(tf.add(tf.mul(m, constant.beta1), tf.mul(g, constant.keep1)));
        v.assign(tf.add(tf.mul(v, constant.beta2), tf.mul(tf.square(g), constant.keep2)));
        const decayed = this.options.decays(name, p.shape) ? tf.mul(p, constant.decay) : p;
        const denominator = tf.add(tf.div(tf.sqrt(v), constant.rootBias2), constant.epsilon);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), constant.stepSize)));
      });
    }
    tf.dispose([scale, ...Object.values(constant)]);
    return norm;
  }

  private applyFused(
    names: string[],
    grads: Record<string, tf.Tensor>,
    lr: number,
    maxGradNorm: number,
    stepSize: number,
    rootBias2: number,
  ): tf.Scalar {
    const squares = tf.tidy(() => sumOfSquares(names.map((name) => grads[name])));
    for (const name of names) {
      tf.tidy(() => {
        const p = this.params.get(name) as tf.Variable;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        const next = fusedAdamW(p, grads[name], m, v, squares, {
          clip: maxGradNorm,
          beta1: this.beta1,
          beta2: this.beta2,
          decay: this.options.decays(name, p.shape) ? 1 - lr * this.options.weightDecay : 1,
          stepSize,
          rootBias2,
          epsilon: this.epsilon,
        });
        m.assign(next.m);
        v.assign(next.v);
        p.assign(next.p);
      });
    }
    const norm = tf.tidy(() => tf.sqrt(squares).reshape([]) as tf.Scalar);
    squares.dispose();
    return norm;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
