import type { LayerRole, LoraSettings } from './roles';
import { attentionWidths, type ModelConfig } from './config';
import { crossEntropyChunk } from './forward';
import { adaptedRoles, adapterSpecs } from './lora';
import { parameterCount, weightSpecGroups } from './weights';

/**
 * How much memory a run needs, from the config alone (before anything is downloaded), and whether
 * a WebGPU device can hold it. Every tensor is float32 in memory (the lab decodes BF16/F16 files
 * to f32), so a figure is 4 bytes per element.
 *
 * The figures follow what tfjs 4.22 keeps alive, not an ideal framework:
 * - `tf.variableGrads` keeps the tensors each kernel saves for its gradient until the backward
 *   pass ends, and it also keeps the gradient of *every* tensor on the way from the trained
 *   variables to the loss until then (tape.ts never frees an accumulated gradient early). So a
 *   training step holds about two copies of the forward pass's outputs. `activations` counts
 *   every output of every op of `forward.ts` (a reshape is free) twice, plus the batch tensors,
 *   plus three copies of the largest activation for the temporaries a gradient function makes
 *   (softmax, logsumexp, a loss chunk's logits); full training adds the embedding's gradient in
 *   parts and its one-hot lookups. Counting every output as saved errs high: some ops save
 *   nothing, and with LoRA the first block's frozen projections get no gradient. The unit tests
 *   measure the real peak of live buffers on the cpu backend and hold the estimate between it and
 *   1.35 times it, for each family.
 * - With an adapter the head is frozen and the loss runs in chunks of `crossEntropyChunk(vocab)`
 *   tokens, each making its gradient factor while its logits exist, so the logits are one chunk
 *   at a time (at most three `[chunk, vocab]` tensors at once); full training makes all
 *   `[tokens, vocab]` of them.
 * - `AdamW.apply` updates each parameter in a `tf.tidy` of its own, so the temporaries of the
 *   update (the clipped gradient, both moments' products, the square root, the quotient, …) live
 *   for one parameter at a time: about 13 copies of the largest trained tensor (`optimizerUpdate`).
 * - Generation writes the new key and value into a fixed-size cache with a one-hot mask; each
 *   block of a pass without a tape runs in its own tidy (`forward.ts`) and its new key and value
 *   replace the old ones at once, so a decoding step holds one cache and one block's writes
 *   (`generation`). A training step's
 *   recomputed blocks (`recompute`) keep each block's input and its gradient, and one block's
 *   activations at a time.
 * - The WebGPU backend pools freed buffers by size and does not give them back, so the device may
 *   hold more than the peak of live tensors; wasm's explicit transposes (`matmul.ts`) add
 *   short-lived copies of each matrix. Neither is counted.
 */

const BYTES_PER_VALUE = 4;

/**
 * AdamW's temporaries per value of the parameter being updated: 13 measured (tfjs 4.22, cpu
 * backend), rounded up for the per-tensor scalars.
 */
export const ADAMW_UPDATE_COPIES = 14;

export interface MemoryRun {
  /** Rows per training step. */
  batchSize: number;
  /** Tokens per row; capped at the model's context length, as the trainer does. */
  seqLen: number;
  /** The adapter that is trained, or null for full-weight training. */
  lora: LoraSettings | null;
  /** Rows generated at once (the pipeline's `GENERATION_BATCH`); default `batchSize`. */
  generationBatch?: number;
  /** New tokens per answer; 0 or absent: no generation is estimated. */
  maxNewTokens?: number;
  /** Longest prompt; default the row length `seqLen` (high: evaluation prompts are shorter). */
  promptLength?: number;
  /**
   * Block activations recomputed in the backward pass (`runtime.recompute`): a step keeps each
   * block's input and the gradient that reaches it, and one block's activations at a time.
   */
  recompute?: boolean;
  /**
   * With `recompute`, how many blocks (the first ones) keep their activations all the same
   * (`LanguageModel.storedBlocks`); default 0, every block recomputed.
   */
  storedBlocks?: number;
}

/**
 * Blocks of `nLayers` that keep their activations for the backward pass: every one without
 * `recompute`, else the first `storedBlocks` (default 0, clamped to the model's blocks).
 */
export function keptBlocks(
  nLayers: number,
  run: { recompute?: boolean; storedBlocks?: number },
): number {
  if (!run.recompute) return nLayers;
  return Math.min(nLayers, Math.max(0, Math.floor(run.storedBlocks ?? 0)));
}

/** One tensor's size, for the per-buffer limits of WebGPU. */
export interface TensorSize {
  name: string;
  shape: number[];
  bytes: number;
  kind: 'weight' | 'activation' | 'cache';
  /** Bytes per batch row, for an activation or a cache that grows with the batch. */
  bytesPerRow?: number;
  /**
   * How an activation grows: per token, per token pair (attention), or not past a loss chunk
   * (`crossEntropyChunk` tokens, then constant).
   */
  growth?: 'tokens' | 'tokens²' | 'chunk';
}

export interface MemoryEstimate {
  /** Every weight of the model, float32 (the tied head counted once). */
  weights: number;
  /** Tensors the model holds besides its parameters: the rotary table (cos and sin). */
  buffers: number;
  /** The LoRA adapter's matrices; 0 without one. */
  adapter: number;
  /** One gradient per trained value: the adapter with LoRA, else every weight. */
  gradients: number;
  /** AdamW's two moments of what is trained. */
  optimizer: number;
  /**
   * AdamW's temporaries while it updates one parameter (see `ADAMW_UPDATE_COPIES`) and each
   * parameter's squared norm; not alive with `activations`.
   */
  optimizerUpdate: number;
  /** A training step at `batchSize × seqLen`: saved forward outputs, their gradients, the batch. */
  activations: number;
  /** The keys and values of every block for `generationBatch` rows of `cacheLength` positions. */
  kvCache: number;
  /** A decoding step's peak beyond the weights: the cache, one block's new key and value, the step. */
  generation: number;
  /**
   * The peak: weights, buffers, adapter and moments stay; a training step adds its gradients and the
   * larger of the activations and the optimizer's update; a decoding step (the fine-tuning
   * stage's probes run with the moments alive) adds `generation`.
   */
  total: number;
  largestTensor: { name: string; bytes: number };
  /** The largest weights, activations and cache tensors, largest first. */
  largestTensors: TensorSize[];
  /** The shapes the figures are for. */
  run: {
    batchSize: number;
    seqLen: number;
    trained: 'adapter' | 'weights';
    generationBatch: number;
    cacheLength: number;
  };
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`memory estimate: ${name} must be a positive integer (got ${value})`);
  }
}

/** The memory a run of `config` needs; see the module comment for what is counted. */
export function estimateMemory(config: ModelConfig, run: MemoryRun): MemoryEstimate {
  positiveInteger('batchSize', run.batchSize);
  positiveInteger('seqLen', run.seqLen);
  const maxNewTokens = run.maxNewTokens ?? 0;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new Error(`memory estimate: maxNewTokens must be a whole number (got ${maxNewTokens})`);
  }
  const B = run.batchSize;
  const T = Math.min(run.seqLen, config.contextLength);
  const generationBatch = run.generationBatch ?? B;
  positiveInteger('generationBatch', generationBatch);
  const promptLength = Math.min(run.promptLength ?? T, config.contextLength);
  positiveInteger('promptLength', promptLength);
  const cacheLength =
    maxNewTokens > 0 ? Math.min(config.contextLength, promptLength + maxNewTokens) : 0;

  const adapted = run.lora ? adaptedSet(config, run.lora) : new Set<LayerRole>();
  const rank = run.lora?.rank ?? 0;
  // Block 0's weights and adapter stand for every block's: the estimate's time and memory do not
  // grow with the depth (a config from a link may say 512 blocks).
  const weightGroups = weightSpecGroups(config);
  const blockAdapter = run.lora ? adapterSpecs({ ...config, nLayers: 1 }, run.lora) : [];
  const weightValues = parameterCount(config);
  const adapterValues =
    config.nLayers * blockAdapter.reduce((sum, spec) => sum + product(spec.shape), 0);
  const trainedValues = run.lora ? adapterValues : weightValues;
  const trainedShapes = run.lora
    ? blockAdapter.map((spec) => spec.shape)
    : weightGroups.map(({ spec }) => spec.shape);
  const trainedTensors = run.lora
    ? config.nLayers * blockAdapter.length
    : weightGroups.reduce((sum, group) => sum + group.count, 0);
  const largestTrained = trainedShapes.reduce(
    (largest, shape) => Math.max(largest, product(shape)),
    0,
  );

  const frozenHead = run.lora !== null;
  const activationTensors = trainingActivationTensors(config, B, T, frozenHead);
  const largestActivation = Math.max(...activationTensors.map((t) => product(t.shape)));
  const lossChunk = product(activationTensors[0].shape); // the logits: one chunk's, or all of them
  const N = B * T;
  const C = config.dModel;
  const batchInputs = 4 * N + B * T * T; // tokens, targets, positions, loss mask; attention bias
  // The frozen-head loss (LoRA) keeps only its [tokens] value; its backward pass builds the
  // gradient of the hidden states chunk by chunk, then joins them: two [tokens, dModel].
  const lossGradient = frozenHead ? 2 * N * C : 0;
  // Full training also differentiates the embedding: its gradient arrives in parts (the head's
  // product, the target-row lookup of the loss, the token lookup), and each lookup's gradient
  // builds a one-hot [tokens, vocab] as int32 and as float32 (embedding.ts).
  const embeddingGradient = frozenHead ? 0 : 3 * config.vocabSize * C + 4 * N * config.vocabSize;
  const pass = { mode: 'train', B, T, S: T, adapted, rank, frozenHead } as const;
  // Recomputed blocks: what lies outside the blocks (embedding, final norm, loss) as stored and
  // one block's outputs, recomputed, twice; and each recomputed block's output, the copy of its
  // input the gradient saves (a real copy on wasm, shared on cpu) and the gradient arriving at it.
  // With some blocks stored, those blocks' outputs as a stored pass's, besides.
  const stored = keptBlocks(config.nLayers, run);
  const recomputed = config.nLayers - stored;
  const forward = forwardOutputs({ ...config, nLayers: stored + (recomputed > 0 ? 1 : 0) }, pass);
  const blockInputs = 3 * recomputed * N * C;
  const activationValues =
    batchInputs +
    2 * forward +
    blockInputs +
    lossGradient +
    // Temporaries of a gradient function (softmax, logsumexp, a loss chunk's logits): three of the
    // largest activation; two with recomputed blocks, where three overshot the measured peak by
    // more than 1.35× (cpu, every family; see the tests).
    Math.max((stored === 0 ? 2 : 3) * largestActivation, frozenHead ? 3 * lossChunk : 0) +
    embeddingGradient;

  const { nKvHeads: K, headDim: D } = config;
  const cacheLayerValues = generationBatch * K * cacheLength * D;
  const kvCacheValues = 2 * config.nLayers * cacheLayerValues;
  const generationValues =
    maxNewTokens > 0
      ? // One cache: each block's new key and value replace the old ones as the step goes, so
        // beyond the cache only one block's new pair and its masked writes live (its own tidy).
        kvCacheValues +
        4 * cacheLayerValues +
        2 * generationBatch + // the step's tokens and positions
        2 * cacheLength + // its attention bias and write mask
        // Without a tape each block runs in its own tidy (`forward.ts`): one block's outputs at a
        // time, plus every block's output (the residual stream) until the step ends.
        forwardOutputs(
          { ...config, nLayers: 1 },
          { mode: 'decode', B: generationBatch, T: 1, S: cacheLength, adapted, rank, frozenHead },
        ) +
        config.nLayers * generationBatch * config.dModel
      : 0;

  const rotaryValues =
    config.positions === 'rotary' ? 2 * config.contextLength * config.rotaryDim : 0;

  const bytes = (values: number) => values * BYTES_PER_VALUE;
  const weights = bytes(weightValues);
  const buffers = bytes(rotaryValues);
  const adapter = bytes(adapterValues);
  const gradients = bytes(trainedValues);
  const optimizer = bytes(2 * trainedValues);
  const optimizerUpdate = bytes(ADAMW_UPDATE_COPIES * largestTrained + trainedTensors);
  const activations = bytes(activationValues);
  const kvCache = bytes(kvCacheValues);
  const generation = bytes(generationValues);
  const total =
    weights +
    buffers +
    adapter +
    optimizer +
    Math.max(gradients + Math.max(activations, optimizerUpdate), generation);

  const tensors: TensorSize[] = [
    ...weightGroups.map(({ spec }) => ({
      name: spec.name,
      shape: spec.shape,
      bytes: bytes(product(spec.shape)),
      kind: 'weight' as const,
    })),
    ...activationTensors.map((tensor) => ({
      ...tensor,
      bytes: bytes(product(tensor.shape)),
      kind: 'activation' as const,
      ...(tensor.growth === 'chunk' ? {} : { bytesPerRow: bytes(product(tensor.shape) / B) }),
    })),
  ];
  if (rotaryValues > 0) {
    tensors.push({
      name: 'rotary table cos (and as much for sin)',
      shape: [config.contextLength, config.rotaryDim],
      bytes: bytes(rotaryValues / 2),
      kind: 'weight',
    });
  }
  if (cacheLength > 0) {
    tensors.push({
      name: 'KV cache keys of one block',
      shape: [generationBatch * K, cacheLength, D],
      bytes: bytes(cacheLayerValues),
      kind: 'cache',
      bytesPerRow: bytes(K * cacheLength * D),
    });
  }
  const largestTensors = tensors.sort((a, b) => b.bytes - a.bytes).slice(0, 6);
  const largest = largestTensors[0];
  return {
    weights,
    buffers,
    adapter,
    gradients,
    optimizer,
    optimizerUpdate,
    activations,
    kvCache,
    generation,
    total,
    largestTensor: { name: `${largest.name} [${largest.shape.join(', ')}]`, bytes: largest.bytes },
    largestTensors,
    run: {
      batchSize: B,
      seqLen: T,
      trained: run.lora ? 'adapter' : 'weights',
      generationBatch,
      cacheLength,
    },
  };
}

function adaptedSet(config: ModelConfig, lora: LoraSettings): Set<LayerRole> {
  // adaptedRoles skips the roles a family lacks (and throws when none is left), as the model does.
  return new Set(adaptedRoles(config, lora));
}

/** The big activations of a training step, the candidates for the largest single buffer. */
function trainingActivationTensors(
  config: ModelConfig,
  B: number,
  T: number,
  frozenHead: boolean,
): Omit<TensorSize, 'bytes' | 'kind'>[] {
  const N = B * T;
  const { q, kv } = attentionWidths(config);
  // A frozen head's loss makes the logits one chunk at a time (forward.ts).
  const logits: Omit<TensorSize, 'bytes' | 'kind'> = frozenHead
    ? {
        name: 'logits of one loss chunk',
        shape: [Math.min(crossEntropyChunk(config.vocabSize), N), config.vocabSize],
        growth: 'chunk',
      }
    : { name: 'logits', shape: [N, config.vocabSize], growth: 'tokens' };
  return [
    logits,
    { name: 'attention scores', shape: [B, config.nHeads, T, T], growth: 'tokens²' },
    { name: 'MLP hidden', shape: [N, config.ffnDim], growth: 'tokens' },
    { name: 'q/k/v projections', shape: [N, q + 2 * kv], growth: 'tokens' },
  ];
}

/** One forward pass to count: a training step's (with its loss) or a decoding step's. */
interface Pass {
  mode: 'train' | 'decode';
  /** Rows. */
  B: number;
  /** Query tokens per row. */
  T: number;
  /** Keys each query attends to (`T` in training, the cache length when decoding). */
  S: number;
  adapted: ReadonlySet<LayerRole>;
  rank: number;
  /** An adapter is attached, so the loss is the chunked frozen-head form. */
  frozenHead: boolean;
}

/**
 * Elements of every tensor one forward pass of `forward.ts` creates (reshapes share their
 * input's buffer and are free). Mirrors the forward pass op by op; when that file changes, this
 * should too (the measured bounds in the tests notice a drift).
 */
function forwardOutputs(config: ModelConfig, pass: Pass): number {
  const { B, T, S, adapted, rank } = pass;
  const N = B * T;
  const { dModel: C, nHeads: H, nKvHeads: K, headDim: D, ffnDim: F } = config;
  const { q: Q, kv: KV } = attentionWidths(config);
  const layernorm = config.norm === 'layernorm';
  // LayerNorm: moments (mean, x − mean, its square, variance), then x − mean, + ε, √, ÷, ·γ, +β.
  // RMSNorm: x², mean, + ε, rsqrt, ·, ·γ.
  const norm = (rows: number, width: number) =>
    layernorm ? 6 * rows * width + 4 * rows : 3 * rows * width + 3 * rows;
  // x·A, (x·A)·B, ·(alpha/rank), y + delta.
  const lora = (role: LayerRole, out: number) => (adapted.has(role) ? N * rank + 3 * N * out : 0);
  const linear = (out: number, bias: boolean) => N * out * (bias ? 2 : 1);
  // rotate_half on [rows, rotaryDim]: the slice (partial only), two halves, −, concat, ·cos, ·sin,
  // +; partial rotary also slices off and re-attaches the rest of the head.
  const rd = config.rotaryDim;
  const partial = rd < D;
  const rotate = (rows: number) =>
    rows * ((partial ? rd : 0) + rd + rd / 2 + rd + 3 * rd + (partial ? D - rd + D : 0));
  const activation = { gelu_new: 8, gelu: 5, silu: 2, relu: 1 }[config.activation];

  let total = N * C; // token embedding lookup
  if (config.positions === 'learned')
    total += 2 * N * C; // position lookup, sum
  else total += 2 * N * rd; // the rotary table's rows of the tokens' positions, cos and sin

  let block = norm(N, C);
  block += linear(Q + 2 * KV, config.bias.qkv);
  if (config.family === 'gpt2' || config.family === 'gpt_neox') block += N * (Q + 2 * KV); // split
  block += lora('attn.q', Q) + lora('attn.k', KV) + lora('attn.v', KV);
  if (config.qkNorm) block += norm(N * H, D) + norm(N * K, D);
  if (config.positions === 'rotary') block += rotate(N * H) + rotate(N * K);
  block += N * (Q + 2 * KV); // heads moved to the front (transposes)
  block += 4 * B * H * T * S; // scores, scaled, + mask, softmax
  block += 2 * N * Q; // context and its transpose back
  block += linear(C, config.bias.o) + lora('attn.o', C);
  let mlp = linear(F, config.bias.mlp) + lora('mlp.in', F);
  if (config.gatedMlp) mlp += linear(F, config.bias.mlp) + lora('mlp.gate', F) + N * F;
  mlp += activation * N * F;
  mlp += linear(C, config.bias.mlp) + lora('mlp.out', C);
  // Parallel: norm2 and one three-way sum; sequential: a sum after attention, norm2, a sum after the MLP.
  block += config.parallelResidual ? norm(N, C) + mlp + N * C : N * C + norm(N, C) + mlp + N * C;
  total += config.nLayers * block;

  total += norm(N, C); // final norm
  if (pass.mode === 'decode') {
    total += N * config.vocabSize + N; // the step's logits and argmax
  } else if (pass.frozenHead) {
    total += 2 * N; // the frozen-head loss keeps its value only (chunks are recomputed backward); mask
  } else {
    // hidden·headᵀ; the target rows and their product with hidden; logsumexp (max, x − max, exp,
    // sum, log, + max); minus the target logit; mask.
    total += N * config.vocabSize + 2 * N * C + N + (2 * N * config.vocabSize + 4 * N) + 2 * N;
  }
  return total;
}

/** The limits of a WebGPU device that decide whether a run fits (`GPUSupportedLimits`). */
export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Memory the run may use in all, when known. */
  deviceMemoryBytes?: number;
  /**
   * Bytes the backend holds beyond the estimate's live tensors, per byte of weights, counted
   * against `deviceMemoryBytes` (wasm: see `TRAINING_MEMORY_BUDGET`); absent: none.
   */
  weightOverhead?: number;
  /**
   * Whether a step's time follows its arithmetic (the CPU backends, wasm and cpu): recomputing a
   * block then costs its forward pass again, so `recompute: 'fit'` keeps as many blocks'
   * activations as fit, at fewer rows per pass. Absent (the GPU backends, where a pass of few rows
   * leaves the device idle between dispatches): every block is recomputed, at more rows.
   */
  storesBlocksFirst?: boolean;
}

/** The WebGPU spec's defaults: what a device has unless higher limits are requested. */
export const WEBGPU_DEFAULT_LIMITS: DeviceLimits = {
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
};

/**
 * A desktop adapter's limits. tfjs-backend-webgpu requests the adapter's own
 * `maxStorageBufferBindingSize` and `maxBufferSize`; desktop GPUs report 2–4 GiB, so this takes
 * the low end for the binding (2 GiB) and 4 GiB for a buffer.
 */
export const WEBGPU_DESKTOP_LIMITS: DeviceLimits = {
  maxStorageBufferBindingSize: 2 * 2 ** 30,
  maxBufferSize: 4 * 2 ** 30,
};

/**
 * Whether a device can run the estimated run: every single tensor must fit one storage binding
 * and one buffer, and the total the memory budget when one is given. Each problem is one line
 * naming the tensor (or the total), the figure, the limit, and what to change.
 */
export function deviceFit(
  estimate: MemoryEstimate,
  limits: DeviceLimits,
): { fits: boolean; problems: string[] } {
  const problems: string[] = [];
  const bindingIsTighter = limits.maxStorageBufferBindingSize <= limits.maxBufferSize;
  const limit = bindingIsTighter ? limits.maxStorageBufferBindingSize : limits.maxBufferSize;
  const limitName = bindingIsTighter ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  for (const tensor of estimate.largestTensors) {
    if (tensor.bytes <= limit) continue;
    const what = `${tensor.name} [${tensor.shape.join(', ')}] is ${formatBytes(tensor.bytes)}, over this device's ${limitName} of ${formatLimit(limit)}`;
    problems.push(`${what}: ${advice(tensor, limit, estimate)}`);
  }
  const budget = limits.deviceMemoryBytes;
  // What the backend holds beyond the estimate's tensors (wasm's), counted against the budget.
  const needed = estimate.total + (limits.weightOverhead ?? 0) * estimate.weights;
  if (budget !== undefined && needed > budget) {
    const parts = [
      `weights ${formatBytes(estimate.weights)}`,
      `optimizer ${formatBytes(estimate.optimizer)}`,
      `activations ${formatBytes(estimate.activations)}`,
      ...(estimate.generation > 0 ? [`generation ${formatBytes(estimate.generation)}`] : []),
      ...(needed > estimate.total
        ? [`the backend's own ${formatBytes(needed - estimate.total)}`]
        : []),
    ];
    const change =
      estimate.run.trained === 'weights'
        ? 'train a LoRA adapter instead of every weight, use a smaller batch or a shorter seqLen, or a smaller model'
        : 'use a smaller batch, a shorter seqLen, fewer generation rows, or a smaller model';
    problems.push(
      `the run needs about ${formatBytes(needed)} (${parts.join(', ')}), over the memory budget of ${formatBytes(budget)}: ${change}`,
    );
  }
  return { fits: problems.length === 0, problems };
}

function advice(tensor: TensorSize, limit: number, estimate: MemoryEstimate): string {
  const { batchSize, seqLen, generationBatch } = estimate.run;
  if (tensor.kind === 'weight') {
    return 'use a smaller model, or a device that grants a larger limit';
  }
  if (tensor.growth === 'chunk') {
    // The chunk is already as few tokens as the loss takes at this vocabulary (crossEntropyChunk);
    // only a step of fewer tokens than that would make it smaller.
    const tokens = Math.floor(limit / (tensor.bytes / tensor.shape[0]));
    return tokens >= 1
      ? `the loss makes its logits ${tensor.shape[0]} tokens at a time, so only a step of at most ${tokens} tokens (batch × seqLen, now ${batchSize * seqLen}) fits; or use a model with a smaller vocabulary`
      : 'even one token is too much: use a model with a smaller vocabulary';
  }
  const rows = Math.floor(limit / (tensor.bytesPerRow as number));
  if (tensor.kind === 'cache') {
    return rows >= 1
      ? `generate at most ${rows} rows at once (now ${generationBatch}), or fewer new tokens`
      : 'generate fewer new tokens, or use shorter prompts';
  }
  if (rows >= 1) {
    return `use a batch of at most ${rows} at seqLen ${seqLen} (now ${batchSize}), or a shorter seqLen`;
  }
  const perRow = tensor.bytesPerRow as number;
  const longest =
    tensor.growth === 'tokens²'
      ? Math.floor(seqLen * Math.sqrt(limit / perRow))
      : Math.floor((limit / perRow) * seqLen);
  return `even one row of ${seqLen} tokens is too long: use a seqLen of at most ${longest}`;
}

/** Decimal units, as the Hub shows file sizes: "512 B", "3.4 kB", "58.2 MB", "512 MB", "1.2 GB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) throw new Error(`formatBytes: not a size: ${n}`);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let unit = 0;
  let value = n;
  // Round first, then move up a unit when the rounded figure reads 1000 or more ("1000 MB" → "1.0 GB").
  const rounded = (v: number) => (v >= 100 || unit === 0 ? Math.round(v) : Math.round(v * 10) / 10);
  while (rounded(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const shown = rounded(value);
  return `${shown >= 100 || unit === 0 ? shown.toFixed(0) : shown.toFixed(1)} ${units[unit]}`;
}

/** A limit, with its binary figure when it is a whole number of MiB or GiB ("134 MB (128 MiB)"). */
function formatLimit(n: number): string {
  const binary =
    n % 2 ** 30 === 0 ? `${n / 2 ** 30} GiB` : n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : '';
  return binary ? `${formatBytes(n)} (${binary})` : formatBytes(n);
}
