import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';
import type { BatchTensors } from './batch';
import { transformerBlock } from './block';
import { assertModelConfig, type ModelConfig } from './config';
import { embeddingLookup, oneHotFloat } from './embedding';
import { layerNorm } from './layerNorm';
import type { LoraSettings } from '../config/schema';
import { createAdapter, initialAdapterValues, mergeAdapter, type LoraAdapter } from './lora';
import type { LinearInputTap } from './mlp';
import {
  createWeights,
  disposeWeights,
  getWeight,
  initialValues,
  readWeights,
  type WeightMap,
} from './weights';

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

/**
 * The lab's decoder-only transformer (GPT-2 architecture, as nanoGPT's model.py): token and
 * learned position embeddings, `nLayers` pre-LayerNorm blocks, a final LayerNorm and an output
 * projection tied to the token embedding.
 */
export class GPT {
  private lora: LoraAdapter | undefined;

  private constructor(
    readonly config: ModelConfig,
    readonly weights: WeightMap,
  ) {}

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
    const values =
      'values' in init ? init.values : initialAdapterValues(this.config, settings, init.seed);
    this.lora = createAdapter(this.config, settings, values);
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

  static init(config: ModelConfig, seed: number): GPT {
    assertModelConfig(config);
    return new GPT(config, createWeights(config, initialValues(config, seed)));
  }

  static fromValues(config: ModelConfig, values: Map<string, Float32Array>): GPT {
    assertModelConfig(config);
    return new GPT(config, createWeights(config, values));
  }

  /** Final hidden states `[batch·seqLen, dModel]` (after ln_f). */
  hidden(input: BatchTensors, hooks: ForwardHooks = {}): tf.Tensor2D {
    const { batch, seqLen } = input;
    if (seqLen > this.config.contextLength) {
      throw new Error(
        `sequence length ${seqLen} exceeds the model's context length ${this.config.contextLength}`,
      );
    }
    const w = this.weights;
    let x = tf.add(
      embeddingLookup(getWeight(w, 'transformer.wte.weight') as tf.Tensor2D, input.tokens),
      embeddingLookup(getWeight(w, 'transformer.wpe.weight') as tf.Tensor2D, input.positions),
    ) as tf.Tensor2D;
    const shape = { batch, seqLen, nHeads: this.config.nHeads };
    for (let layer = 0; layer < this.config.nLayers; layer++) {
      x = transformerBlock(x, w, layer, shape, input.attentionBias, hooks.linearInput, this.lora);
      if (hooks.blockOutput) x = hooks.blockOutput(layer, x);
    }
    return layerNorm(
      x,
      getWeight(w, 'transformer.ln_f.weight'),
      getWeight(w, 'transformer.ln_f.bias'),
    );
  }

  /** Next-token logits `[batch·seqLen, vocabSize]` through the tied embedding. */
  logits(input: BatchTensors, hooks?: ForwardHooks): tf.Tensor2D {
    return matMul(
      this.hidden(input, hooks),
      getWeight(this.weights, 'transformer.wte.weight') as tf.Tensor2D,
      false,
      true,
    ) as tf.Tensor2D;
  }

  /** Per-token cross-entropy `[batch·seqLen]` (not masked). */
  tokenLosses(input: BatchTensors, hooks?: ForwardHooks): tf.Tensor1D {
    const logProbabilities = tf.logSoftmax(this.logits(input, hooks));
    // One-hot × log-probabilities instead of gather: its gradient exists on every backend.
    const picked = tf.sum(
      tf.mul(logProbabilities, oneHotFloat(input.targets, this.config.vocabSize)),
      -1,
    );
    return tf.neg(picked) as tf.Tensor1D;
  }

  /** Mean cross-entropy over the tokens whose loss mask is 1 (e.g. response tokens only). */
  loss(input: BatchTensors, hooks?: ForwardHooks): tf.Scalar {
    const masked = tf.sum(tf.mul(this.tokenLosses(input, hooks), input.lossMask));
    return tf.div(masked, tf.maximum(tf.sum(input.lossMask), 1)) as tf.Scalar;
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
    disposeWeights(this.weights);
    if (this.lora) disposeWeights(this.lora.weights);
    this.lora = undefined;
  }
}
