import * as tf from '@tensorflow/tfjs';
import type { BoosterParams } from './index';
import { sftOptions, type TrainContext, type TrainReport } from '../../types';
import { disposeBatchTensors, toBatchTensors, type BatchTensors } from '../../../model/batch';
import type { LanguageModel } from '../../../model/languageModel';
import { trainSupervised } from '../../../train/loop';
import type { StepGradients, Trainer } from '../../../train/trainer';
import { harmfulBatchesFor, type HarmfulBatchesState } from '../../../train/harmfulBatches';

export interface BoosterSettings {
  /** λ: weight of the harmful-perturbation attenuation term. */
  lambda: number;
  /** α: length of the simulated harmful step θ' = θ − α·∇h/‖∇h‖. */
  alpha: number;
}

/**
 * Runs `compute` at the weights θ − α·d/‖d‖ (‖d‖ over all of `direction`, plus the official
 * code's 1e-7), then restores θ bit for bit: the original tensors are kept aside and assigned
 * back, not recomputed by adding the step again (which would round).
 */
export function atShiftedWeights<T>(
  model: LanguageModel,
  direction: Record<string, tf.Tensor>,
  alpha: number,
  compute: () => T,
): T {
  const shifted = [...model.trainable].filter(([name]) => direction[name] !== undefined);
  const originals = shifted.map(([, variable]) => tf.clone(variable));
  try {
    tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(shifted.map(([name]) => tf.sum(tf.square(direction[name])))));
      const step = tf.div(alpha, tf.add(norm, 1e-7));
      for (const [name, variable] of shifted) {
        variable.assign(tf.sub(variable, tf.mul(direction[name], step)));
      }
    });
    return compute();
  } finally {
    shifted.forEach(([, variable], i) => variable.assign(originals[i]));
    tf.dispose(originals);
  }
}

/**
 * One Booster step's gradients (Huang et al. 2025), to first order as the official trainer takes
 * them: ∇f(θ) + λ·(∇h(θ) − ∇h(θ')), θ' = θ − α·∇h(θ)/‖∇h(θ)‖, where f is the alignment loss and h
 * the harmful loss. The returned loss is f(θ), as the official trainer returns.
 */
export function boosterGradients(
  trainer: Trainer,
  aligned: BatchTensors,
  harmful: BatchTensors,
  settings: BoosterSettings,
): StepGradients {
  const model = trainer.model;
  const atTheta = trainer.gradients(() => model.loss(harmful));
  atTheta.loss.dispose();
  let atShifted: StepGradients | undefined;
  try {
    atShifted = atShiftedWeights(model, atTheta.grads, settings.alpha, () =>
      trainer.gradients(() => model.loss(harmful)),
    );
    atShifted.loss.dispose();
    const alignment = trainer.gradients(() => model.loss(aligned));
    const { grads: harmfulNow } = atTheta;
    const { grads: harmfulShifted } = atShifted;
    const grads = tf.tidy(() => {
      const combined: Record<string, tf.Tensor> = {};
      for (const [name, g] of Object.entries(alignment.grads)) {
        combined[name] = tf.add(
          g,
          tf.mul(tf.sub(harmfulNow[name], harmfulShifted[name]), settings.lambda),
        );
      }
      return combined;
    });
    tf.dispose(Object.values(alignment.grads));
    return { loss: alignment.loss, grads };
  } finally {
    tf.dispose(Object.values(atTheta.grads));
    if (atShifted) tf.dispose(Object.values(atShifted.grads));
  }
}

export function train(ctx: TrainContext<BoosterParams>): Promise<TrainReport> {
  const settings: BoosterSettings = {
    lambda: ctx.params.lambda,
    alpha: ctx.params.alpha,
  };
  const harmful = harmfulBatchesFor(ctx, ctx.params.harmfulSamples);
  return trainSupervised(ctx.model, ctx.examples, {
    ...sftOptions(ctx),
    state: {
      save: () => ({ harmful: harmful.save() }),
      restore: (saved) => harmful.restore(saved.harmful as HarmfulBatchesState),
    },
    // Per micro-batch (as the official trainer's `training_step` under gradient accumulation):
    // as many harmful rows as the part has, so the parts of a step take the rows one whole-batch
    // call would, and the simulated harmful step is normalised by that part's harmful gradient.
    gradients: (trainer, tensors) => {
      const harmfulTensors = toBatchTensors(harmful.next(tensors));
      try {
        return boosterGradients(trainer, tensors, harmfulTensors, settings);
      } finally {
        disposeBatchTensors(harmfulTensors);
      }
    },
  });
}
