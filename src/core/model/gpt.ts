import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';
import type { BatchTensors } from './batch';
import { transformerBlock } from './block';
import { assertModelConfig, type ModelConfig } from './config';
import { embeddingLookup, oneHotFloat } from './embedding';
import { layerNorm } from './layerNorm';
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
  private constructor(
    readonly config: ModelConfig,
    readonly weights: WeightMap,
  ) {}

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
      x = transformerBlock(x, w, layer, shape, input.attentionBias, hooks.linearInput);
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

  readValues(): Promise<Map<string, Float32Array>> {
    return readWeights(this.weights);
  }

  dispose(): void {
    disposeWeights(this.weights);
  }
}
