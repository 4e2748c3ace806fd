import * as tf from '@tensorflow/tfjs';
import type { LdifsParams } from './index';
import { sftOptions, type TrainContext, type TrainReport } from '../../types';
import type { BatchTensors, TokenBatch } from '../../../model/batch';
import { LanguageModel } from '../../../model/languageModel';
import { trainSupervised } from '../../../train/loop';
import type { StepGradients, Trainer } from '../../../train/trainer';

const EPSILON = 1e-10;

/** Each row scaled to unit L2 norm (as the official code's `normalize_tensor`, eps 1e-10). */
function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.add(tf.sqrt(tf.sum(tf.square(x), 1, true)), EPSILON));
}

/**
 * LDIFS's feature distance (Mukhoti et al., TMLR 2024, as the official `LDIFSFinetune`): for every
 * block l, each real
 * token's output vector is normalised to unit length in the current and the reference model, the
 * squared difference is averaged over the feature dimension, then over the real tokens
 * (`tokenMask` = 1; padding is excluded), and the blocks are averaged.
 */
export function featureDistance(
  features: readonly tf.Tensor2D[],
  reference: readonly tf.Tensor2D[],
  tokenMask: tf.Tensor1D,
): tf.Scalar {
  if (features.length === 0 || features.length !== reference.length) {
    throw new Error(
      `LDIFS: ${features.length} feature maps against ${reference.length} reference maps`,
    );
  }
  return tf.tidy(() => {
    const tokens = tf.maximum(tf.sum(tokenMask), 1);
    const perBlock = features.map((feature, l) => {
      const squared = tf.square(tf.sub(unitRows(feature), unitRows(reference[l])));
      return tf.div(tf.sum(tf.mul(tf.mean(squared, 1), tokenMask)), tokens) as tf.Scalar;
    });
    return tf.div(tf.addN(perBlock), perBlock.length) as tf.Scalar;
  });
}

/** Every block's output `[batch·seqLen, dModel]` for `tensors` (through the `blockOutput` hook). */
export function blockFeatures(model: LanguageModel, tensors: BatchTensors): tf.Tensor2D[] {
  return tf.tidy(() => {
    const features: tf.Tensor2D[] = [];
    model.hidden(tensors, {
      blockOutput: (_layer, output) => {
        features.push(output);
        return output;
      },
    });
    return features;
  });
}

/** 1 for real tokens, 0 for padding (padding has a negative segment). */
export function realTokenMask(batch: TokenBatch): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(batch.segments, (s) => (s >= 0 ? 1 : 0)));
}

/**
 * One LDIFS step's gradients: cross-entropy + ρ·featureDistance. The reference features come from
 * the frozen reference model outside the gradient tape, so no gradient reaches it.
 */
export function ldifsGradients(
  trainer: Trainer,
  reference: LanguageModel,
  tensors: BatchTensors,
  tokenMask: tf.Tensor1D,
  rho: number,
): StepGradients {
  const model = trainer.model;
  const referenceFeatures = blockFeatures(reference, tensors);
  try {
    return trainer.gradients(() => {
      const features: tf.Tensor2D[] = [];
      const loss = model.loss(tensors, {
        blockOutput: (_layer, output) => {
          features.push(output);
          return output;
        },
      });
      return tf.add(
        loss,
        tf.mul(featureDistance(features, referenceFeatures, tokenMask), rho),
      ) as tf.Scalar;
    });
  } finally {
    tf.dispose(referenceFeatures);
  }
}

/**
 * LDIFS fine-tuning: plain SFT whose loss adds ρ times the distance between the current model's
 * block outputs and those of the parent (aligned) model on the same batch, keeping the aligned
 * features — refusal features included — while the task is learned. The reported step loss is
 * the whole objective.
 */
export async function train(ctx: TrainContext<LdifsParams>): Promise<TrainReport> {
  const { rho } = ctx.params;
  const reference = LanguageModel.fromValues(ctx.model.config, ctx.parentValues);
  try {
    return await trainSupervised(ctx.model, ctx.examples, {
      ...sftOptions(ctx),
      // Per micro-batch (as the official trainer's `training_step` under gradient accumulation):
      // `batch` is the part's rows, its feature distance the mean over that part's real tokens.
      gradients: (trainer, tensors, batch) => {
        const tokenMask = realTokenMask(batch);
        try {
          return ldifsGradients(trainer, reference, tensors, tokenMask, rho);
        } finally {
          tokenMask.dispose();
        }
      },
    });
  } finally {
    reference.dispose();
  }
}
