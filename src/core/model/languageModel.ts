import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';
import type { BatchTensors } from './batch';
import {
  assertModelConfig,
  resolveModelConfig,
  type ModelConfig,
  type ModelConfigInput,
} from './config';
import {
  finalNorm,
  forwardHidden,
  frozenHeadCrossEntropy,
  headWeight,
  rotaryTable,
  tokenCrossEntropy,
  type RotaryTable,
  type DecodeCache,
  type ForwardContext,
  type ForwardHooks,
  type ForwardInput,
} from './forward';
import type { LoraSettings } from './roles';
import {
  adaptedRoles,
  createAdapter,
  initialAdapterValues,
  mergeAdapter,
  type LoraAdapter,
} from './lora';
import { embeddingLookup } from './embedding';
import {
  createWeights,
  disposeWeights,
  initialValues,
  readWeights,
  type WeightMap,
  type WeightValues,
} from './weights';

/**
 * The lab's decoder-only language model, of any family its `config` names (GPT-2 for the built-in
 * model; Llama, Qwen2, Qwen3, GPT-NeoX from the Hub): the weights, an optional LoRA adapter, and
 * the one forward pass of `forward.ts`.
 */
export type { BlockOutputHook, ForwardHooks, LinearInputTap } from './forward';

export class LanguageModel {
  /**
   * Recompute each block's activations in the backward pass instead of keeping them all
   * (activation checkpointing): a training step then holds one block's activations rather than
   * every block's, for about a third more compute. Only while a gradient is being taken.
   */
  recompute = false;
  /**
   * With `recompute`, how many of the first blocks keep their activations all the same (the
   * pipeline stores as many as the memory budget allows, `chooseMicroBatch`); 0: none.
   */
  storedBlocks = 0;
  private lora: LoraAdapter | undefined;
  private readonly rotary: RotaryTable | undefined;

  private constructor(
    readonly config: ModelConfig,
    readonly weights: WeightMap,
  ) {
    this.rotary = config.positions === 'rotary' ? rotaryTable(config) : undefined;
  }

  /** The attached LoRA adapter, if any (its matrices are then the only trained variables). */
  get adapter(): LoraAdapter | undefined {
    return this.lora;
  }

  /**
   * Attaches a LoRA adapter (`values` from a cache, or a fresh one seeded with `seed`: A random,
   * B zero). From now on the forward pass adds its updates and training changes only its matrices.
   */
  attachAdapter(
    settings: LoraSettings,
    init: { values: Map<string, Float32Array> } | { seed: number },
  ): void {
    if (this.lora) throw new Error('the model already has an adapter');
    adaptedRoles(this.config, settings);
    const values =
      'values' in init ? init.values : initialAdapterValues(this.config, settings, init.seed);
    this.lora = createAdapter(this.config, settings, values);
    // The base weights are frozen from now on: matMul then keeps no copy of them for a gradient
    // and computes none (`matmul.ts`); training only ever lists the adapter's matrices anyway.
    for (const variable of this.weights.values()) variable.trainable = false;
  }

  /** What training updates: the adapter's matrices when one is attached, else every weight. */
  get trainable(): WeightMap {
    return this.lora ? this.lora.weights : this.weights;
  }

  /** A weight or an adapter matrix by name (`transformer.h.0.attn.q.lora_A`). */
  parameter(name: string): tf.Variable {
    const variable = this.weights.get(name) ?? this.lora?.weights.get(name);
    if (!variable) throw new Error(`model has no weight or adapter matrix "${name}"`);
    return variable;
  }

  static init(input: ModelConfigInput, seed: number): LanguageModel {
    const config = resolveModelConfig(input);
    assertModelConfig(config);
    return new LanguageModel(config, createWeights(config, initialValues(config, seed)));
  }

  static fromValues(input: ModelConfigInput, values: WeightValues): LanguageModel {
    const config = resolveModelConfig(input);
    assertModelConfig(config);
    return new LanguageModel(config, createWeights(config, values));
  }

  private context(hooks: ForwardHooks = {}): ForwardContext {
    return {
      config: this.config,
      weights: this.weights,
      adapter: this.lora,
      hooks,
      rotary: this.rotary,
      // The engine records a tape only inside a gradient (`variableGrads`): evaluation, generation
      // and Wanda's taps run the plain blocks.
      recompute: this.recompute && tf.engine().state.gradientDepth > 0,
      storedBlocks: this.storedBlocks,
    };
  }

  /** Final hidden states `[batch·seqLen, dModel]` (after the final norm). */
  hidden(input: BatchTensors, hooks: ForwardHooks = {}): tf.Tensor2D {
    if (input.seqLen > this.config.contextLength) {
      throw new Error(
        `sequence length ${input.seqLen} exceeds the model's context length ${this.config.contextLength}`,
      );
    }
    return forwardHidden(this.context(hooks), input).hidden;
  }

  /**
   * One decoding step for `batch` rows of one token each, reading and extending `cache` in place
   * (each block's new key and value replace the old, which are disposed): the hidden states
   * `[batch, dModel]` and the new cache tensors.
   */
  decodeStep(
    input: ForwardInput,
    cache: DecodeCache,
  ): { hidden: tf.Tensor2D; keys: tf.Tensor3D[]; values: tf.Tensor3D[] } {
    return forwardHidden(this.context(), input, cache);
  }

  /** The output head `[vocab, dModel]` (the token embedding when tied). */
  get head(): tf.Tensor2D {
    return headWeight(this.config, this.weights) as tf.Tensor2D;
  }

  /** The final norm applied to a block's output (a "logit lens" on an intermediate block). */
  finalNorm(x: tf.Tensor2D): tf.Tensor2D {
    return finalNorm(this.config, this.weights, x);
  }

  /** Next-token logits `[batch·seqLen, vocabSize]`. */
  logits(input: BatchTensors, hooks?: ForwardHooks): tf.Tensor2D {
    return matMul(this.hidden(input, hooks), this.head, false, true) as tf.Tensor2D;
  }

  /** Per-token cross-entropy `[batch·seqLen]` (not masked), without a one-hot over the vocabulary. */
  tokenLosses(input: BatchTensors, hooks?: ForwardHooks): tf.Tensor1D {
    return this.crossEntropy(this.hidden(input, hooks), input.targets);
  }

  /**
   * Cross-entropy of `targets` under the head's logits of final hidden states: in chunks of
   * logits (`frozenHeadCrossEntropy`) whenever the head gets no gradient — an adapter is attached
   * (the head is then frozen), or nothing is differentiated (evaluation) — and over all
   * `[tokens, vocab]` logits only when the head itself is trained.
   */
  crossEntropy(hidden: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
    const head = headWeight(this.config, this.weights);
    const headTrained = head.trainable && tf.engine().state.gradientDepth > 0;
    const matrix = head as tf.Tensor as tf.Tensor2D;
    return this.lora || !headTrained
      ? frozenHeadCrossEntropy(hidden, matrix, targets)
      : tokenCrossEntropy(hidden, matrix, targets);
  }

  /** Mean cross-entropy over the tokens whose loss mask is 1 (e.g. response tokens only). */
  loss(input: BatchTensors, hooks?: ForwardHooks): tf.Scalar {
    const rows = input.countedRows;
    if (!rows) {
      const masked = tf.sum(tf.mul(this.tokenLosses(input, hooks), input.lossMask));
      return tf.div(masked, tf.maximum(tf.sum(input.lossMask), 1)) as tf.Scalar;
    }
    // Only the positions that count (and a few masked ones, padding) go through the output head:
    // a fine-tuning row's prompt is most of it, and the head is most of a small model's step.
    const hidden = embeddingLookup(this.hidden(input, hooks), rows);
    const mask = tf.gather(input.lossMask, rows);
    const losses = this.crossEntropy(hidden, tf.gather(input.targets, rows) as tf.Tensor1D);
    return tf.div(tf.sum(tf.mul(losses, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  }

  /** The weights, without the adapter. */
  readValues(): Promise<Map<string, Float32Array>> {
    return readWeights(this.weights);
  }

  /** The adapter's matrices; undefined without an adapter. */
  async readAdapterValues(): Promise<Map<string, Float32Array> | undefined> {
    return this.lora ? readWeights(this.lora.weights) : undefined;
  }

  /** The weights with the adapter (if any) merged in: what a plain model computing the same function holds. */
  async readMergedValues(): Promise<Map<string, Float32Array>> {
    const values = await this.readValues();
    const adapter = await this.readAdapterValues();
    return this.lora && adapter
      ? mergeAdapter(this.config, values, this.lora.settings, adapter)
      : values;
  }

  dispose(): void {
    if (this.rotary) tf.dispose([this.rotary.cos, this.rotary.sin]);
    disposeWeights(this.weights);
    if (this.lora) disposeWeights(this.lora.weights);
    this.lora = undefined;
  }
}
