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
 * Here: gelu_new and silu, LayerNorm and RMSNorm, AdamW (`wasmAdamW.ts`), matrix products,
 * transposes, concatenations. Each does the float32 operations of what it replaces in the same
 * order, so every value is tfjs's bit for bit (`tests/unit/model/simdKernels.test.ts`,
 * `tests/unit/runtime/wasmKernels.test.ts`): a trained model is the same. The exception: a batch
 * of products over more than 48 terms that tfjs ran in its scalar loop (decoding's few query rows
 * against many positions), which summed in blocks of 48; summed in order here, those differ in
 * the last bits. Without WebAssembly
 * SIMD, or without the memory (another tfjs build), or turned off, tfjs's own kernels run.
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
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  kernels.geluNewInner(at(x), at(out), tf.util.sizeFromShape(x.shape), GELU_CUBIC, GELU_SCALE);
  return out;
}

function gradKernel({ inputs, backend: kernelBackend }: KernelArgs, name: string): tf.TensorInfo {
  const { x, s, dy } = inputs as { x: tf.TensorInfo; s: tf.TensorInfo; dy: tf.TensorInfo };
  float32(name, x, s, dy);
  const backend = kernelBackend as unknown as WasmBackend;
  const kernels = kernelsFor(backend) as SimdExports;
  const out = backend.makeOutput([...x.shape], 'float32');
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
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
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
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
  const at = (t: tf.TensorInfo | null) => (t ? backend.dataIdMap.get(t.dataId).memoryOffset : 0);
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

/**
 * tfjs's `Transpose` on wasm in SIMD, or null for what it leaves to `wasmKernels.ts` (and without
 * the kernels). Two cases, whose values are only moved (the same bit for bit):
 * - the last two axes of a float32 tensor whose last two sides are multiples of 4, `[…, r, c]` to
 *   `[…, c, r]`: one kernel of 4×4 blocks through registers, in 64×8 tiles;
 * - `[a, b, c, d]` by `[0, 2, 1, 3]` (attention's heads taken out of the tokens and put back):
 *   runs of `d` values copied whole (tfjs's loop moves them one by one).
 */
export function simdTranspose(args: KernelArgs): tf.TensorInfo | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  const perm = (args.attrs as unknown as { perm: number[] }).perm;
  const rank = x.shape.length;
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || rank < 2) return null;
  const backend = args.backend as unknown as WasmBackend;
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  if (rank === 4 && perm.join() === '0,2,1,3') {
    const [a, b, c, d] = x.shape;
    const kernels = kernelsFor(backend);
    if (!kernels || d < 4) return null;
    const out = backend.makeOutput([a, c, b, d], x.dtype);
    const [from, to] = [at(x), at(out)];
    for (let i = 0; i < a; i++) {
      for (let k = 0; k < c; k++) {
        // Row k of every b: runs of d values, c·d apart in x and d apart in the output.
        kernels.copyRuns(
          from + 4 * ((i * b * c + k) * d),
          4 * c * d,
          to + 4 * ((i * c + k) * b * d),
          4 * d,
          b,
          4 * d,
        );
      }
    }
    return out;
  }
  if (x.dtype !== 'float32') return null;
  if (perm.some((axis, i) => axis !== (i < rank - 2 ? i : 2 * rank - 3 - i))) return null;
  const [rows, cols] = x.shape.slice(-2);
  if (rows % 4 !== 0 || cols % 4 !== 0) return null;
  const kernels = kernelsFor(backend);
  if (!kernels) return null;
  const count = tf.util.sizeFromShape(x.shape.slice(0, -2));
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
  if (count * rows * cols === 0) return out;
  kernels.transpose(at(x), at(out), count, rows, cols);
  return out;
}

/**
 * tfjs's `Concat` of float32 or int32 tensors on wasm as one bulk copy per part (runs of each
 * part's inner size into its place in each row of the output), where tfjs made a typed-array view
 * per run (1,536 for attention's q, k and v gradients: 0.45 ms against about 0.05); null for
 * anything else, or without the kernels.
 */
export function simdConcat(args: KernelArgs): tf.TensorInfo | null {
  const inputs = args.inputs as unknown as tf.TensorInfo[];
  if (inputs.length < 2) return null;
  const dtype = inputs[0].dtype;
  if ((dtype !== 'float32' && dtype !== 'int32') || inputs.some((t) => t.dtype !== dtype)) {
    return null;
  }
  const backend = args.backend as unknown as WasmBackend;
  const kernels = kernelsFor(backend);
  if (!kernels) return null;
  const shapes = inputs.map((t) => t.shape);
  const axis = tf.util.parseAxisParam(
    (args.attrs as unknown as { axis: number }).axis,
    shapes[0],
  )[0];
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const outShape = tf.backend_util.computeOutShape(shapes, axis);
  const out = backend.makeOutput(outShape, dtype);
  const rows = tf.util.sizeFromShape(shapes[0].slice(0, axis));
  const inner = shapes.map((shape) => tf.util.sizeFromShape(shape.slice(axis)));
  const total = inner.reduce((sum, n) => sum + n, 0);
  const to = backend.dataIdMap.get(out.dataId).memoryOffset;
  let offset = 0;
  inputs.forEach((input, i) => {
    if (inner[i] > 0 && rows > 0) {
      const from = backend.dataIdMap.get(input.dataId).memoryOffset;
      kernels.copyRuns(from, 4 * inner[i], to + 4 * offset, 4 * total, rows, 4 * inner[i]);
    }
    offset += inner[i];
  });
  return out;
}

/** Columns of B packed at a time by `gemmBatch` (its scratch: k·64 floats). */
const GEMM_PANEL = 64;

/**
 * Multiply-adds from which a product goes to XNNPACK when it has more than one thread: the lab's
 * product runs on one, and XNNPACK's pool splits a large product across its threads.
 */
const THREADED_PRODUCT_MIN = 2 ** 20;

/** XNNPACK's threads on `backend` (1 unless the page is cross-origin isolated). */
function threadsOf(backend: WasmBackend): number {
  return backend.wasm.tfjs?.getThreadsCount?.() ?? 1;
}

/**
 * `count` products `A·B` (A `[m, k]`, B `[k, n]`, n a multiple of 8) through the SIMD kernel, from
 * and into the backend's memory at byte offsets: each slice's A and output after the last, B
 * after the last by `bStride` bytes (0: one B for all). False without the kernels or for another
 * shape, and nothing is written.
 */
export function simdProducts(
  backendInfo: unknown,
  offsets: { a: number; b: number; out: number },
  count: number,
  [m, k, n]: [number, number, number],
  bStride: number,
): boolean {
  const backend = backendInfo as WasmBackend;
  const kernels = kernelsFor(backend);
  if (!kernels || n % 8 !== 0 || m === 0 || n === 0) return false;
  const pack = backend.makeOutput([Math.max(1, k) * GEMM_PANEL], 'float32');
  try {
    const at = backend.dataIdMap.get(pack.dataId).memoryOffset;
    kernels.gemmBatch(offsets.a, offsets.b, offsets.out, count, m, k, n, bStride, GEMM_PANEL, at);
  } finally {
    backend.disposeData(pack.dataId);
  }
  return true;
}

/**
 * tfjs's `BatchMatMul` on wasm through the SIMD kernel: untransposed float32 operands, `[…, m, k]`
 * times `[…, k, n]` with n a multiple of 8 and the same batch, or one B for all. The same values
 * as XNNPACK's products bit for bit (each output summed in k's order), 46–48 GFLOP/s where
 * XNNPACK's ran 34–36 here, and a batch without tfjs's scalar loop (whose blocks of 48 terms summed
 * apart made its values differ in the last bits beyond 48). Null for anything else, and
 * for one large product when XNNPACK has threads to split it over.
 */
export function simdBatchMatMul(args: KernelArgs): tf.TensorInfo | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
  };
  if (transposeA || transposeB || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const [m, k] = a.shape.slice(-2);
  const [kb, n] = b.shape.slice(-2);
  // An empty inner axis is summed to zeros here (tfjs's kernel left its output unwritten).
  if (k !== kb || n % 8 !== 0) return null;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const sizeB = tf.util.sizeFromShape(batchB);
  // One B for every slice of A, or a B per slice; no other broadcast.
  if (sizeB !== 1 && batchA.join() !== batchB.join()) return null;
  if (batchB.length > batchA.length) return null;
  const backend = args.backend as unknown as WasmBackend;
  if (!kernelsFor(backend)) return null;
  const count = tf.util.sizeFromShape(batchA);
  // One large product over several threads: XNNPACK's (a batch is a scalar loop there, so ours).
  if (count === 1 && m * k * n >= THREADED_PRODUCT_MIN && threadsOf(backend) > 1) return null;
  const out = backend.makeOutput([...batchA, m, n], 'float32');
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  if (count * m * n === 0) return out;
  simdProducts(
    backend,
    { a: at(a), b: at(b), out: at(out) },
    count,
    [m, k, n],
    sizeB === 1 ? 0 : 4 * k * n,
  );
  return out;
}
