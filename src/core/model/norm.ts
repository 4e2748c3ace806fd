import * as tf from '@tensorflow/tfjs';
import { simdNormAvailable, simdNormBackward, simdNormForward } from '../runtime/simdKernels';
import { sumToLastAxis } from './matmul';

/**
 * LayerNorm and RMSNorm over the last axis with their gradient written out, for tfjs's wasm backend
 * (`forward.ts`'s `norm` takes it there). The forward pass is the ops tfjs would differentiate
 * (the same values); the backward pass is the closed form
 *   LayerNorm: x̂ = (x − μ)/σ, y = x̂·γ + β;  dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ, dx̂ = dy·γ
 *   RMSNorm:   x̂ = x·r, r = (mean(x²) + ε)^−½, y = x̂·γ;  dx = r·(dx̂ − x̂·mean(dx̂·x̂))
 * with dγ = Σ dy·x̂ and dβ = Σ dy over every other axis. Why: tfjs differentiates `mean` (and
 * `sum`) by multiplying with a tensor of ones it fills in JavaScript and copies into the wasm heap
 * (`[512, 128]` per mean, two per LayerNorm: 7.7 ms a reference step, most of it the garbage
 * collector's), and the moments' chain of ops has about 20 kernels where this has 11. A frozen
 * gain or bias (LoRA) gets no gradient. With the lab's SIMD kernels (`runtime/simdKernels.ts`) the
 * forward pass is one kernel and the backward one, doing these ops' float32 operations in their
 * order (the same values bit for bit), where the ops took about 10 and 15.
 */
export function explicitNorm(
  kind: 'layernorm' | 'rmsnorm',
  x: tf.Tensor,
  gain: tf.Variable,
  bias: tf.Variable | null,
  epsilon: number,
): tf.Tensor {
  const trained = [gain, bias].filter((v): v is tf.Variable => v !== null && v.trainable);
  const fused = simdNormAvailable(x.shape[x.rank - 1]);
  const norm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // The trained ones come as inputs (their gradients go to the tape), the frozen from the closure.
    const given = new Map(trained.map((v, i) => [v, args[1 + i] as tf.Tensor]));
    const g = given.get(gain) ?? gain;
    const b = bias ? (given.get(bias) ?? bias) : null;
    if (fused) {
      const [y, xhat, rowScale] = simdNormForward(kind === 'rmsnorm', input, g, b, epsilon);
      save([xhat, rowScale]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [xhat, s]: tf.Tensor[]) => {
          const wantGain = trained.includes(gain);
          const wantBias = bias !== null && trained.includes(bias);
          const [dx, ...sums] = simdNormBackward(
            kind === 'rmsnorm',
            dy,
            xhat,
            s,
            gain,
            wantGain,
            wantBias,
          );
          // The kernel gives dγ before dβ; `trained` lists them in that order too.
          return [dx, ...sums];
        },
      };
    }
    let normalized: tf.Tensor;
    let scale: tf.Tensor;
    if (kind === 'rmsnorm') {
      scale = tf.rsqrt(tf.add(tf.mean(tf.square(input), -1, true), epsilon));
      normalized = tf.mul(input, scale);
    } else {
      const { mean, variance } = tf.moments(input, -1, true);
      scale = tf.sqrt(tf.add(variance, epsilon));
      normalized = tf.div(tf.sub(input, mean), scale);
    }
    save([normalized, scale]);
    const scaled = tf.mul(normalized, g);
    return {
      value: b ? tf.add(scaled, b) : scaled,
      gradFunc: (dy: tf.Tensor, [xhat, s]: tf.Tensor[]) => {
        const dxhat = tf.mul(dy, gain);
        const projection = tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), -1, true));
        const dx =
          kind === 'rmsnorm'
            ? tf.mul(tf.sub(dxhat, projection), s)
            : tf.div(tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), projection), s);
        const width = [gain.shape[0]];
        return [
          dx,
          ...trained.map((v) =>
            v === gain ? sumToLastAxis(tf.mul(dy, xhat), width) : sumToLastAxis(dy, width),
          ),
        ];
      },
    };
  });
  return norm(x, ...trained);
}
