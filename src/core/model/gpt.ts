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
  hidden(input: BatchTensors, taps?: LinearInputTap): tf.Tensor2D {
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
      x = transformerBlock(x, w, layer, shape, input.attentionBias, taps);
    }
    return layerNorm(
      x,
      getWeight(w, 'transformer.ln_f.weight'),
      getWeight(w, 'transformer.ln_f.bias'),
    );
  }

  /** Next-token logits `[batch·seqLen, vocabSize]` through the tied embedding. */
  logits(input: BatchTensors, taps?: LinearInputTap): tf.Tensor2D {
    return matMul(
      this.hidden(input, taps),
      getWeight(this.weights, 'transformer.wte.weight') as tf.Tensor2D,
      false,
      true,
    ) as tf.Tensor2D;
  }

  /** Per-token cross-entropy `[batch·seqLen]` (not masked). */
  tokenLosses(input: BatchTensors, taps?: LinearInputTap): tf.Tensor1D {
    const logProbabilities = tf.logSoftmax(this.logits(input, taps));
    // One-hot × log-probabilities instead of gather: its gradient exists on every backend.
    const picked = tf.sum(
      tf.mul(logProbabilities, oneHotFloat(input.targets, this.config.vocabSize)),
      -1,
    );
    return tf.neg(picked) as tf.Tensor1D;
  }

  /** Mean cross-entropy over the tokens whose loss mask is 1 (e.g. response tokens only). */
  loss(input: BatchTensors, taps?: LinearInputTap): tf.Scalar {
    const masked = tf.sum(tf.mul(this.tokenLosses(input, taps), input.lossMask));
    return tf.div(masked, tf.maximum(tf.sum(input.lossMask), 1)) as tf.Scalar;
  }

  readValues(): Promise<Map<string, Float32Array>> {
    return readWeights(this.weights);
  }

  dispose(): void {
    disposeWeights(this.weights);
  }
}
