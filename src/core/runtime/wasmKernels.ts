/**
 * Kernels for tfjs-backend-wasm 4.22 where its own spend a training step's time on work that is
 * not arithmetic (measured with `npm run bench -- --backend wasm --profile`, reference size, one
 * thread, on this machine):
 *
 * - `SlicedMatMul` (a kernel of the lab's own): a batched product as one XNNPACK product per
 *   slice. tfjs-backend-wasm sends a product to XNNPACK only at batch 1; a batch runs a scalar loop
 *   (attention's `[32, 64, 64]·[32, 64, 32]` at 1.5–2.6 GFLOP/s, XNNPACK's 2-D products at 15–30).
 *   Each slice's product reads its operands and writes its result in place, through wasm's own
 *   `BatchMatMul` entry point; the kernel profile sees the whole kernel, not its slices.
 * - `Transpose` of the last two axes: tfjs's 2-D loop writes with a stride of a whole row, a
 *   power of two here, and thrashes the cache (`[512, 384]` 1.03 ms); as two passes over blocks of
 *   8 (runs of 8 copied, then `[rows, 8]` transposes) the same transpose takes 0.21 ms. With the
 *   SIMD kernels (`simdOverrides.ts`) and sides in multiples of 4, one pass of 4×4 blocks instead;
 *   and attention's `[0, 2, 1, 3]` as bulk copies of whole runs. `Concat` as a bulk copy per part
 *   there too.
 * - `GatherV2` of whole rows (an embedding lookup): tfjs's kernel computes every element's offset
 *   (2 ms for 512 rows of 128); here each row is one copy (`TypedArray.set`).
 * - `Slice` and `SplitV`: tfjs's Slice first copies its whole input out of the wasm heap into a
 *   fresh JavaScript buffer (`readSync`), for every part: splitting q, k and v out of `[512, 384]`
 *   took 0.2 ms at best and 11 ms typically, with the garbage collector. Here the parts are copied
 *   from the heap itself, run by run.
 * - `Identity` (`tf.clone`, and every tensor the engine saves for a backward pass) and `Cast` to
 *   the dtype a tensor has (tfjs's gradients of `mul` and `square` cast their inputs to float32)
 *   share the input's buffer, as tfjs's cpu backend does, instead of copying it (about 190 and 50
 *   copies a step). Tensors are immutable in tfjs; a Variable's `assign` replaces its buffer rather
 *   than writing it, and no kernel here writes into an input.
 *
 * - `LabCacheWrite` (the lab's own): a decoding step's key or value written into its cache in place,
 *   where `cache + writeMask·update` made and summed a cache-sized product per block and cache.
 *
 * Each result is bit for bit the original kernel's (copies, or XNNPACK's product of the same
 * operands); other shapes and dtypes go to the original kernels. `useWasmKernels` installs them once,
 * on first use (`runsOnWasm`, which the model and the optimizer ask before they take a wasm path);
 * they change no trained value, but `model/matmul.ts` imports them, so they are part of the stage
 * cache's source hash.
 */
import * as tf from '@tensorflow/tfjs';
import { simdBatchMatMul, simdConcat, simdProducts, simdTranspose } from './simdOverrides';

/** What the kernels use of tfjs-backend-wasm 4.22's `BackendWasm`. */
interface WasmBackend {
  /** With `memoryOffset`: a tensor over memory that is already there (nothing allocated). */
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  readSync(dataId: tf.DataId): ArrayLike<number>;
  disposeData(dataId: tf.DataId): boolean;
  incRef(dataId: tf.DataId): void;
  dataIdMap: {
    get(dataId: tf.DataId): { id: number; memoryOffset: number };
    delete(dataId: tf.DataId): boolean;
  };
  wasm: {
    cwrap(name: string, returns: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { disposeData(id: number): void };
  };
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The lab's batched product on wasm: `a: [n, m, k]` times `b: [n | 1, k, p]`, untransposed. */
export const SLICED_MATMUL = 'SlicedMatMul';

/**
 * The lab's in-place write of a decoding step's key or value into its cache on wasm: `cache:
 * [slices, maxLen, headDim]` with row `slot` of each slice replaced by `update: [slices, 1,
 * headDim]`. The result shares the cache's buffer, which is written: the one kernel here that
 * writes into an input, for the decoding cache, whose old tensor is disposed unread
 * (`forward.ts`'s `cacheWritten`).
 */
export const CACHE_WRITE = 'LabCacheWrite';

/** Block of the two-pass transpose: runs of 8 floats (32 bytes) copied at a time. */
const TRANSPOSE_BLOCK = 8;

/** Matrices smaller than this transpose as fast in one pass (`[128, 384]`: 0.14 against 0.11 ms). */
const BLOCKED_TRANSPOSE_MIN = 16384;

let installed = false;

/** Installs the kernels above for the wasm backend, once; true when they are (wasm is registered). */
export function useWasmKernels(): boolean {
  if (installed) return true;
  const original = (name: string) => tf.getKernel(name, 'wasm')?.kernelFunc;
  const transpose = original('Transpose');
  const gather = original('GatherV2');
  const identity = original('Identity');
  const slice = original('Slice');
  const split = original('SplitV');
  const cast = original('Cast');
  const concat = original('Concat');
  if (!transpose || !gather || !identity || !slice || !split || !cast || !concat) return false;
  const product = original('BatchMatMul');
  if (!product) return false;
  installed = true;
  override('Transpose', (args) => simdTranspose(args) ?? blockedTranspose(args) ?? transpose(args));
  override('GatherV2', (args) => rowGather(args) ?? gather(args));
  override('Identity', (args) => sharedIdentity(args) ?? identity(args));
  override('Cast', (args) => sameTypeCast(args) ?? cast(args));
  override('Slice', (args) => heapSlice(args) ?? slice(args));
  override('SplitV', (args) => splitBySlices(args) ?? split(args));
  override('Concat', (args) => simdConcat(args) ?? concat(args));
  override('BatchMatMul', (args) => simdBatchMatMul(args) ?? product(args));
  tf.registerKernel({ kernelName: SLICED_MATMUL, backendName: 'wasm', kernelFunc: slicedMatMul });
  tf.registerKernel({ kernelName: CACHE_WRITE, backendName: 'wasm', kernelFunc: cacheWrite });
  return true;
}

/**
 * Whether tfjs runs on its wasm backend, with the kernels above installed: where the model and the
 * optimizer take the paths that suit tfjs-backend-wasm 4.22 (explicit transposes, sliced products,
 * the softmax's log-sum-exp, AdamW in `wasmAdamW.ts`).
 */
export function runsOnWasm(): boolean {
  return tf.getBackend() === 'wasm' && useWasmKernels();
}

function override(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const config = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...config, kernelFunc });
}

/** A kernel of the registry, looked up at each call: a profile's wrapper then sees the call. */
function callKernel(kernelName: string, args: KernelArgs): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wasm has no ${kernelName} kernel`);
  return kernel.kernelFunc(args) as tf.TensorInfo;
}

/** A tensor as the same buffer in another shape (what wasm's own Reshape does). */
function view(backend: WasmBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

function sharedIdentity({ inputs, backend }: KernelArgs): tf.TensorInfo | null {
  const x = (inputs as { x: tf.TensorInfo }).x;
  if (x.dtype === 'string') return null;
  return view(backend as unknown as WasmBackend, x, [...x.shape]);
}

function sameTypeCast(args: KernelArgs): tf.TensorInfo | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  return dtype === x.dtype ? sharedIdentity(args) : null;
}

/**
 * A float32 transpose of the last two axes, `[…, r, c]` to `[…, c, r]`, in two passes over blocks
 * of 8 along whichever axis has them: with `c = 8q`, `[n, r, q, 8] → [n, q, r, 8]` (runs of 8
 * copied) then `→ [n, q, 8, r]` (a `[r, 8]` transpose per block); with `r = 8q`, the mirror
 * image. Null for anything else, which the original kernel takes.
 */
function blockedTranspose(args: KernelArgs): tf.TensorInfo | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  const perm = (args.attrs as unknown as { perm: number[] }).perm;
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) return null;
  if (perm.some((axis, i) => axis !== (i < rank - 2 ? i : 2 * rank - 3 - i))) return null;
  const [r, c] = x.shape.slice(-2);
  // A side of one block is already one block's transpose (and the passes below are such calls).
  if (r * c < BLOCKED_TRANSPOSE_MIN || r <= TRANSPOSE_BLOCK || c <= TRANSPOSE_BLOCK) return null;
  const n = x.shape.slice(0, -2).reduce((a, d) => a * d, 1);
  const backend = args.backend as unknown as WasmBackend;
  const b = TRANSPOSE_BLOCK;
  const step = (input: tf.TensorInfo, order: number[]) =>
    callKernel('Transpose', {
      inputs: { x: input },
      backend: args.backend,
      attrs: { perm: order },
    });
  let first: tf.TensorInfo;
  let second: tf.TensorInfo;
  if (c % b === 0) {
    const blocks = view(backend, x, [n, r, c / b, b]);
    first = step(blocks, [0, 2, 1, 3]);
    second = step(first, [0, 1, 3, 2]);
    backend.disposeData(blocks.dataId);
  } else if (r % b === 0) {
    // [n, q, 8, c] → [n, q, c, 8] (a [8, c] transpose per block) → [n, c, q, 8].
    const blocks = view(backend, x, [n, r / b, b, c]);
    first = step(blocks, [0, 1, 3, 2]);
    second = step(first, [0, 2, 1, 3]);
    backend.disposeData(blocks.dataId);
  } else return null;
  backend.disposeData(first.dataId);
  return { dataId: second.dataId, shape: [...x.shape.slice(0, -2), c, r], dtype: 'float32' };
}

/** Runs shorter than this are copied element by element: a `subarray` per run costs more. */
const SHORT_RUN = 32;

/**
 * A slice of a numeric tensor, copied from the heap in runs: the trailing axes taken whole and the
 * part of the axis before them make one contiguous run per index of the axes further out.
 */
function heapSlice(args: KernelArgs): tf.TensorInfo | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  if (x.dtype === 'string') return null;
  const attrs = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
  const [start, extent] = tf.slice_util.parseSliceParams(
    x as unknown as tf.TensorInfo & tf.Tensor,
    attrs.begin,
    attrs.size,
  );
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(extent, x.dtype);
  const total = tf.util.sizeFromShape(extent);
  if (total === 0) return out;
  const shape = x.shape;
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let axis = rank - 1, stride = 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  // The innermost axis not taken whole: each run is its part times the axes inside it.
  let axis = rank - 1;
  while (axis > 0 && start[axis] === 0 && extent[axis] === shape[axis]) axis--;
  const length = extent[axis] * strides[axis];
  const runs = total / length;
  // Views after the allocation: growing the heap replaces its buffer.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const index = new Array<number>(axis).fill(0);
  for (let r = 0; r < runs; r++) {
    let from = start[axis] * strides[axis];
    for (let i = 0; i < axis; i++) from += (start[i] + index[i]) * strides[i];
    const to = r * length;
    if (length < SHORT_RUN) {
      for (let j = 0; j < length; j++) target[to + j] = source[from + j];
    } else {
      target.set(source.subarray(from, from + length), to);
    }
    for (let i = axis - 1; i >= 0; i--) {
      if (++index[i] < extent[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

/** `SplitV` as one registry `Slice` per part (tfjs's calls its own Slice directly). */
function splitBySlices(args: KernelArgs): tf.TensorInfo[] | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  if (x.dtype === 'string') return null;
  const { numOrSizeSplits, axis } = args.attrs as unknown as {
    numOrSizeSplits: number | number[];
    axis: number;
  };
  const along = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, along);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((part) => {
    const size = [...x.shape];
    size[along] = part;
    const piece = callKernel('Slice', {
      inputs: { x },
      backend: args.backend,
      attrs: { begin: [...begin], size },
    });
    begin[along] += part;
    return piece;
  });
}

/**
 * `GatherV2` of whole rows of a float32 matrix (`axis` 0, no batch dimensions): one copy per index.
 * An index outside the table throws tfjs's own message.
 */
function rowGather(args: KernelArgs): tf.TensorInfo | null {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
  if (x.dtype !== 'float32' || x.shape.length !== 2 || batchDims !== 0) return null;
  if (axis !== 0 && axis !== -2) return null;
  const backend = args.backend as unknown as WasmBackend;
  const ids = backend.readSync(indices.dataId);
  const [rows, width] = x.shape;
  for (let i = 0; i < ids.length; i++) {
    const index = ids[i];
    if (!(index >= 0 && index <= rows - 1)) {
      throw new Error(`GatherV2: the index value ${index} is not in [0, ${rows - 1}]`);
    }
  }
  const out = backend.makeOutput([...indices.shape, width], 'float32');
  // Views after the allocation: growing the heap replaces its buffer.
  const table = backend.typedArrayFromHeap(x) as Float32Array;
  const values = backend.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0; i < ids.length; i++) {
    const start = ids[i] * width;
    values.set(table.subarray(start, start + width), i * width);
  }
  return out;
}

/** tfjs-backend-wasm's own `BatchMatMul` entry point (as `kernels/BatchMatMul.js` wraps it), by tensor ids. */
type WasmProduct = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

/** The entry point per wasm module (a backend made again gets a module of its own). */
const wasmProducts = new WeakMap<object, WasmProduct>();

function productOf(backend: WasmBackend): WasmProduct {
  let product = wasmProducts.get(backend.wasm);
  if (!product) {
    const args = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number'];
    product = backend.wasm.cwrap('BatchMatMul', null, [...args, 'number']) as WasmProduct;
    wasmProducts.set(backend.wasm, product);
  }
  return product;
}

/**
 * `a: [n, m, k]` times `b: [n, k, p]` (or `[1, k, p]`, shared) as n products `[1, m, k]·[1, k, p]`,
 * XNNPACK's case, each straight from its slices of `a` and `b` into its slice of the output: the
 * slices are tensors registered over the operands' own memory (`makeOutput` with an offset), so
 * nothing is copied. They are let go without `disposeData`, which would free memory they do not
 * own: the wasm side forgets each id (and the XNNPACK operator packed for it) and the JavaScript
 * side its entry. A shared `b` is passed as itself, so its operator is packed once.
 */
function slicedMatMul({ inputs, backend: kernelBackend }: KernelArgs): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const backend = kernelBackend as unknown as WasmBackend;
  const [n, m, k] = a.shape;
  const [nb, kb, p] = b.shape;
  if (a.shape.length !== 3 || b.shape.length !== 3 || k !== kb || (nb !== n && nb !== 1)) {
    throw new Error(
      `${SLICED_MATMUL}: expected [n, m, k] · [n | 1, k, p], got [${a.shape.join(', ')}] · [${b.shape.join(', ')}]`,
    );
  }
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`${SLICED_MATMUL}: float32 only, got ${a.dtype} · ${b.dtype}`);
  }
  const out = backend.makeOutput([n, m, p], 'float32');
  const at = (info: tf.TensorInfo) => backend.dataIdMap.get(info.dataId).memoryOffset;
  const [aStart, bStart, outStart] = [at(a), at(b), at(out)];
  // The SIMD kernel takes every slice in one call where it runs (the same values).
  const offsets = { a: aStart, b: bStart, out: outStart };
  if (simdProducts(backend, offsets, n, [m, k, p], nb === 1 ? 0 : 4 * k * p)) return out;
  const wasmProduct = productOf(backend);
  const views: tf.TensorInfo[] = [];
  const view = (offset: number, shape: number[]) => {
    const info = backend.makeOutput(shape, 'float32', offset);
    views.push(info);
    return backend.dataIdMap.get(info.dataId).id;
  };
  const aShape = new Uint8Array(new Int32Array([1, m, k]).buffer);
  const bShape = new Uint8Array(new Int32Array([1, k, p]).buffer);
  const sharedId = nb === 1 ? backend.dataIdMap.get(b.dataId).id : null;
  try {
    for (let i = 0; i < n; i++) {
      const left = view(aStart + 4 * i * m * k, [1, m, k]);
      const right = sharedId ?? view(bStart + 4 * i * k * p, [1, k, p]);
      const product = view(outStart + 4 * i * m * p, [1, m, p]);
      wasmProduct(left, aShape, 3, right, bShape, 3, false, false, product);
      // Each slice's ids go at once: the operator packed for `right` with them.
      for (const info of views.splice(0)) release(backend, info);
    }
  } finally {
    for (const info of views) release(backend, info);
  }
  return out;
}

function cacheWrite({ inputs, backend: kernelBackend, attrs }: KernelArgs): tf.TensorInfo {
  const { cache, update } = inputs as { cache: tf.TensorInfo; update: tf.TensorInfo };
  const { slot } = attrs as unknown as { slot: number };
  const [slices, length, width] = cache.shape;
  if (
    cache.shape.length !== 3 ||
    update.shape.length !== 3 ||
    update.shape[0] !== slices ||
    update.shape[1] !== 1 ||
    update.shape[2] !== width ||
    cache.dtype !== 'float32' ||
    update.dtype !== 'float32'
  ) {
    throw new Error(
      `${CACHE_WRITE}: expected float32 [n, length, width] and [n, 1, width], got ${cache.dtype} [${cache.shape.join(', ')}] and ${update.dtype} [${update.shape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(slot) || slot < 0 || slot >= length) {
    throw new Error(`${CACHE_WRITE}: slot ${slot} is not in [0, ${length - 1}]`);
  }
  const backend = kernelBackend as unknown as WasmBackend;
  const out = view(backend, cache, [...cache.shape]);
  const target = backend.typedArrayFromHeap(cache) as Float32Array;
  const source = backend.typedArrayFromHeap(update) as Float32Array;
  for (let i = 0; i < slices; i++) {
    const to = (i * length + slot) * width;
    const from = i * width;
    for (let j = 0; j < width; j++) target[to + j] = source[from + j];
  }
  return out;
}

/** Lets go of a tensor registered over memory it does not own (see `slicedMatMul`). */
function release(backend: WasmBackend, info: tf.TensorInfo): void {
  backend.wasm.tfjs.disposeData(backend.dataIdMap.get(info.dataId).id);
  backend.dataIdMap.delete(info.dataId);
}
