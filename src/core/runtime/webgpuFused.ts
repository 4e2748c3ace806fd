/**
 * Fused WGSL kernels for the training step on tfjs's WebGPU backend.
 *
 * On a small model a step is dispatch-bound: tfjs runs every elementwise op as its own program, so
 * AdamW alone was about 15 dispatches per parameter (scale the gradient, two moments, bias
 * correction, decay, update) and the global gradient norm two more (square, sum). Here:
 *
 * - `sumOfSquares` adds the squares of up to 6 gradients per dispatch into a running total (one
 *   workgroup; a chain of ⌈n/6⌉ dispatches for n gradients);
 * - `fusedAdamW` updates one parameter and both its moments in one dispatch, taking the clip
 *   factor min(1, maxNorm / ‖g‖) from that total on the GPU (no read-back).
 *
 * tfjs programs have one output, so these kernels are encoded directly into the backend's own
 * command encoder and compute pass (the same order as its programs, submitted with them), writing
 * into fresh buffers that become ordinary tensors. They use the backend's internals as tfjs
 * 4.22 has them; `fusedKernelsAvailable` says whether those are there, and callers keep the plain
 * ops otherwise. The arithmetic is AdamW's as `train/adamw.ts` writes it, in the same order, so the
 * results match the plain ops' to float rounding (tested against them in the browser).
 *
 * It changes what training computes (in the last bits), so the stage cache's source hash covers
 * it (a root of `STAGE_CODE_ROOTS` in scripts/sourceHash.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { countLabDispatch } from './dispatchCount';

/** What the kernels use of tfjs 4.22's `WebGPUBackend`. */
interface Backend {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: tf.DataId): { resource: unknown } | undefined };
  uploadToGPU(dataId: tf.DataId): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  uniformPendingDisposal: GPUBuffer[];
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  activeTimers?: unknown;
}

let enabled = true;

/** Turn the fused kernels off (the bench's before/after, tests comparing both paths). */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

function backendInternals(): Backend | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const b = tf.backend() as unknown as Partial<Backend>;
  const methods = [
    'uploadToGPU',
    'makeTensorInfo',
    'ensureCommandEncoderReady',
    'endComputePassEncoder',
    'submitQueue',
  ] as const;
  if (!b.device || !b.queue || !b.tensorMap || !b.bufferManager) return null;
  if (methods.some((m) => typeof b[m] !== 'function')) return null;
  if (!Array.isArray(b.uniformPendingDisposal) || typeof b.dispatchCountInPass !== 'number') {
    return null;
  }
  return b as Backend;
}

/**
 * Whether to take the fused kernels now: on WebGPU with the internals they need, unless turned off
 * or a profiling session (tf.profile / tf.time, timing programs one by one) is on. A gradient of
 * a fused op runs fused whatever this says later.
 */
export function fusedKernelsAvailable(): boolean {
  const backend = backendInternals();
  return enabled && backend !== null && backend.activeTimers == null;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipeline(backend: Backend, name: string, code: string): GPUComputePipeline {
  let cache = pipelines.get(backend.device);
  if (!cache) pipelines.set(backend.device, (cache = new Map()));
  let found = cache.get(name);
  if (!found) {
    const module = backend.device.createShaderModule({ code, label: name });
    found = backend.device.createComputePipeline({
      label: name,
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    cache.set(name, found);
  }
  return found;
}

function bufferOf(backend: Backend, t: tf.TensorInfo): GPUBuffer {
  backend.uploadToGPU(t.dataId);
  const resource = backend.tensorMap.get(t.dataId)?.resource;
  if (!(resource instanceof GPUBuffer)) {
    throw new Error('a fused WebGPU kernel needs its tensors in GPU buffers');
  }
  return resource;
}

/**
 * 32-bit words (u32 or f32 by `kinds`, one kind for all or one per word), padded to 16 bytes, as a
 * uniform buffer for the next submit.
 */
function uniforms(
  backend: Backend,
  values: number[],
  kinds: 'u32' | readonly ('u32' | 'f32')[],
): GPUBuffer {
  const words = Math.ceil(values.length / 4) * 4;
  const data = new ArrayBuffer(words * 4);
  const u32 = new Uint32Array(data);
  const f32 = new Float32Array(data);
  values.forEach((value, i) => {
    if ((typeof kinds === 'string' ? kinds : kinds[i]) === 'u32') u32[i] = value;
    else f32[i] = value;
  });
  const buffer = backend.bufferManager.acquireBuffer(
    data.byteLength,
    GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM,
  );
  backend.queue.writeBuffer(buffer, 0, data);
  // Released with tfjs's own uniforms once the command buffer is submitted.
  backend.uniformPendingDisposal.push(buffer);
  return buffer;
}

/**
 * One dispatch of the kernel `name` (compiled from `code` once per device), encoded into tfjs's
 * current compute pass as `recordAndSubmit` does for its programs. Its bindings are, in order, a
 * fresh float32 output per shape of `outputs`, `inputs` and the uniform buffer `params` (the order
 * `bindings` declares them in); the outputs come back as tensors, tracked by the enclosing tidy.
 */
function run(
  backend: Backend,
  name: string,
  code: string,
  outputs: number[][],
  inputs: readonly tf.TensorInfo[],
  params: GPUBuffer,
  workgroups: [number, number],
): tf.Tensor[] {
  const pipe = pipeline(backend, name, code);
  const outs = outputs.map((shape) => backend.makeTensorInfo(shape, 'float32'));
  const buffers = [...outs, ...inputs].map((t) => bufferOf(backend, t));
  const bindGroup = backend.device.createBindGroup({
    layout: pipe.getBindGroupLayout(0),
    entries: [...buffers, params].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  // The buffers may not be released or re-used before this command buffer is submitted.
  for (const t of [...outs, ...inputs]) backend.commandQueueOwnedIds.add(t.dataId);
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) {
    backend.computePassEncoder = (backend.commandEncoder as GPUCommandEncoder).beginComputePass();
  }
  backend.computePassEncoder.setPipeline(pipe);
  backend.computePassEncoder.setBindGroup(0, bindGroup);
  backend.computePassEncoder.dispatchWorkgroups(workgroups[0], workgroups[1]);
  backend.dispatchCountInPass++;
  countLabDispatch(backend, name);
  if (tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  return outs.map((info) => tf.engine().makeTensorFromTensorInfo(info));
}

/** WGSL bindings in `run`'s order: read-write `outputs`, read-only `inputs`, then uniform `u`. */
function bindings(outputs: string[], inputs: string[], uniformType = 'Params'): string {
  const storage = [
    ...outputs.map((name) => `var<storage, read_write> ${name}: array<f32>;`),
    ...inputs.map((name) => `var<storage, read> ${name}: array<f32>;`),
    `var<uniform> u: ${uniformType};`,
  ];
  return storage.map((line, i) => `@group(0) @binding(${i}) ${line}`).join('\n');
}

const WORKGROUP = 64;
const MAX_WORKGROUPS_X = 65535;

/** Workgroups for `size` threads of `WORKGROUP`: a 2-D grid past the per-dimension limit. */
function grid(size: number): [number, number] {
  const groups = Math.max(1, Math.ceil(size / WORKGROUP));
  if (groups <= MAX_WORKGROUPS_X) return [groups, 1];
  return [MAX_WORKGROUPS_X, Math.ceil(groups / MAX_WORKGROUPS_X)];
}

const SUM_INPUTS = 6;
const SUM_THREADS = 256;

const SUM_OF_SQUARES = /* wgsl */ `
struct Sizes { n: array<vec4<u32>, 2> }
${bindings(
  ['total'],
  ['previous', ...Array.from({ length: SUM_INPUTS }, (_, i) => `x${i}`)],
  'Sizes',
)}
var<workgroup> partial: array<f32, ${SUM_THREADS}>;

fn size(i: u32) -> u32 { return u.n[i / 4u][i % 4u]; }

@compute @workgroup_size(${SUM_THREADS})
fn main(@builtin(local_invocation_index) lane: u32) {
  var acc = 0.0;
${Array.from(
  { length: SUM_INPUTS },
  (_, i) =>
    `  for (var j = lane; j < size(${i}u); j += ${SUM_THREADS}u) { let g = x${i}[j]; acc += g * g; }`,
).join('\n')}
  partial[lane] = acc;
  workgroupBarrier();
  for (var stride = ${SUM_THREADS / 2}u; stride > 0u; stride >>= 1u) {
    if (lane < stride) { partial[lane] += partial[lane + stride]; }
    workgroupBarrier();
  }
  if (lane == 0u) {
    var before = 0.0;
    if (size(${SUM_INPUTS}u) != 0u) { before = previous[0]; }
    total[0] = before + partial[0];
  }
}
`;

/**
 * Σ‖x‖² over `tensors` (at least one) as a [1] tensor the caller owns, in ⌈n/6⌉ dispatches.
 * Tracked by the enclosing tidy like any op's result.
 */
export function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Tensor {
  const backend = required();
  if (tensors.length === 0) throw new Error('sumOfSquares needs at least one tensor');
  let running: tf.Tensor | null = null;
  for (let start = 0; start < tensors.length; start += SUM_INPUTS) {
    const chunk = tensors.slice(start, start + SUM_INPUTS);
    // Unused slots (and `previous` on the first chunk) are bound read-only to the chunk's first
    // tensor with size 0: every binding needs a buffer, and none may be the output.
    const inputs = Array.from({ length: SUM_INPUTS }, (_, i) => chunk[i] ?? chunk[0]);
    const sizes = [
      ...Array.from({ length: SUM_INPUTS }, (_, i) => (chunk[i] ? chunk[i].size : 0)),
      running ? 1 : 0,
      0,
    ];
    const [total] = run(
      backend,
      'LabSumOfSquares',
      SUM_OF_SQUARES,
      [[1]],
      [running ?? chunk[0], ...inputs],
      uniforms(backend, sizes, 'u32'),
      [1, 1],
    );
    running?.dispose();
    running = total;
  }
  return running as tf.Tensor;
}

const ADAMW = /* wgsl */ `
struct Params {
  size: u32, clip: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, decay: f32, stepSize: f32,
  rootBias2: f32, epsilon: f32, rowStride: u32, pad: u32,
}
${bindings(['pOut', 'mOut', 'vOut'], ['p', 'grad', 'm', 'v', 'squares'])}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x + id.y * u.rowStride;
  if (i >= u.size) { return; }
  var scale = 1.0;
  if (u.clip > 0.0) { scale = min(1.0, u.clip / max(sqrt(squares[0]), 1e-12)); }
  let g = grad[i] * scale;
  let mi = m[i] * u.beta1 + g * u.oneMinusBeta1;
  let vi = v[i] * u.beta2 + (g * g) * u.oneMinusBeta2;
  mOut[i] = mi;
  vOut[i] = vi;
  let denominator = sqrt(vi) / u.rootBias2 + u.epsilon;
  pOut[i] = p[i] * u.decay - (mi / denominator) * u.stepSize;
}
`;

export interface FusedAdamWStep {
  /** maxGradNorm; ≤ 0: no clipping. */
  clip: number;
  beta1: number;
  beta2: number;
  /** 1 − lr·λ for a decayed parameter, else 1. */
  decay: number;
  /** lr / (1 − β₁ᵗ). */
  stepSize: number;
  /** √(1 − β₂ᵗ). */
  rootBias2: number;
  epsilon: number;
}

/**
 * One AdamW update of `p` with gradient `grad` (scaled by min(1, clip / √squares[0])) and moments
 * `m`, `v`, in one dispatch: the new parameter and moments as fresh tensors (the caller assigns
 * them). Tracked by the enclosing tidy.
 */
export function fusedAdamW(
  p: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  squares: tf.Tensor,
  step: FusedAdamWStep,
): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  const backend = required();
  const workgroups = grid(p.size);
  const params = uniforms(
    backend,
    [
      p.size,
      step.clip,
      step.beta1,
      1 - step.beta1,
      step.beta2,
      1 - step.beta2,
      step.decay,
      step.stepSize,
      step.rootBias2,
      step.epsilon,
      workgroups[0] * WORKGROUP,
      0,
    ],
    ['u32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'u32', 'u32'],
  );
  const [pOut, mOut, vOut] = run(
    backend,
    'LabFusedAdamW',
    ADAMW,
    [p.shape, m.shape, v.shape],
    [p, grad, m, v, squares],
    params,
    workgroups,
  );
  return { p: pOut, m: mOut, v: vOut };
}

const ROW_LANES = 64;

/** A workgroup's sum of each lane's `value` (every lane gets it); called in uniform control flow. */
const ROW_REDUCE = /* wgsl */ `
var<workgroup> lanes: array<f32, ${ROW_LANES}>;
fn rowSum(lane: u32, value: f32) -> f32 {
  lanes[lane] = value;
  workgroupBarrier();
  for (var stride = ${ROW_LANES / 2}u; stride > 0u; stride >>= 1u) {
    if (lane < stride) { lanes[lane] += lanes[lane + stride]; }
    workgroupBarrier();
  }
  let total = lanes[0];
  workgroupBarrier();
  return total;
}`;

/** Row statistics shared by the norm kernels: `mean` (0 for RMSNorm) and `rstd`. */
const ROW_STATS = (rms: boolean) => /* wgsl */ `
  var mean = 0.0;
  ${
    rms
      ? ''
      : `var s = 0.0;
  for (var j = lane; j < u.d; j += ${ROW_LANES}u) { s += x[base + j]; }
  mean = rowSum(lane, s) / f32(u.d);`
  }
  var q = 0.0;
  for (var j = lane; j < u.d; j += ${ROW_LANES}u) { let c = x[base + j] - mean; q += c * c; }
  let rstd = ${rms ? 'inverseSqrt' : '1.0 / sqrt'}(rowSum(lane, q) / f32(u.d) + u.epsilon);`;

const NORM_UNIFORMS = 'struct Params { rows: u32, d: u32, epsilon: f32, rowStride: u32 }';

/** A norm kernel that takes a row a workgroup: its bindings, then `body` after the row's stats. */
const ROW_KERNEL = (rms: boolean, bindings: string, body: string) => /* wgsl */ `
${NORM_UNIFORMS}
${bindings}
${ROW_REDUCE}
@compute @workgroup_size(${ROW_LANES})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = group.x + group.y * u.rowStride;
  if (row >= u.rows) { return; }
  let base = row * u.d;
${ROW_STATS(rms)}
${body}
}`;

/** y = (x − mean)/√(var + ε)·γ + β (LayerNorm) or x·rsqrt(mean x² + ε)·γ (RMSNorm), a row a workgroup. */
const NORM_FORWARD = (rms: boolean) =>
  ROW_KERNEL(
    rms,
    bindings(['y'], ['x', 'gain', 'bias']),
    `  for (var j = lane; j < u.d; j += ${ROW_LANES}u) {
    y[base + j] = ${rms ? '(x[base + j] * rstd) * gain[j]' : '((x[base + j] - mean) * rstd) * gain[j] + bias[j]'};
  }
  // Every binding must be used (the layout is the shader's); RMSNorm's bias slot never is.
  if (u.rows == 0u) { y[0] = bias[0]; }`,
  );

/**
 * dx of the norm (a row a workgroup), and each row's mean and rstd for the gain's gradient:
 * x̂ = (x − mean)·rstd, g = dy·γ, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) (RMSNorm: no mean(g) term).
 */
const NORM_BACKWARD_INPUT = (rms: boolean) =>
  ROW_KERNEL(
    rms,
    bindings(['dx', 'stats'], ['dy', 'x', 'gain']),
    `  var a = 0.0;
  var b = 0.0;
  for (var j = lane; j < u.d; j += ${ROW_LANES}u) {
    let g = dy[base + j] * gain[j];
    a += g;
    b += g * (x[base + j] - mean) * rstd;
  }
  let meanG = ${rms ? '0.0' : 'rowSum(lane, a) / f32(u.d)'};
  let meanGX = rowSum(lane, b) / f32(u.d);
  for (var j = lane; j < u.d; j += ${ROW_LANES}u) {
    let xhat = (x[base + j] - mean) * rstd;
    dx[base + j] = rstd * (dy[base + j] * gain[j] - meanG - xhat * meanGX);
  }
  if (lane == 0u) {
    stats[2u * row] = mean;
    stats[2u * row + 1u] = rstd;
  }`,
  );

/** dγ = Σ_rows dy·x̂ (and LayerNorm's dβ = Σ_rows dy), a column a thread. */
const NORM_BACKWARD_GAIN = (rms: boolean) => /* wgsl */ `
${NORM_UNIFORMS}
${bindings(['dgain', 'dbias'], ['dy', 'x', 'stats'])}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  if (j >= u.d) { return; }
  var g = 0.0;
  var b = 0.0;
  for (var row = 0u; row < u.rows; row++) {
    let i = row * u.d + j;
    g += dy[i] * ((x[i] - stats[2u * row]) * stats[2u * row + 1u]);
    b += dy[i];
  }
  dgain[j] = g;
  ${rms ? 'if (j == 0u) { dbias[0] = 0.0; }' : 'dbias[j] = b;'}
}`;

export type NormKind = 'layernorm' | 'rmsnorm';

function normUniforms(backend: Backend, rows: number, d: number, epsilon: number, stride: number) {
  return uniforms(backend, [rows, d, epsilon, stride], ['u32', 'u32', 'f32', 'u32']);
}

/**
 * LayerNorm (`bias` given) or RMSNorm (`bias` null) of `x` over its last axis, one dispatch
 * forward and one (frozen gain) or two backward. With `trainGain`, the gain (and bias) get their
 * gradients; otherwise they are constants and only `x` is differentiated.
 */
export function fusedNorm(
  x: tf.Tensor,
  gain: tf.Tensor,
  bias: tf.Tensor | null,
  epsilon: number,
  trainGain: boolean,
): tf.Tensor {
  const rms = bias === null;
  const d = x.shape[x.shape.length - 1] as number;
  const rows = x.size / d;
  // A workgroup per row (a 2-D grid past the per-dimension limit).
  const rowGroups: [number, number] =
    rows <= MAX_WORKGROUPS_X ? [rows, 1] : [MAX_WORKGROUPS_X, Math.ceil(rows / MAX_WORKGROUPS_X)];
  const forward = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const backend = required();
    const [y] = run(
      backend,
      rms ? 'LabRMSNorm' : 'LabLayerNorm',
      NORM_FORWARD(rms),
      [xs.shape],
      [xs, g, b],
      normUniforms(backend, rows, d, epsilon, rowGroups[0]),
      rowGroups,
    );
    return y;
  };
  const backward = (dy: tf.Tensor, xs: tf.Tensor, g: tf.Tensor, wantGain: boolean) => {
    const backend = required();
    const name = rms ? 'LabRMSNormGrad' : 'LabLayerNormGrad';
    const [dx, stats] = run(
      backend,
      name,
      NORM_BACKWARD_INPUT(rms),
      [xs.shape, [rows, 2]],
      [dy, xs, g],
      normUniforms(backend, rows, d, epsilon, rowGroups[0]),
      rowGroups,
    );
    if (!wantGain) {
      stats.dispose();
      return { dx };
    }
    const [dgain, dbias] = run(
      backend,
      `${name}Gain`,
      NORM_BACKWARD_GAIN(rms),
      [gain.shape, rms ? [1] : (bias as tf.Tensor).shape],
      [dy, xs, stats],
      normUniforms(backend, rows, d, epsilon, 0),
      grid(d),
    );
    stats.dispose();
    return { dx, dgain, dbias: rms ? (dbias.dispose(), null) : dbias };
  };
  const biasOrGain = bias ?? gain;
  if (!trainGain) {
    const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xs, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
      save([xs]);
      return {
        value: forward(xs, gain, biasOrGain),
        gradFunc: (dy: tf.Tensor, [savedX]: tf.Tensor[]) => backward(dy, savedX, gain, false).dx,
      };
    });
    return op(x);
  }
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const tensors = inputs.slice(0, -1) as tf.Tensor[];
    const save = inputs[inputs.length - 1] as tf.GradSaveFunc;
    const [xs, g] = tensors;
    save([xs, g]);
    return {
      value: forward(xs, g, tensors[2] ?? g),
      gradFunc: (dy: tf.Tensor, [savedX, savedG]: tf.Tensor[]) => {
        const grads = backward(dy, savedX, savedG, true);
        return rms
          ? [grads.dx, grads.dgain as tf.Tensor]
          : [grads.dx, grads.dgain as tf.Tensor, grads.dbias as tf.Tensor];
      },
    };
  });
  return rms ? op(x, gain) : op(x, gain, bias as tf.Tensor);
}

/** GPT-2's gelu_new, x·σ(2u) with u = √(2/π)(x + 0.044715x³), and its derivative, as `activate` has it. */
const GELU_NEW = (backward: boolean) => /* wgsl */ `
struct Params { size: u32, rowStride: u32, pad0: u32, pad1: u32 }
${bindings(['y'], ['x', 'dy'])}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x + id.y * u.rowStride;
  if (i >= u.size) { return; }
  let v = x[i];
  let twiceInner = (v + ((v * v) * v) * 0.044715) * ${(2 * Math.sqrt(2 / Math.PI)).toPrecision(17)};
  let s = 1.0 / (1.0 + exp(-twiceInner));
  ${
    backward
      ? `let dInner = ${(2 * Math.sqrt(2 / Math.PI)).toPrecision(17)} * (1.0 + 3.0 * 0.044715 * v * v);
  y[i] = dy[i] * (s + v * s * (1.0 - s) * dInner);`
      : `y[i] = v * s;
  // Every binding must be used (the layout is the shader's); the forward pass has no dy.
  if (u.size == 0u) { y[0] = dy[0]; }`
  }
}`;

/** gelu_new of `x` in one dispatch forward and one backward. */
export function fusedGeluNew(x: tf.Tensor): tf.Tensor {
  const gelu = (backward: boolean, xs: tf.Tensor, dy: tf.Tensor): tf.Tensor => {
    const backend = required();
    const groups = grid(xs.size);
    const [y] = run(
      backend,
      backward ? 'LabGeluNewGrad' : 'LabGeluNew',
      GELU_NEW(backward),
      [xs.shape],
      [xs, dy],
      uniforms(backend, [xs.size, groups[0] * WORKGROUP, 0, 0], 'u32'),
      groups,
    );
    return y;
  };
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
    save([xs]);
    return {
      value: gelu(false, xs, xs),
      gradFunc: (dy: tf.Tensor, [savedX]: tf.Tensor[]) => gelu(true, savedX, dy),
    };
  });
  return op(x);
}

function required(): Backend {
  const backend = backendInternals();
  if (!backend) throw new Error('the fused WebGPU kernels are not available');
  return backend;
}
