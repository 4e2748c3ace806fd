/**
 * The lab's kernels for tfjs-backend-wasm in WebAssembly SIMD (`simd/kernels.wat`), run on the
 * backend's own memory: a module of ours imports the memory tfjs's module runs on, so a kernel
 * reads its inputs and writes its output where tfjs keeps tensors, with nothing copied.
 *
 * Why: tfjs runs a chain of elementwise ops as one kernel each, every one a pass over memory and a
 * tensor made, and its backpropagation of a chain is longer still — gelu_new (GPT-2's MLP) is
 * seven forward ops and fourteen backward ones over a `[tokens, 4·dModel]` tensor, each about
 * 0.1 ms at `[1024, 512]` on this machine; here the forward is three kernels and the backward one.
 * And its products go through XNNPACK, 34–36 GFLOP/s on this machine, where the product here
 * (`gemmBatch`) runs 44–48 on one thread and takes batches tfjs ran in a scalar loop.
 *
 * Here: gelu_new and silu, LayerNorm and RMSNorm, the module and its loading; AdamW in
 * `wasmAdamW.ts`; matrix products, transposes and concatenations, tfjs's own kernels done in SIMD,
 * in `simdOverrides.ts`. Each does the float32 operations of what it replaces in the same order,
 * so every value is tfjs's bit for bit (`tests/unit/model/simdKernels.test.ts`,
 * `tests/unit/runtime/wasmKernels.test.ts`): a trained model is the same. The exception: a batch
 * of products over more than 48 terms that tfjs ran in its scalar loop (decoding's few query rows
 * against many positions), which summed in blocks of 48; summed in order here, those differ in
 * the last bits. Without WebAssembly SIMD, or without the memory (another tfjs build), or turned
 * off, tfjs's own kernels run.
 */
import * as tf from '@tensorflow/tfjs';
import { SHARED_MEMORY_KERNELS, UNSHARED_MEMORY_KERNELS } from './simd/kernelsBinary';
import { runsOnWasm } from './wasmKernels';

/** `simd/kernels.wat`'s exports: byte offsets into the memory, counts of float32 elements. */
export interface SimdExports {
  geluNewInner(x: number, out: number, n: number, c1: number, k: number): void;
  geluNewGrad(
    x: number,
    s: number,
    dy: number,
    out: number,
    n: number,
    c1: number,
    k: number,
  ): void;
  siluGrad(x: number, s: number, dy: number, out: number, n: number): void;
  normForward(
    x: number,
    g: number,
    b: number,
    y: number,
    xhat: number,
    scale: number,
    rows: number,
    width: number,
    eps: number,
    hasBias: number,
    rms: number,
  ): void;
  normBackward(
    dy: number,
    xhat: number,
    scale: number,
    g: number,
    dx: number,
    dgain: number,
    dbias: number,
    rows: number,
    width: number,
    rms: number,
    wantGain: number,
    wantBias: number,
  ): void;
  transpose(src: number, dst: number, count: number, rows: number, cols: number): void;
  gemmBatch(
    a: number,
    b: number,
    c: number,
    count: number,
    m: number,
    k: number,
    n: number,
    bStride: number,
    panel: number,
    pack: number,
  ): void;
  copyRuns(
    src: number,
    srcStride: number,
    dst: number,
    dstStride: number,
    runs: number,
    runBytes: number,
  ): void;
  /** `wasmAdamW.ts`'s update: parameter, gradient and moments in, the three updated out. */
  adamW(
    p: number,
    g: number,
    m: number,
    v: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n: number,
    scale: number,
    beta1: number,
    keep1: number,
    beta2: number,
    keep2: number,
    decay: number,
    decays: number,
    rootBias2: number,
    epsilon: number,
    stepSize: number,
  ): void;
}

/** What the kernels use of tfjs-backend-wasm 4.22's `BackendWasm`. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  wasm: {
    wasmMemory?: WebAssembly.Memory;
    asm?: { memory?: WebAssembly.Memory };
    tfjs?: { getThreadsCount?(): number };
  };
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Where `t`'s values start in the backend's memory, in bytes: what the kernels take. */
export function offsetOf(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

const GELU_NEW_INNER = 'LabGeluNewInner';
const GELU_NEW_GRAD = 'LabGeluNewGrad';
const SILU_GRAD = 'LabSiluGrad';
const NORM_FORWARD = 'LabNormForward';
const NORM_BACKWARD = 'LabNormBackward';

/** gelu_new's constants as forward.ts's ops give them to tfjs: float32 scalars. */
const GELU_CUBIC = Math.fround(0.044715);
const GELU_SCALE = Math.fround(2 * Math.sqrt(2 / Math.PI));

/** The instance per wasm module (a backend made again gets a module, and a memory, of its own). */
const instances = new WeakMap<object, SimdExports | null>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

let enabled = true;

/** Turn the kernels off (tests comparing them with what runs without them). */
export function setSimdKernels(on: boolean): void {
  enabled = on;
}

/**
 * The kernels' instance over the wasm backend's memory (for the lab's other wasm kernels); null
 * without SIMD or without the memory, or when turned off.
 */
export function kernelsFor(backend: WasmBackend): SimdExports | null {
  if (!enabled) return null;
  const cached = instances.get(backend.wasm);
  if (cached !== undefined) return cached;
  let exports: SimdExports | null = null;
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  if (memory instanceof WebAssembly.Memory) {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = decode(shared ? SHARED_MEMORY_KERNELS : UNSHARED_MEMORY_KERNELS);
    if (WebAssembly.validate(bytes)) {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        env: { memory },
      });
      exports = instance.exports as unknown as SimdExports;
    }
  }
  instances.set(backend.wasm, exports);
  return exports;
}

let registered = false;

/**
 * Whether the fused kernels run here: tfjs on wasm (with the lab's kernels) and this module
 * instantiated over its memory. Registers the kernels on first use.
 */
export function simdKernelsAvailable(): boolean {
  if (!runsOnWasm()) return false;
  const backend = tf.backend() as unknown as WasmBackend;
  if (!kernelsFor(backend)) return false;
  if (!registered) {
    registered = true;
    const kernel = (kernelName: string, kernelFunc: tf.KernelFunc) =>
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    kernel(GELU_NEW_INNER, geluNewInnerKernel);
    kernel(GELU_NEW_GRAD, (args) => gradKernel(args, GELU_NEW_GRAD));
    kernel(SILU_GRAD, (args) => gradKernel(args, SILU_GRAD));
    kernel(NORM_FORWARD, normForwardKernel);
    kernel(NORM_BACKWARD, normBackwardKernel);
  }
  return true;
}

function float32(name: string, ...tensors: tf.TensorInfo[]): void {
  const shape = tensors[0].shape;
  for (const t of tensors) {
    if (t.dtype !== 'float32' || t.shape.join() !== shape.join()) {
      throw new Error(
        `${name}: expected float32 tensors of one shape, got ${tensors.map((u) => `${u.dtype} [${u.shape.join(', ')}]`).join(', ')}`,
      );
    }
  }
}

function geluNewInnerKernel({ inputs, backend: kernelBackend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  float32(GELU_NEW_INNER, x);
  const backend = kernelBackend as unknown as WasmBackend;
  const kernels = kernelsFor(backend) as SimdExports;
  const out = backend.makeOutput([...x.shape], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  kernels.geluNewInner(at(x), at(out), tf.util.sizeFromShape(x.shape), GELU_CUBIC, GELU_SCALE);
  return out;
}

function gradKernel({ inputs, backend: kernelBackend }: KernelArgs, name: string): tf.TensorInfo {
  const { x, s, dy } = inputs as { x: tf.TensorInfo; s: tf.TensorInfo; dy: tf.TensorInfo };
  float32(name, x, s, dy);
  const backend = kernelBackend as unknown as WasmBackend;
  const kernels = kernelsFor(backend) as SimdExports;
  const out = backend.makeOutput([...x.shape], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  const n = tf.util.sizeFromShape(x.shape);
  if (name === GELU_NEW_GRAD) {
    kernels.geluNewGrad(at(x), at(s), at(dy), at(out), n, GELU_CUBIC, GELU_SCALE);
  } else {
    kernels.siluGrad(at(x), at(s), at(dy), at(out), n);
  }
  return out;
}

/** `x·sigmoid(t(x))` and its gradient through the kernels, saving `x` and the sigmoid only. */
function sigmoidGated(x: tf.Tensor, inner: ((x: tf.Tensor) => tf.Tensor) | null, grad: string) {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const s = tf.sigmoid(inner ? inner(input) : input);
    save([input, s]);
    return {
      value: tf.mul(input, s),
      gradFunc: (dy: tf.Tensor, [savedX, savedS]: tf.Tensor[]) =>
        tf.engine().runKernel(grad, { x: savedX, s: savedS, dy }) as tf.Tensor,
    };
  });
  return op(x);
}

/**
 * gelu_new on wasm with the fused kernels: `x·σ(t)`, `t = (x + 0.044715·x³)·2√(2/π)` (forward.ts's
 * `activate`), the same values and gradient as those ops. Call when `simdKernelsAvailable()`.
 */
export function simdGeluNew(x: tf.Tensor): tf.Tensor {
  return sigmoidGated(
    x,
    (input) => tf.engine().runKernel(GELU_NEW_INNER, { x: input }) as tf.Tensor,
    GELU_NEW_GRAD,
  );
}

/** silu, `x·σ(x)`, on wasm with the fused gradient. Call when `simdKernelsAvailable()`. */
export function simdSilu(x: tf.Tensor): tf.Tensor {
  return sigmoidGated(x, null, SILU_GRAD);
}

/** The norms' attributes: RMSNorm or LayerNorm, ε, which parameter gradients to sum. */
interface NormAttrs {
  rms: boolean;
  epsilon: number;
  wantGain: boolean;
  wantBias: boolean;
}

function normForwardKernel({ inputs, backend: kernelBackend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, gain, bias } = inputs as Record<'x' | 'gain', tf.TensorInfo> & {
    bias?: tf.TensorInfo;
  };
  const { rms, epsilon } = attrs as unknown as NormAttrs;
  const width = x.shape[x.shape.length - 1];
  float32(NORM_FORWARD, gain, ...(bias ? [bias] : []));
  float32(NORM_FORWARD, x);
  if (gain.shape.length !== 1 || gain.shape[0] !== width || width % 4 !== 0) {
    throw new Error(
      `${NORM_FORWARD}: expected a gain of the last axis's ${width} values (a multiple of 4), got [${gain.shape.join(', ')}]`,
    );
  }
  const backend = kernelBackend as unknown as WasmBackend;
  const kernels = kernelsFor(backend) as SimdExports;
  const rows = tf.util.sizeFromShape(x.shape) / width;
  const y = backend.makeOutput([...x.shape], 'float32');
  const xhat = backend.makeOutput([...x.shape], 'float32');
  const scale = backend.makeOutput([...x.shape.slice(0, -1), 1], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  kernels.normForward(
    at(x),
    at(gain),
    bias ? at(bias) : 0,
    at(y),
    at(xhat),
    at(scale),
    rows,
    width,
    Math.fround(epsilon),
    bias ? 1 : 0,
    rms ? 1 : 0,
  );
  return [y, xhat, scale];
}

function normBackwardKernel({
  inputs,
  backend: kernelBackend,
  attrs,
}: KernelArgs): tf.TensorInfo[] {
  const { dy, xhat, scale, gain } = inputs as Record<
    'dy' | 'xhat' | 'scale' | 'gain',
    tf.TensorInfo
  >;
  const { rms, wantGain, wantBias } = attrs as unknown as NormAttrs;
  float32(NORM_BACKWARD, dy, xhat);
  const width = dy.shape[dy.shape.length - 1];
  const rows = tf.util.sizeFromShape(dy.shape) / width;
  if (
    gain.shape[0] !== width ||
    scale.dtype !== 'float32' ||
    tf.util.sizeFromShape(scale.shape) !== rows
  ) {
    throw new Error(
      `${NORM_BACKWARD}: expected a gain of ${width} values and ${rows} row scales, got [${gain.shape.join(', ')}] and [${scale.shape.join(', ')}]`,
    );
  }
  const backend = kernelBackend as unknown as WasmBackend;
  const kernels = kernelsFor(backend) as SimdExports;
  const dx = backend.makeOutput([...dy.shape], 'float32');
  const dgain = wantGain ? backend.makeOutput([width], 'float32') : null;
  const dbias = wantBias ? backend.makeOutput([width], 'float32') : null;
  const at = (t: tf.TensorInfo | null) => (t ? offsetOf(backend, t) : 0);
  kernels.normBackward(
    at(dy),
    at(xhat),
    at(scale),
    at(gain),
    at(dx),
    at(dgain),
    at(dbias),
    rows,
    width,
    rms ? 1 : 0,
    wantGain ? 1 : 0,
    wantBias ? 1 : 0,
  );
  return [dx, ...(dgain ? [dgain] : []), ...(dbias ? [dbias] : [])];
}

/** Whether a norm over a last axis of `width` values runs as the fused kernels (a multiple of 4). */
export function simdNormAvailable(width: number): boolean {
  return width % 4 === 0 && simdKernelsAvailable();
}

/**
 * LayerNorm (RMSNorm with `rms`) over the last axis as one kernel: the output, x̂ and each row's
 * σ (or r, `[…, 1]`), as `model/norm.ts`'s ops give them. Call when `simdNormAvailable`.
 */
export function simdNormForward(
  rms: boolean,
  x: tf.Tensor,
  gain: tf.Tensor,
  bias: tf.Tensor | null,
  epsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(NORM_FORWARD, bias ? { x, gain, bias } : { x, gain }, {
    rms,
    epsilon,
  } as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** The norm's dx, then dγ and dβ when asked, as `model/norm.ts`'s written-out gradient gives them. */
export function simdNormBackward(
  rms: boolean,
  dy: tf.Tensor,
  xhat: tf.Tensor,
  scale: tf.Tensor,
  gain: tf.Tensor,
  wantGain: boolean,
  wantBias: boolean,
): tf.Tensor[] {
  return tf.engine().runKernel(NORM_BACKWARD, { dy, xhat, scale, gain }, {
    rms,
    wantGain,
    wantBias,
  } as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
