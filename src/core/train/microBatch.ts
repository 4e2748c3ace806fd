import type { LoraSettings } from '../model/roles';
import type { ModelConfig } from '../model/config';
import {
  WEBGPU_DEFAULT_LIMITS,
  deviceFit,
  estimateMemory,
  keptBlocks,
  formatBytes,
  type DeviceLimits,
} from '../model/memory';
import type { BackendName } from '../runtime/backend';

const GiB = 2 ** 30;

/** wasm32's linear memory: everything the wasm backend holds lives in these 4 GiB. */
export const WASM_HEAP_BYTES = 4 * GiB;

/**
 * What one training step may take by the estimate (`estimateMemory`, which counts live tensors:
 * weights, adapter, AdamW's moments, gradients, activations) on each backend:
 * - wasm: 3.5 GiB of the 4 GiB heap, counting besides the estimate 0.8 bytes per byte of weights
 *   (`WASM_WEIGHT_OVERHEAD`) for what the estimate leaves out: XNNPACK's packed copy of each
 *   right-hand operand, the explicit transposes of `matmul.ts`, the allocator's fragmentation and
 *   the heap's growth in steps. Measured with recomputed blocks (LoRA, 256-token rows; the heap
 *   above the estimate, per byte of weights): SmolLM2-135M 4 rows 0.87, 8 rows on every role 0.85,
 *   4 rows one per pass 1.35 (`npm run bench`); Qwen2.5-0.5B one row per pass 0.80, its heap
 *   3.73 GiB, which estimate + 0.8 × weights gives (it under-counts the small model, whose steps
 *   are far from the ceiling). An allocation past 4 GiB aborts the whole wasm module.
 * - webgpu: 4 GiB. WebGPU reports no memory size and tfjs's pool keeps freed buffers, so this is a
 *   laptop GPU's share, not the card's; `runtime.microBatch` asks for more rows on a larger one.
 * - webgl: 2 GiB of textures.
 * - cpu: 4 GiB of typed arrays in the JavaScript heap (a browser tab's, or Node's).
 */
export const TRAINING_MEMORY_BUDGET: Readonly<Record<BackendName, number>> = {
  wasm: 3.5 * GiB,
  webgpu: 4 * GiB,
  webgl: 2 * GiB,
  cpu: 4 * GiB,
};

/** The wasm heap's bytes beyond the estimate per byte of weights (see `TRAINING_MEMORY_BUDGET`). */
export const WASM_WEIGHT_OVERHEAD = 0.8;

/**
 * The limits a training step is chosen against on `backend`: per-buffer limits (WebGPU's granted
 * ones when the device is known, else the spec's defaults; wasm's heap; none on cpu and webgl) and
 * the backend's budget as `deviceMemoryBytes` (lower when the device reports less memory).
 */
export function trainingLimits(backend: BackendName, device?: DeviceLimits | null): DeviceLimits {
  const budget = Math.min(
    TRAINING_MEMORY_BUDGET[backend],
    device?.deviceMemoryBytes ?? Number.POSITIVE_INFINITY,
  );
  if (backend === 'webgpu') {
    const limits = device ?? WEBGPU_DEFAULT_LIMITS;
    return {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      deviceMemoryBytes: budget,
    };
  }
  if (backend === 'wasm') {
    return {
      maxBufferSize: WASM_HEAP_BYTES,
      maxStorageBufferBindingSize: WASM_HEAP_BYTES,
      deviceMemoryBytes: budget,
      weightOverhead: WASM_WEIGHT_OVERHEAD,
      storesBlocksFirst: true,
    };
  }
  const buffer = Number.POSITIVE_INFINITY;
  return {
    maxBufferSize: buffer,
    maxStorageBufferBindingSize: buffer,
    deviceMemoryBytes: budget,
    ...(backend === 'cpu' ? { storesBlocksFirst: true } : {}),
  };
}

/**
 * What a method's step keeps alive beyond plain SFT's (a registry entry's `stepMemory`), in units
 * the estimate already has. Absent fields are 0 extra (1 pass).
 */
export interface StepMemory {
  /**
   * Forward passes of the micro-batch's size one backward pass keeps at once (RepNoise: 2, the
   * aligned and the harmful rows).
   */
  passes?: number;
  /** Copies of the model's weights held besides it (LDIFS: its frozen reference model). */
  weightCopies?: number;
  /**
   * Extra tensors the size of what is trained, held through the step (Booster: its two harmful
   * gradients; Lisa: its anchor).
   */
  trainedCopies?: number;
}

/** The shape of one training stage's steps. */
export interface StepRun {
  batchSize: number;
  /** Tokens per row (capped at the model's context, as the trainer does). */
  seqLen: number;
  lora: LoraSettings | null;
  memory?: StepMemory;
  /**
   * Block activations recomputed in the backward pass (`runtime.recompute`): `true` every block,
   * `fit` only those whose activations do not fit the budget (`recomputePolicy`).
   */
  recompute?: boolean | 'fit';
  /** With `recompute: true`, how many of the first blocks keep their activations (default 0). */
  storedBlocks?: number;
}

export interface MicroBatchChoice {
  /** Rows per forward/backward pass; `batchSize` means one pass, no accumulation. */
  rows: number;
  /**
   * Blocks whose activations a pass keeps (the first ones; `LanguageModel.storedBlocks`); the
   * others are recomputed in the backward pass. The model's block count when none is.
   */
  storedBlocks: number;
  /** The model's blocks. */
  blocks: number;
  batchSize: number;
  /** From the memory estimate, or `runtime.microBatch`. */
  chosen: 'auto' | 'config';
  /** Estimated peak of a step at `rows` rows: weights, optimizer, one pass, the gradient sums. */
  stepBytes: number;
  /** The budget it was chosen against (`trainingLimits`' `deviceMemoryBytes`). */
  budgetBytes: number;
  /**
   * False when something is over the limits at `rows`: even one row is (`rows` is then 1),
   * `runtime.microBatch` asks for more than fits, or a weight is over a buffer limit.
   */
  fits: boolean;
  /** Why it does not fit, one line each (empty when it fits). */
  problems: string[];
}

/**
 * The estimated peak of a step of `run` at `rows` rows per pass, and what is over `limits`:
 * `problems` all of it, `rowProblems` how many of them fewer rows would help (an activation over
 * a buffer limit, the total over the budget; not a weight over a buffer limit).
 */
export function stepMemory(
  model: ModelConfig,
  run: StepRun,
  rows: number,
  limits: DeviceLimits,
): { bytes: number; problems: string[]; rowProblems: number } {
  if (run.recompute === 'fit') throw new Error('stepMemory: choose the stored blocks first');
  const estimate = estimateMemory(model, {
    batchSize: rows,
    seqLen: run.seqLen,
    lora: run.lora,
    recompute: run.recompute,
    storedBlocks: run.storedBlocks,
  });
  const extra = run.memory ?? {};
  // With micro-batches the running sums of the gradients stay alive beside a pass's own.
  const sums = rows < run.batchSize ? estimate.gradients : 0;
  const bytes =
    estimate.total +
    sums +
    ((extra.passes ?? 1) - 1) * estimate.activations +
    (extra.weightCopies ?? 0) * estimate.weights +
    (extra.trainedCopies ?? 0) * estimate.gradients +
    (limits.weightOverhead ?? 0) * estimate.weights;
  // The per-tensor limits, one of the estimate's largest tensors at a time (the total is this
  // step's, below, not the estimate's).
  const buffers = {
    maxBufferSize: limits.maxBufferSize,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  };
  const problems: string[] = [];
  let rowProblems = 0;
  for (const tensor of estimate.largestTensors) {
    const fit = deviceFit({ ...estimate, largestTensors: [tensor] }, buffers);
    problems.push(...fit.problems);
    if (!fit.fits && tensor.kind !== 'weight') rowProblems += 1;
  }
  const budget = limits.deviceMemoryBytes;
  if (budget !== undefined && bytes > budget) {
    rowProblems += 1;
    problems.push(
      `a step of ${rows} row${rows === 1 ? '' : 's'} × ${estimate.run.seqLen} tokens needs about ${formatBytes(bytes)}, over the budget of ${formatBytes(budget)}`,
    );
  }
  return { bytes, problems, rowProblems };
}

/**
 * Rows per pass for a stage: `override` (`runtime.microBatch`, clamped to the batch) when given,
 * else the largest count ≤ the batch whose estimated step fits `limits` (it need not divide the
 * batch: the last part may be smaller), else 1. The estimate grows with the rows, so a binary
 * search finds it. A model whose whole batch fits gets the whole batch: one pass, as without
 * accumulation.
 */
export function chooseMicroBatch(
  model: ModelConfig,
  run: StepRun,
  limits: DeviceLimits,
  override?: number,
): MicroBatchChoice {
  if (run.recompute === 'fit') return chooseStoredBlocks(model, run, limits, override);
  const B = run.batchSize;
  const at = (rows: number) => stepMemory(model, run, rows, limits);
  let rows: number;
  if (override !== undefined) {
    rows = Math.min(override, B);
  } else if (at(B).rowProblems === 0) {
    rows = B;
  } else {
    // Invariant: `low` fits (or is 1), `high` does not. A weight over a buffer limit is no
    // reason for fewer rows (no count of them helps); it is reported as it is.
    let low = 1;
    let high = B;
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (at(mid).rowProblems === 0) low = mid;
      else high = mid;
    }
    rows = low;
  }
  const { bytes, problems } = at(rows);
  const blocks = model.nLayers;
  return {
    rows,
    storedBlocks: keptBlocks(blocks, { recompute: run.recompute, storedBlocks: run.storedBlocks }),
    blocks,
    batchSize: B,
    chosen: override !== undefined ? 'config' : 'auto',
    stepBytes: bytes,
    budgetBytes: limits.deviceMemoryBytes ?? Number.POSITIVE_INFINITY,
    fits: problems.length === 0,
    problems,
  };
}

/**
 * `chooseMicroBatch` for `recompute: 'fit'`. On a backend whose time follows the arithmetic
 * (`limits.storesBlocksFirst`: wasm, cpu) recomputing a block costs its forward pass again (a
 * SmolLM2-135M-shape step on wasm: 34.4 s every block recomputed, 22.7 s none), more than fewer
 * rows per pass do, so blocks are stored before rows are added:
 * - every block stored when a step fits so at some rows (then the most rows that fit);
 * - else the most blocks that fit at one row per pass (or `override`'s rows);
 * - else every block recomputed, at the most rows that fit (the choice without stored blocks).
 * Elsewhere (the GPU backends) every block is recomputed, at the most rows that fit.
 */
function chooseStoredBlocks(
  model: ModelConfig,
  run: StepRun,
  limits: DeviceLimits,
  override?: number,
): MicroBatchChoice {
  const blocks = model.nLayers;
  const everyBlockRecomputed = () =>
    chooseMicroBatch(model, { ...run, recompute: true, storedBlocks: 0 }, limits, override);
  if (!limits.storesBlocksFirst) return everyBlockRecomputed();
  const stored = chooseMicroBatch(model, { ...run, recompute: false }, limits, override);
  if (stored.fits) return stored;
  const rows = override !== undefined ? Math.min(override, run.batchSize) : 1;
  const fits = (storedBlocks: number) =>
    stepMemory(model, { ...run, recompute: true, storedBlocks }, rows, limits).problems.length ===
    0;
  if (blocks > 1 && fits(1)) {
    // The estimate grows with the stored blocks: the most that fit, by bisection. Invariant:
    // `low` fits, `high` does not (every block stored did not fit above).
    let low = 1;
    let high = blocks;
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (fits(mid)) low = mid;
      else high = mid;
    }
    const partial = { ...run, recompute: true, storedBlocks: low };
    const choice = chooseMicroBatch(model, partial, limits, rows);
    return { ...choice, chosen: override !== undefined ? 'config' : 'auto' };
  }
  return everyBlockRecomputed();
}

/**
 * One line for a stage's micro-batch: "micro-batch 2 of 16 rows (estimated 1.9 GB per step on
 * wasm)".
 */
export function describeMicroBatch(choice: {
  rows: number;
  batchSize: number;
  chosen: 'auto' | 'config';
  stepBytes: number;
  backend: BackendName;
  /** Blocks that keep their activations, of `blocks`, when the others are recomputed. */
  storedBlocks?: number;
  blocks?: number;
  /** Why the step does not fit, when it does not. */
  problem?: string;
}): string {
  const rows =
    choice.rows >= choice.batchSize
      ? `the whole batch of ${choice.batchSize} row${choice.batchSize === 1 ? '' : 's'} in one pass`
      : `micro-batch ${choice.rows} of ${choice.batchSize} rows`;
  const { storedBlocks, blocks } = choice;
  const what =
    storedBlocks === undefined || blocks === undefined || storedBlocks >= blocks
      ? rows
      : `${rows}, ${storedBlocks === 0 ? 'every block' : `blocks ${storedBlocks + 1}–${blocks} of ${blocks}`} recomputed backward`;
  const source = choice.chosen === 'config' ? ', set by runtime.microBatch' : '';
  const over = choice.problem === undefined ? '' : `; it may not fit: ${choice.problem}`;
  return `${what} (estimated ${formatBytes(choice.stepBytes)} per step on ${choice.backend}${source})${over}`;
}
