/**
 * AdamW's update of one parameter and both its moments on tfjs's wasm backend as one kernel of the
 * lab's own, written in JavaScript over the wasm heap.
 *
 * Why: with tfjs's ops the update is 17 kernels (`train/adamw.ts`), each setting up an XNNPACK
 * operator and a scalar tensor per constant: about 60 µs a parameter before any arithmetic, which
 * is most of the time for a LoRA adapter's or a norm's few hundred values. The kernel does the same
 * float32 arithmetic in the same order, each operation rounded to float32 (`Math.fround`; a double
 * result of one operation on float32 operands rounds to the correctly rounded float32 one), so the
 * weights are bit for bit those of the ops (tested against them). In JavaScript a value costs about
 * 16 ns, XNNPACK's vector ops 4.5: without SIMD `AdamW` uses the kernel for small parameters only.
 * With the lab's SIMD kernels (`simdKernels.ts`) the same operations run four values at a time in
 * WebAssembly, and every parameter takes the kernel. WebGPU has its own fused kernels
 * (`webgpuFused.ts`).
 *
 * It changes how training computes (not what), and `train/adamw.ts` imports it: part of the stage
 * cache's source hash.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelsFor, offsetOf, type WasmBackend as SimdBackend } from './simdKernels';

const fround = Math.fround;

/** What the kernels use of tfjs-backend-wasm 4.22's `BackendWasm`. */
interface WasmBackend extends SimdBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

const ADAMW = 'LabAdamW';

/** One parameter's update: the constants of `AdamW.apply`, as plain numbers. */
export interface WasmAdamWStep {
  /** The clip factor min(1, maxNorm / ‖g‖), as the ops computed it (a float32 value). */
  scale: number;
  beta1: number;
  beta2: number;
  /** 1 − lr·λ for a decayed parameter, else 1 (no multiply, as the ops skip it). */
  decay: number;
  stepSize: number;
  rootBias2: number;
  epsilon: number;
}

let registered = false;
let enabled = true;

/** Turn the kernels off (tests comparing them with the ops); AdamW then runs tfjs's ops on wasm. */
export function setWasmAdamW(on: boolean): void {
  enabled = on;
}

export function wasmAdamWEnabled(): boolean {
  return enabled;
}

function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: ADAMW, backendName: 'wasm', kernelFunc: adamW });
}

/** The updated parameter and moments of one parameter `p` with gradient `grad`. */
export function wasmAdamW(
  p: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  step: WasmAdamWStep,
): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  register();
  for (const [name, t] of [
    ['gradient', grad],
    ['m', m],
    ['v', v],
  ] as const) {
    if (t.size !== p.size || t.dtype !== 'float32') {
      throw new Error(`wasmAdamW: the ${name} is not float32 of the parameter's ${p.size} values`);
    }
  }
  const [pOut, mOut, vOut] = tf
    .engine()
    .runKernel(ADAMW, { p, g: grad, m, v }, step as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { p: pOut, m: mOut, v: vOut };
}

/**
 * `AdamW.apply`'s per-parameter ops, element by element:
 *   g = G·s;  m = m·β₁ + g·(1−β₁);  v = v·β₂ + g²·(1−β₂);
 *   p = (p·decay) − (m / (√v / √(1−β₂ᵗ) + ε))·stepSize,
 * each constant a float32 scalar and each operation rounded to float32, as the ops are.
 */
function adamW({ inputs, backend: kernelBackend, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = kernelBackend as unknown as WasmBackend;
  const { p, g, m, v } = inputs as unknown as Record<'p' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const step = attrs as unknown as WasmAdamWStep;
  const outputs = [p, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const simd = kernelsFor(backend);
  if (simd) {
    // The same operations four values at a time (`simd/kernels.wat`), on the memory itself.
    const at = (t: tf.TensorInfo) => offsetOf(backend, t);
    const [pOut, mOut, vOut] = outputs.map(at);
    simd.adamW(
      at(p),
      at(g),
      at(m),
      at(v),
      pOut,
      mOut,
      vOut,
      tf.util.sizeFromShape(p.shape),
      fround(step.scale),
      fround(step.beta1),
      fround(1 - step.beta1),
      fround(step.beta2),
      fround(1 - step.beta2),
      fround(step.decay),
      step.decay !== 1 ? 1 : 0,
      fround(step.rootBias2),
      fround(step.epsilon),
      fround(step.stepSize),
    );
    return outputs;
  }
  // Views after the allocations: growing the heap replaces its buffer.
  const [P, G, M, V] = [p, g, m, v].map((t) => backend.typedArrayFromHeap(t));
  const [pNext, mNext, vNext] = outputs.map((t) => backend.typedArrayFromHeap(t));
  const scale = fround(step.scale);
  const beta1 = fround(step.beta1);
  const keep1 = fround(1 - step.beta1);
  const beta2 = fround(step.beta2);
  const keep2 = fround(1 - step.beta2);
  const decays = step.decay !== 1;
  const decay = fround(step.decay);
  const rootBias2 = fround(step.rootBias2);
  const epsilon = fround(step.epsilon);
  const stepSize = fround(step.stepSize);
  for (let i = 0; i < P.length; i++) {
    const gi = fround(G[i] * scale);
    const mi = fround(fround(M[i] * beta1) + fround(gi * keep1));
    const vi = fround(fround(V[i] * beta2) + fround(fround(gi * gi) * keep2));
    const pi = decays ? fround(P[i] * decay) : P[i];
    const denominator = fround(fround(fround(Math.sqrt(vi)) / rootBias2) + epsilon);
    pNext[i] = fround(pi - fround(fround(mi / denominator) * stepSize));
    mNext[i] = mi;
    vNext[i] = vi;
  }
  return outputs;
}
