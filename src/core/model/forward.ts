import * as tf from '@tensorflow/tfjs';
import type { LayerRole } from './roles';
import { architectureOf, type ArchitectureNames } from './architecture';
import { attentionWidths, type Activation, type ModelConfig } from './config';
import { embeddingLookup } from './embedding';
import { loraDelta, plusDelta, type LoraAdapter } from './lora';
import { addLastAxis, affine, headLogits, matMul, mulLastAxis, productWithHead } from './matmul';
import { explicitNorm } from './norm';
import { getWeight, type WeightMap } from './weights';
import { fusedGeluNew, fusedKernelsAvailable, fusedNorm } from '../runtime/webgpuFused';
import { simdGeluNew, simdKernelsAvailable, simdSilu } from '../runtime/simdKernels';
import { CACHE_WRITE, runsOnWasm } from '../runtime/wasmKernels';

/**
 * The one forward pass of every family (`ModelConfig` says which variant): training, evaluation,
 * generation with a key/value cache, Wanda's activation taps and the defenses' block hooks all run
 * through `forwardHidden`. Activations are 2-D `[tokens, width]` between blocks (batched matmul
 * gradients stay out of the linear layers; see ARCHITECTURE.md).
 */

/**
 * Observer of the input activations `X: [tokens, in]` of a named linear weight. Wanda-style
 * pruning collects ‖X_j‖₂ through it; it must not keep the tensor beyond the call.
 */
export type LinearInputTap = (weightName: string, input: tf.Tensor2D) => void;

/** Replaces (or just observes) a block's output `[batch·seqLen, dModel]`: the residual stream after layer `layer`. */
export type BlockOutputHook = (layer: number, output: tf.Tensor2D) => tf.Tensor2D;

/**
 * Optional views into a forward pass, for methods that read or perturb the model's insides:
 * `linearInput` sees each linear layer's input (Wanda's activations), `blockOutput` sees — and
 * may replace — each block's output (Vaccine's perturbation, RepNoise's and LDIFS's features).
 */
export interface ForwardHooks {
  linearInput?: LinearInputTap;
  blockOutput?: BlockOutputHook;
}

/** Inputs of one forward pass over `batch` rows of `seqLen` query tokens. */
export interface ForwardInput {
  batch: number;
  seqLen: number;
  /** `[batch·seqLen]` token ids. */
  tokens: tf.Tensor1D;
  /** `[batch·seqLen]` position of each token (restarting per packed example). */
  positions: tf.Tensor1D;
  /** `[batch | 1, 1, seqLen, keys]`: 0 where a query may attend a key, a large negative number elsewhere. */
  attentionBias: tf.Tensor4D;
}

/**
 * Keys and values of every block for incremental decoding, `[batch·kvHeads, maxLen, headDim]`
 * each (grouped-query models cache their few key/value heads only). Shapes never change between
 * steps (WebGPU pools buffers by exact size): a step writes its one new key and value at the
 * position `writeMask` (`[1, maxLen, 1]`, one 1) marks. The step updates the arrays in place:
 * block by block, the new key and value replace the old ones, which are disposed at once, so a
 * step holds one cache and one block's new tensors, not an old and a new cache.
 */
export interface DecodeCache {
  keys: tf.Tensor3D[];
  values: tf.Tensor3D[];
  writeMask: tf.Tensor3D;
  /**
   * The position `writeMask` marks, where the cache still holds zeros. Given, wasm writes the new
   * key and value there in place (`CACHE_WRITE`) instead of adding a masked copy of the whole cache.
   */
  slot?: number;
}

/** One block's part of a `DecodeCache`. */
type BlockCache = Omit<DecodeCache, 'keys' | 'values'> & {
  keys: tf.Tensor3D;
  values: tf.Tensor3D;
};

export interface ForwardContext {
  config: ModelConfig;
  weights: WeightMap;
  adapter?: LoraAdapter;
  hooks?: ForwardHooks;
  /** Rotary models: cosines and sines of every position (`rotaryTable`), looked up per token. */
  rotary?: RotaryTable;
  /** Recompute each block's activations in the backward pass instead of keeping them (`recomputedBlock`). */
  recompute?: boolean;
  /** With `recompute`, how many of the first blocks keep their activations all the same (default 0). */
  storedBlocks?: number;
}

/** The rotary table's rows at each token's position, `[tokens, 1, rotaryDim]` each (`rotaryRows`). */
type RotaryRows = { cos: tf.Tensor3D; sin: tf.Tensor3D };

/** `cos` and `sin` of `position · inverseFrequency`, `[contextLength, rotaryDim]` (`cat(freqs, freqs)`, as Hugging Face). */
export interface RotaryTable {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
}

/**
 * The rotary table of a model, computed in JavaScript (double precision, rounded once to float32)
 * rather than on the device: WGSL's `sin`/`cos` are only accurate to about 5e-4, which moved
 * WebGPU logits past the 1e-4 tolerance of the golden tests.
 */
export function rotaryTable(config: ModelConfig): RotaryTable {
  const dim = config.rotaryDim;
  const half = dim / 2;
  const positions = config.contextLength;
  const cos = new Float32Array(positions * dim);
  const sin = new Float32Array(positions * dim);
  for (let i = 0; i < half; i++) {
    const inverse = 1 / config.ropeTheta ** ((2 * i) / dim);
    for (let p = 0; p < positions; p++) {
      const angle = p * inverse;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * dim + i] = c;
      cos[p * dim + half + i] = c;
      sin[p * dim + i] = s;
      sin[p * dim + half + i] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [positions, dim]), sin: tf.tensor2d(sin, [positions, dim]) };
}

/**
 * Final hidden states `[batch·seqLen, dModel]` (after the final norm); with `cache`, also the
 * updated cache tensors (which replaced the old ones in `cache`'s arrays, and were disposed).
 */
export function forwardHidden(
  ctx: ForwardContext,
  input: ForwardInput,
  cache?: DecodeCache,
): { hidden: tf.Tensor2D; keys: tf.Tensor3D[]; values: tf.Tensor3D[] } {
  const { config, weights } = ctx;
  const names = architectureOf(config).names;
  let x = embeddingLookup(getWeight(weights, `${names.embed}.weight`) as tf.Tensor2D, input.tokens);
  if (config.positions === 'learned') {
    const table = getWeight(weights, `${names.positionEmbed as string}.weight`) as tf.Tensor2D;
    x = tf.add(x, embeddingLookup(table, input.positions)) as tf.Tensor2D;
  }
  const rotary = config.positions === 'rotary' ? rotaryRows(ctx, input.positions) : undefined;
  const keys: tf.Tensor3D[] = [];
  const values: tf.Tensor3D[] = [];
  // Recomputing a block only pays off with a tape to keep activations for, and never taps inputs
  // twice (Wanda's collection runs without a gradient) or decodes.
  const recompute = ctx.recompute === true && !cache && !ctx.hooks?.linearInput;
  // Without a tape (evaluation, generation, Wanda's calibration) nothing needs a block's
  // intermediate tensors once its output exists: each block runs in its own tidy, so a pass holds
  // one block's activations rather than every block's (a 30-block model's 16 × 256 calibration
  // batch would otherwise keep gigabytes until the caller's tidy ends). A linear-input tap that
  // keeps a tensor must `tf.keep` it.
  const untaped = tf.engine().state.gradientDepth === 0;
  for (let layer = 0; layer < config.nLayers; layer++) {
    if (recompute && layer >= (ctx.storedBlocks ?? 0)) {
      x = recomputedBlock(ctx, layer, x, input, rotary);
    } else {
      const slot: BlockCache | undefined = cache && {
        ...cache,
        keys: cache.keys[layer],
        values: cache.values[layer],
      };
      const run = () => block(ctx, layer, x, input, rotary, slot);
      const result = untaped ? tf.tidy(() => withoutUndefined(run())) : run();
      if (cache && result.keys && result.values) {
        cache.keys[layer].dispose();
        cache.values[layer].dispose();
        cache.keys[layer] = result.keys;
        cache.values[layer] = result.values;
      }
      if (result.keys) keys.push(result.keys);
      if (result.values) values.push(result.values);
      x = result.output;
    }
    if (ctx.hooks?.blockOutput) x = ctx.hooks.blockOutput(layer, x);
  }
  return { hidden: finalNorm(config, weights, x), keys, values };
}

/** `tf.tidy` keeps the tensors of the object it returns; it takes no `undefined` among them. */
function withoutUndefined<T extends object>(result: T): T {
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== undefined)) as T;
}

/** One transformer block: the residual stream after block `layer`, and with a cache its new keys and values. */
function block(
  ctx: ForwardContext,
  layer: number,
  x: tf.Tensor2D,
  input: ForwardInput,
  rotary: RotaryRows | undefined,
  cache?: BlockCache,
): { output: tf.Tensor2D; keys?: tf.Tensor3D; values?: tf.Tensor3D } {
  const { config, weights } = ctx;
  const names = architectureOf(config).names;
  const p = names.layer(layer);
  let keys: tf.Tensor3D | undefined;
  let values: tf.Tensor3D | undefined;
  const attend = (h: tf.Tensor2D) => {
    const result = attention(ctx, layer, h, input, rotary, cache);
    keys = result.keys;
    values = result.values;
    return result.output;
  };
  const norm1 = norm(config, weights, `${p}.${names.norm1}`, x);
  let output: tf.Tensor2D;
  if (config.parallelResidual) {
    const norm2 = norm(config, weights, `${p}.${names.norm2}`, x);
    output = tf.addN([x, attend(norm1), mlp(ctx, layer, norm2)]) as tf.Tensor2D;
  } else {
    const mid = tf.add(x, attend(norm1)) as tf.Tensor2D;
    output = tf.add(
      mid,
      mlp(ctx, layer, norm(config, weights, `${p}.${names.norm2}`, mid)),
    ) as tf.Tensor2D;
  }
  return { output, keys, values };
}

/**
 * `block` with its activations recomputed in the backward pass instead of kept (activation
 * checkpointing, as PyTorch's `torch.utils.checkpoint` per block): the forward pass keeps only the
 * block's input; its gradient re-runs the block under a tape of its own and differentiates that.
 * tfjs keeps every op's output until a backward pass ends, so without this a step holds every
 * block's activations at once; with it, one block's. The block's trained variables (its LoRA
 * matrices, or all its weights in full training) are explicit inputs, so their gradients reach
 * the outer `variableGrads`.
 */
function recomputedBlock(
  ctx: ForwardContext,
  layer: number,
  x: tf.Tensor2D,
  input: ForwardInput,
  rotary: RotaryRows | undefined,
): tf.Tensor2D {
  const prefix = `${architectureOf(ctx.config).names.layer(layer)}.`;
  const trained: tf.Variable[] = [];
  for (const map of [ctx.weights, ctx.adapter?.weights]) {
    for (const [name, variable] of map ?? []) {
      if (variable.trainable && name.startsWith(prefix)) trained.push(variable);
    }
  }
  const run = (h: tf.Tensor2D, rows: typeof rotary) => block(ctx, layer, h, input, rows).output;
  const checkpointed = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const h = args[0] as tf.Tensor2D;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // The rotary rows are made once per forward pass, outside this block: the forward pass's tidy
    // would dispose them before the backward pass, so they are saved with the input.
    save(rotary ? [h, rotary.cos, rotary.sin] : [h]);
    return {
      value: tf.tidy(() => run(h, rotary)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedInput, cos, sin] = saved as [tf.Tensor2D, tf.Tensor3D?, tf.Tensor3D?];
        const rows = cos && sin ? { cos, sin } : undefined;
        // A gradient inside a gradient: tfjs's engine starts a fresh tape when none is recording
        // (as in a backward pass) and drops it at the end, so the outer pass's tape is put back.
        const engine = tf.engine();
        const outerTape = engine.state.activeTape;
        try {
          const { value, grads } = engine.gradients(
            () => run(savedInput, rows),
            [savedInput, ...trained],
            dy as tf.Tensor2D,
            true,
          );
          value.dispose();
          return grads.map(
            (grad, i) => grad ?? tf.zerosLike(i === 0 ? savedInput : trained[i - 1]),
          );
        } finally {
          engine.state.activeTape = outerTape;
        }
      },
    };
  });
  return checkpointed(x, ...trained) as tf.Tensor2D;
}

/** The final norm, as applied after the last block (RepNoise reads earlier blocks out through it too). */
export function finalNorm(config: ModelConfig, weights: WeightMap, x: tf.Tensor2D): tf.Tensor2D {
  return norm(config, weights, architectureOf(config).names.finalNorm, x);
}

/** The output head `[vocab, dModel]`: the token embedding when tied. */
/**
 * Per-token cross-entropy `[tokens]` of `targets` under the logits `hidden · headᵀ`, as
 * `logsumexp(logits) − hidden · head[target]`: no `[tokens, vocab]` one-hot is built (at a real
 * vocabulary of 50k–150k it would dwarf the model's activations). The target rows come from the
 * head by a lookup whose gradient reaches the head only when the head is trained (full-weight
 * training); with LoRA the embedding is frozen and that path is never differentiated.
 */
export function tokenCrossEntropy(
  hidden: tf.Tensor2D,
  head: tf.Tensor2D,
  targets: tf.Tensor1D,
): tf.Tensor1D {
  const logits = matMul(hidden, head, false, true);
  const picked = tf.sum(tf.mul(hidden, embeddingLookup(head, targets)), -1);
  return tf.sub(rowLogSumExp(logits as tf.Tensor2D), picked) as tf.Tensor1D;
}

/**
 * `log Σ exp` over each row of `x`, with its gradient written out: `dy · softmax(x)`. tfjs's own
 * `logSumExp` subtracts the row maximum and differentiates through it too, a mask of `equal(x,
 * max)` over the whole `[tokens, vocab]` logits that cancels out (and is slow on wasm).
 * On wasm from the softmax, kept for the gradient: `max(x) − log(max(softmax(x)))`, as the
 * softmax's largest value is `1 / Σ exp(x − max)`, never under 1/vocab. tfjs-backend-wasm's Softmax
 * is XNNPACK's vector kernel (0.12 ms for `[512, 256]`) and its Exp a scalar loop (0.67 ms), which
 * `logSumExp` and the gradient each ran once.
 */
export function rowLogSumExp(x: tf.Tensor2D): tf.Tensor1D {
  const lse = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [logits, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
    if (runsOnWasm()) {
      const probabilities = tf.softmax(logits);
      save([probabilities]);
      return {
        value: tf.sub(tf.max(logits, -1), tf.log(tf.max(probabilities, -1))) as tf.Tensor1D,
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(tf.expandDims(dy, -1), saved),
      };
    }
    const value = tf.logSumExp(logits, -1) as tf.Tensor1D;
    save([logits, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [saved, total]: tf.Tensor[]) =>
        tf.mul(tf.expandDims(dy, -1), tf.exp(tf.sub(saved, tf.expandDims(total, -1)))),
    };
  });
  return lse(x) as tf.Tensor1D;
}

/** Most tokens per chunk of `frozenHeadCrossEntropy`. */
export const CROSS_ENTROPY_CHUNK = 256;

/** Most bytes of one loss chunk's logits: a chunk has fewer tokens at a large vocabulary. */
export const CROSS_ENTROPY_CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Tokens per chunk of `frozenHeadCrossEntropy` at `vocabSize`: 256, or fewer so that a chunk's
 * logits stay under `CROSS_ENTROPY_CHUNK_BYTES` (Qwen's 151,936 rows: 110 tokens, 67 MB, where 256
 * tokens made 155 MB, three of them alive at once), never under 16.
 */
export function crossEntropyChunk(vocabSize: number): number {
  const fitting = Math.floor(CROSS_ENTROPY_CHUNK_BYTES / (4 * vocabSize));
  return Math.max(16, Math.min(CROSS_ENTROPY_CHUNK, fitting));
}

/**
 * `tokenCrossEntropy` for a frozen head (LoRA training: the embedding never changes), in chunks of
 * `chunk` tokens (`crossEntropyChunk`): the largest tensor is one chunk's `[chunk, vocab]` logits
 * rather than `[tokens, vocab]` (Qwen2.5's vocabulary at batch 4 × 256 would otherwise keep several
 * 620 MB tensors alive). The gradient reaches `hidden` only, `dhidden = dy · (softmax(logits) · head −
 * head[target])`; under a gradient its second factor is computed with the loss, chunk by chunk
 * while the chunk's logits exist, and kept (`[tokens, dModel]`, small), so the backward pass only
 * scales it: no logits are made twice.
 */
export function frozenHeadCrossEntropy(
  hidden: tf.Tensor2D,
  head: tf.Tensor2D,
  targets: tf.Tensor1D,
  chunk = crossEntropyChunk(head.shape[0]),
): tf.Tensor1D {
  const tokens = hidden.shape[0];
  const spans: [number, number][] = [];
  for (let start = 0; start < tokens; start += chunk) {
    spans.push([start, Math.min(chunk, tokens - start)]);
  }
  const rows = (t: tf.Tensor, [start, size]: [number, number]) =>
    t.rank === 1
      ? tf.slice(t, [start], [size])
      : tf.slice(t, [start, 0], [size, t.shape[1] as number]);
  // The engine records a tape only inside a gradient: evaluation makes no gradient factor.
  const differentiated = tf.engine().state.gradientDepth > 0;
  const lossOf = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [h, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
    const values: tf.Tensor1D[] = [];
    const factors: tf.Tensor2D[] = [];
    for (const span of spans) {
      const [value, factor] = tf.tidy(() => {
        const x = rows(h, span) as tf.Tensor2D;
        const targetRows = tf.gather(head, rows(targets, span));
        // Each `[chunk, vocab]` tensor is let go as soon as the next exists (nested tidies and
        // disposes): a tidy keeps every intermediate until it ends, and at a real vocabulary the
        // logsumexp's and the softmax's intermediates were most of a step's peak.
        const logits = headLogits(x, head);
        let probabilities: tf.Tensor2D | undefined;
        let total: tf.Tensor1D;
        if (runsOnWasm()) {
          // From the softmax, as `rowLogSumExp` on wasm: XNNPACK's Softmax instead of tfjs-wasm's
          // scalar Exp, twice over `[chunk, vocab]` (SmolLM2's 128 × 49152: 75 ms a time).
          const top = tf.max(logits, -1);
          probabilities = tf.softmax(logits) as tf.Tensor2D;
          logits.dispose();
          const given = probabilities;
          total = tf.tidy(() => tf.sub(top, tf.log(tf.max(given, -1))) as tf.Tensor1D);
        } else {
          total = tf.tidy(() => tf.logSumExp(logits, -1) as tf.Tensor1D);
        }
        const value = tf.sub(total, tf.sum(tf.mul(x, targetRows), -1)) as tf.Tensor1D;
        if (!differentiated) return [value];
        probabilities ??= tf.tidy(
          () => tf.exp(tf.sub(logits, tf.expandDims(total, -1))) as tf.Tensor2D,
        );
        logits.dispose();
        const expected = productWithHead(probabilities, head);
        probabilities.dispose();
        return [value, tf.sub(expected, targetRows) as tf.Tensor2D];
      });
      values.push(value);
      if (factor) factors.push(factor);
    }
    const factor = differentiated ? tf.concat(factors) : undefined;
    if (factor) save([factor]);
    tf.dispose(factors);
    const value = tf.concat(values) as tf.Tensor1D;
    tf.dispose(values);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => [tf.mul(saved, tf.reshape(dy, [-1, 1]))],
    };
  });
  return lossOf(hidden) as tf.Tensor1D;
}

export function headWeight(config: ModelConfig, weights: WeightMap): tf.Variable {
  const n = architectureOf(config).names;
  return getWeight(weights, `${config.tiedEmbeddings ? n.embed : n.head}.weight`);
}

/** LayerNorm or RMSNorm over the last axis, with the module's gain (and LayerNorm's bias). */
function norm<T extends tf.Tensor>(config: ModelConfig, weights: WeightMap, path: string, x: T): T {
  const gain = getWeight(weights, `${path}.weight`);
  if (fusedKernelsAvailable()) {
    // WebGPU: the whole norm in one dispatch (and its gradient in one or two).
    const bias = config.norm === 'rmsnorm' ? null : getWeight(weights, `${path}.bias`);
    const trainGain = gain.trainable || (bias?.trainable ?? false);
    return fusedNorm(x, gain, bias, config.normEps, trainGain) as T;
  }
  if (runsOnWasm()) {
    const bias = config.norm === 'rmsnorm' ? null : getWeight(weights, `${path}.bias`);
    return explicitNorm(config.norm, x, gain, bias, config.normEps) as T;
  }
  if (config.norm === 'rmsnorm') {
    // Llama's RMSNorm: x · rsqrt(mean(x²) + ε) · γ.
    const meanSquare = tf.mean(tf.square(x), -1, true);
    return mulLastAxis(tf.mul(x, tf.rsqrt(tf.add(meanSquare, config.normEps))), gain) as T;
  }
  const { mean, variance } = tf.moments(x, -1, true);
  const normalized = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, config.normEps)));
  return addLastAxis(mulLastAxis(normalized, gain), getWeight(weights, `${path}.bias`)) as T;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  if (activation === 'gelu_new') {
    if (fusedKernelsAvailable()) return fusedGeluNew(x);
    if (simdKernelsAvailable()) return simdGeluNew(x);
  }
  if (activation === 'silu' && simdKernelsAvailable()) return simdSilu(x);
  return plainActivation(x, activation);
}

/** The activation as tfjs ops, differentiated by tfjs (what the fused kernels reproduce). */
export function plainActivation(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'gelu_new': {
      // 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³): GPT-2's approximation, computed as
      // x·σ(2u) (the same function: ½(1 + tanh u) = σ(2u)). On wasm, sigmoid is XNNPACK's vector
      // kernel and tanh a scalar loop; x³ is x²·x because tf.pow is a scalar loop too, and its
      // gradient also differentiates the constant exponent (a log and another pow per element).
      const twiceInner = tf.mul(
        tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)),
        2 * SQRT_2_OVER_PI,
      );
      return tf.mul(x, tf.sigmoid(twiceInner));
    }
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'relu':
      return tf.relu(x);
  }
}

/** `x·W (+ b)` of the linear layer at `path`, its input shown to the activation tap. */
function projection(
  ctx: ForwardContext,
  path: string,
  hasBias: boolean,
  x: tf.Tensor2D,
): tf.Tensor2D {
  const weight = `${path}.weight`;
  ctx.hooks?.linearInput?.(weight, x);
  const w = getWeight(ctx.weights, weight);
  if (hasBias) return affine(x, w, getWeight(ctx.weights, `${path}.bias`));
  return matMul(x, w) as tf.Tensor2D;
}

function withDelta(
  ctx: ForwardContext,
  layer: number,
  role: LayerRole,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
): tf.Tensor2D {
  return plusDelta(y, loraDelta(ctx.config, ctx.adapter, layer, role, x, ctx.hooks?.linearInput));
}

/** q, k and v `[tokens, width]` of block `layer`, fused or not, each with its LoRA update. */
function queryKeyValue(
  ctx: ForwardContext,
  layer: number,
  names: ArchitectureNames,
  x: tf.Tensor2D,
): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const { config } = ctx;
  const p = names.layer(layer);
  let parts: tf.Tensor2D[];
  if (names.qkv) {
    const fused = projection(ctx, `${p}.${names.qkv.name}`, config.bias.qkv, x);
    if (names.qkv.layout === 'blocks') {
      const { q, kv } = attentionWidths(config);
      parts = tf.split(fused, [q, kv, kv], 1) as tf.Tensor2D[];
    } else {
      // GPT-NeoX: [tokens, heads, 3·headDim], then q | k | v within each head.
      const tokens = x.shape[0];
      const perHead = tf.reshape(fused, [tokens, config.nHeads, 3 * config.headDim]);
      parts = tf
        .split(perHead, 3, 2)
        .map((part) => tf.reshape(part, [tokens, config.nHeads * config.headDim]) as tf.Tensor2D);
    }
  } else {
    parts = [names.q, names.k, names.v].map((path) =>
      projection(ctx, `${p}.${path as string}`, config.bias.qkv, x),
    );
  }
  const roles = ['attn.q', 'attn.k', 'attn.v'] as const;
  return parts.map((part, i) => withDelta(ctx, layer, roles[i], x, part)) as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
}

/** The rotary table's rows for the tokens' positions, `[tokens, 1, rotaryDim]`. */
function rotaryRows(ctx: ForwardContext, positions: tf.Tensor1D): RotaryRows {
  if (!ctx.rotary) throw new Error(`${ctx.config.family}: a rotary model needs its rotary table`);
  const tokens = positions.shape[0];
  const dim = ctx.config.rotaryDim;
  return {
    cos: tf.reshape(tf.gather(ctx.rotary.cos, positions), [tokens, 1, dim]),
    sin: tf.reshape(tf.gather(ctx.rotary.sin, positions), [tokens, 1, dim]),
  };
}

/** Rotates the first `rotaryDim` features of each head of `x: [tokens, heads, headDim]` (`rotate_half`). */
function rotate(x: tf.Tensor3D, tables: RotaryRows, rotaryDim: number): tf.Tensor3D {
  const [tokens, heads, headDim] = x.shape;
  const rotating = rotaryDim === headDim ? x : tf.slice(x, [0, 0, 0], [tokens, heads, rotaryDim]);
  const [first, second] = tf.split(rotating, 2, 2);
  const half = tf.concat([tf.neg(second), first], 2);
  const rotated = tf.add(tf.mul(rotating, tables.cos), tf.mul(half, tables.sin)) as tf.Tensor3D;
  if (rotaryDim === headDim) return rotated;
  const passing = tf.slice(x, [0, 0, rotaryDim], [tokens, heads, headDim - rotaryDim]);
  return tf.concat([rotated, passing], 2);
}

/**
 * Causal self-attention of block `layer` on `x: [batch·seqLen, dModel]`. Grouped-query attention
 * without copying keys: the `group` query heads that share a key/value head are stacked along the
 * query axis, `[batch·kvHeads, group·seqLen, headDim]`, so one batched product serves them all.
 */
function attention(
  ctx: ForwardContext,
  layer: number,
  x: tf.Tensor2D,
  input: ForwardInput,
  rotary: RotaryRows | undefined,
  cache?: BlockCache,
): { output: tf.Tensor2D; keys?: tf.Tensor3D; values?: tf.Tensor3D } {
  const { config, weights } = ctx;
  const names = architectureOf(config).names;
  const p = names.layer(layer);
  const { batch: B, seqLen: T } = input;
  const { nHeads: H, nKvHeads: K, headDim: D } = config;
  const G = H / K;
  const tokens = B * T;
  const [q0, k0, v] = queryKeyValue(ctx, layer, names, x).map((part, i) =>
    tf.reshape(part, [tokens, i === 0 ? H : K, D]),
  ) as tf.Tensor3D[];
  let q = q0;
  let k = k0;
  if (config.qkNorm) {
    q = norm(config, weights, `${p}.${names.qNorm as string}`, q);
    k = norm(config, weights, `${p}.${names.kNorm as string}`, k);
  }
  if (rotary) {
    q = rotate(q, rotary, config.rotaryDim);
    k = rotate(k, rotary, config.rotaryDim);
  }
  // [B·T, heads, D] → [B, heads, T, D]; heads h = kv·G + g, so q regroups as [B·K, G·T, D].
  const byHead = (t: tf.Tensor3D, heads: number) =>
    tf.transpose(tf.reshape(t, [B, T, heads, D]), [0, 2, 1, 3]);
  const queries = tf.reshape(byHead(q, H), [B * K, G * T, D]) as tf.Tensor3D;
  let keys = tf.reshape(byHead(k, K), [B * K, T, D]) as tf.Tensor3D;
  let values = tf.reshape(byHead(v, K), [B * K, T, D]) as tf.Tensor3D;
  if (cache) {
    keys = cacheWritten(cache, cache.keys, keys);
    values = cacheWritten(cache, cache.values, values);
  }
  const context = attend(queries, keys, values, input.attentionBias, { B, K, G, T, D });
  const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, H, T, D]), [0, 2, 1, 3]), [
    tokens,
    H * D,
  ]) as tf.Tensor2D;
  const output = withDelta(
    ctx,
    layer,
    'attn.o',
    merged,
    projection(ctx, `${p}.${names.o}`, config.bias.o, merged),
  );
  return cache ? { output, keys, values } : { output };
}

/**
 * `old` (a block's cached keys or values) with `update` (`[slices, 1, headDim]`) at the decoding
 * step's position. On wasm with the position known, written in place (`CACHE_WRITE`): the masked
 * sum made a `[slices, maxLen, headDim]` product and sum per cache (a quarter of a built-in model's
 * decoding step), for values the same bit for bit, as the position holds zeros until then. The
 * old tensor shares the written buffer: the caller disposes it, unread (`forwardHidden`).
 */
function cacheWritten(cache: BlockCache, old: tf.Tensor3D, update: tf.Tensor3D): tf.Tensor3D {
  if (cache.slot !== undefined && runsOnWasm()) {
    return tf
      .engine()
      .runKernel(CACHE_WRITE, { cache: old, update }, { slot: cache.slot }) as tf.Tensor3D;
  }
  return tf.add(old, tf.mul(cache.writeMask, update)) as tf.Tensor3D;
}

/**
 * Most bytes one chunk of attention scores `[slices, group·seqLen, keys]` may take: a longer row
 * or a bigger batch is computed a few `(row, key/value head)` slices at a time rather than whole,
 * so neither its scores nor their softmax ever exceed this (the gradient keeps them per chunk).
 */
export const ATTENTION_CHUNK_BYTES = 64 * 2 ** 20;

/**
 * `softmax(q·kᵀ/√D + bias)·v` over `[B·K, G·T, D]` queries and `[B·K, S, D]` keys and values:
 * `[B·K, G·T, D]`. In chunks of whole `(row, key/value head)` slices whose scores stay under
 * `ATTENTION_CHUNK_BYTES`; one chunk is the plain batched form. (On wasm the batched products run
 * slice by slice through XNNPACK inside one kernel, `matMul`.)
 */
export function attend(
  queries: tf.Tensor3D,
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  bias: tf.Tensor4D,
  { B, K, G, T, D }: { B: number; K: number; G: number; T: number; D: number },
  chunkBytes = ATTENTION_CHUNK_BYTES,
): tf.Tensor3D {
  const S = keys.shape[1];
  const slices = B * K;
  const sliceBytes = G * T * S * 4;
  const perChunk = Math.max(1, Math.min(slices, Math.floor(chunkBytes / sliceBytes)));
  const scale = 1 / Math.sqrt(D);
  if (perChunk >= slices) {
    const scores = tf.mul(matMul(queries, keys, false, true), scale);
    const biased = tf.add(tf.reshape(scores, [B, K * G, T, S]), bias);
    const probabilities = tf.reshape(tf.softmax(biased), [slices, G * T, S]) as tf.Tensor3D;
    return matMul(probabilities, values) as tf.Tensor3D;
  }
  const parts: tf.Tensor3D[] = [];
  for (let start = 0; start < slices; start += perChunk) {
    const n = Math.min(perChunk, slices - start);
    const range = (t: tf.Tensor3D) =>
      tf.slice(t, [start, 0, 0], [n, t.shape[1], t.shape[2]]) as tf.Tensor3D;
    // The bias rows of these slices' batch rows (one bias for every row when its batch axis is 1).
    const chunkBias =
      bias.shape[0] === 1
        ? bias
        : tf.concat(
            Array.from({ length: n }, (_, i) =>
              tf.slice(bias, [Math.floor((start + i) / K), 0, 0, 0], [1, 1, T, S]),
            ),
          );
    const scores = tf.mul(matMul(range(queries), range(keys), false, true), scale);
    const biased = tf.add(tf.reshape(scores, [n, G, T, S]), chunkBias);
    const probabilities = tf.reshape(tf.softmax(biased), [n, G * T, S]) as tf.Tensor3D;
    parts.push(matMul(probabilities, range(values)) as tf.Tensor3D);
  }
  return tf.concat(parts) as tf.Tensor3D;
}

/** The block's MLP: `out(act(in(x)))`, or gated `out(act(gate(x)) · in(x))`. */
function mlp(ctx: ForwardContext, layer: number, x: tf.Tensor2D): tf.Tensor2D {
  const { config } = ctx;
  const names = architectureOf(config).names;
  const p = names.layer(layer);
  const up = withDelta(
    ctx,
    layer,
    'mlp.in',
    x,
    projection(ctx, `${p}.${names.mlpIn}`, config.bias.mlp, x),
  );
  let hidden: tf.Tensor2D;
  if (config.gatedMlp) {
    const gate = withDelta(
      ctx,
      layer,
      'mlp.gate',
      x,
      projection(ctx, `${p}.${names.mlpGate as string}`, config.bias.mlp, x),
    );
    hidden = tf.mul(activate(gate, config.activation), up) as tf.Tensor2D;
  } else hidden = activate(up, config.activation) as tf.Tensor2D;
  return withDelta(
    ctx,
    layer,
    'mlp.out',
    hidden,
    projection(ctx, `${p}.${names.mlpOut}`, config.bias.mlp, hidden),
  );
}
