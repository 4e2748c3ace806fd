import * as tf from '@tensorflow/tfjs';
import type { VaccineParams } from './index';
import { sftOptions, type TrainContext, type TrainReport } from '../../types';
import type { BatchTensors } from '../../../model/batch';
import type { LanguageModel } from '../../../model/languageModel';
import { trainSupervised } from '../../../train/loop';
import type { StepGradients, Trainer } from '../../../train/trainer';

/**
 * ∂loss/∂h_l for every block output h_l `[batch·seqLen, dModel]`: a zero tensor is added to each
 * block's output and differentiated, which is the gradient w.r.t. the output itself.
 */
export function blockOutputGradients(model: LanguageModel, tensors: BatchTensors): tf.Tensor2D[] {
  const shape: [number, number] = [tensors.batch * tensors.seqLen, model.config.dModel];
  return tf.tidy(() => {
    const zeros = Array.from({ length: model.config.nLayers }, () => tf.zeros(shape));
    const loss = (...offsets: tf.Tensor[]) =>
      model.loss(tensors, {
        blockOutput: (layer, output) => tf.add(output, offsets[layer]) as tf.Tensor2D,
      });
    return tf.grads(loss)(zeros) as tf.Tensor2D[];
  });
}

/**
 * Vaccine's worst-case embedding perturbation (Huang et al. 2024; official trainer):
 * ε_l = ρ · g_l / ‖g‖, with ‖g‖ the L2 norm over every layer's gradient together, plus the
 * official code's 1e-7 in the denominator.
 */
export function vaccinePerturbations(
  gradients: readonly tf.Tensor2D[],
  rho: number,
): tf.Tensor2D[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.div(rho, tf.add(norm, 1e-7));
    return gradients.map((g) => tf.mul(g, scale) as tf.Tensor2D);
  });
}

/**
 * One Vaccine step's gradients: a first pass finds the perturbation of the block outputs that
 * raises the alignment loss most, a second pass takes the weight gradient of the loss with that
 * perturbation added (as a constant). The returned loss is the perturbed one, as the official
 * trainer returns the second pass's loss. The perturbed embeddings are the block outputs, the
 * paper's per-layer hidden embeddings; the official code hooks the attention modules' outputs.
 */
export function vaccineGradients(
  trainer: Trainer,
  tensors: BatchTensors,
  rho: number,
): StepGradients {
  const model = trainer.model;
  const hidden = blockOutputGradients(model, tensors);
  const perturbations = vaccinePerturbations(hidden, rho);
  tf.dispose(hidden);
  try {
    return trainer.gradients(() =>
      model.loss(tensors, {
        blockOutput: (layer, output) => tf.add(output, perturbations[layer]) as tf.Tensor2D,
      }),
    );
  } finally {
    tf.dispose(perturbations);
  }
}

export function train(ctx: TrainContext<VaccineParams>): Promise<TrainReport> {
  const rho = ctx.params.rho;
  return trainSupervised(ctx.model, ctx.examples, {
    ...sftOptions(ctx),
    // With micro-batches the perturbation is each micro-batch's own (ρ over that part's gradient
    // norm), as the official trainer computes it in every `training_step` under gradient
    // accumulation; one micro-batch of the whole batch is the paper's step.
    gradients: (trainer, tensors) => vaccineGradients(trainer, tensors, rho),
  });
}
