import * as tf from '@tensorflow/tfjs';
import type { RepnoiseParams } from './index';
import { sftOptions, type TrainContext, type TrainReport } from '../../types';
import { disposeBatchTensors, toBatchTensors, type BatchTensors } from '../../../model/batch';
import type { LanguageModel } from '../../../model/languageModel';
import { matMul } from '../../../model/matmul';
import { createRng, restoreRng, type Rng, type RngState } from '../../../random';
import { trainSupervised } from '../../../train/loop';
import { harmfulBatchesFor, type HarmfulBatchesState } from '../../../train/harmfulBatches';

export interface RepNoiseSettings {
  /** α: weight of the (log-bounded) gradient ascent on the harmful answers. */
  alpha: number;
  /** β: weight of the MMD between harmful representations and Gaussian noise. */
  beta: number;
}

/** The official MMD's kernel family: bandwidths b·2^k for k = −2..2 around the data's b. */
const KERNEL_MUL = 2;
const KERNEL_NUM = 5;

/** `x` in the forward pass, a constant in the backward pass (PyTorch's `.data`). */
const stopGradient = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * Squared maximum mean discrepancy between samples `x` and `y` (rows, same count), as the
 * official RepNoise code computes it: a sum of five Gaussian kernels exp(−‖a−b‖²/b_k) with
 * b_k = b·2^(k−2), where b is the mean off-diagonal squared distance of the pooled samples (held
 * constant in the gradient), and MMD² = mean(K_xx + K_yy − K_xy − K_yx) (the biased estimate,
 * diagonals included).
 */
export function gaussianMmd(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  const rows = x.shape[0];
  if (y.shape[0] !== rows) throw new Error(`MMD needs as many noise rows as samples (${rows})`);
  return tf.tidy(() => {
    const total = tf.concat([x, y], 0);
    const n = 2 * rows;
    const squares = tf.sum(tf.square(total), 1, true);
    const gram = matMul(total, total, false, true);
    // ‖a‖² + ‖b‖² − 2a·b, floored at 0 against rounding.
    const distances = tf.relu(tf.sub(tf.add(squares, tf.transpose(squares)), tf.mul(gram, 2)));
    const bandwidth = tf.div(tf.sum(distances), n * n - n);
    const base = tf.div(
      tf.maximum(stopGradient(bandwidth) as tf.Tensor, 1e-12),
      KERNEL_MUL ** Math.floor(KERNEL_NUM / 2),
    );
    const kernels = tf.addN(
      Array.from({ length: KERNEL_NUM }, (_, k) =>
        tf.exp(tf.neg(tf.div(distances, tf.mul(base, KERNEL_MUL ** k)))),
      ),
    );
    const signs = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) signs[i * n + j] = i < rows === j < rows ? 1 : -1;
    }
    return tf.div(tf.sum(tf.mul(kernels, tf.tensor2d(signs, [n, n]))), rows * rows) as tf.Scalar;
  });
}

/**
 * Cross-entropy of the answer tokens read out from an intermediate block output through the final
 * norm and the output head (the "logit lens"), masked like `LanguageModel.loss`. For the last
 * block's output this is the model's own loss.
 */
export function logitLensLoss(
  model: LanguageModel,
  hidden: tf.Tensor2D,
  tensors: BatchTensors,
): tf.Scalar {
  return tf.tidy(() => {
    const losses = model.crossEntropy(model.finalNorm(hidden), tensors.targets);
    const masked = tf.sum(tf.mul(losses, tensors.lossMask));
    return tf.div(masked, tf.maximum(tf.sum(tensors.lossMask), 1)) as tf.Scalar;
  });
}

export interface RepNoiseTerms {
  /** Alignment loss (harmful prompt → refusal and benign instructions). */
  safe: tf.Scalar;
  /** Harmful-answer cross-entropy, averaged over every block output's logit-lens read-out. */
  harmful: tf.Scalar;
  /** MMD² between the harmful answers' block outputs and Gaussian noise, averaged over blocks. */
  noise: tf.Scalar;
}

/**
 * The three terms of the RepNoise loss. Each block output of the harmful batch is masked to the
 * answer tokens (where the loss mask is 1; elsewhere zero, and so is the noise) and each packed row
 * flattened into one sample `[seqLen·dModel]`, as the official code flattens each sequence.
 * `noise[l]` is standard normal `[batch·seqLen, dModel]` for block l.
 */
export function repNoiseTerms(
  model: LanguageModel,
  aligned: BatchTensors,
  harmful: BatchTensors,
  noise: readonly tf.Tensor2D[],
): RepNoiseTerms {
  const safe = model.loss(aligned);
  const states: tf.Tensor2D[] = [];
  const [harmfulLoss, noiseLoss] = tf.tidy(() => {
    model.hidden(harmful, {
      blockOutput: (_, output) => {
        states.push(output);
        return output;
      },
    });
    const mask = tf.reshape(harmful.lossMask, [-1, 1]);
    const asRows = (t: tf.Tensor) =>
      tf.reshape(tf.mul(t, mask), [harmful.batch, -1]) as tf.Tensor2D;
    const lens = states.map((h) => logitLensLoss(model, h, harmful));
    const mmds = states.map((h, l) => gaussianMmd(asRows(h), asRows(noise[l])));
    return [tf.div(tf.addN(lens), lens.length), tf.div(tf.addN(mmds), mmds.length)] as tf.Scalar[];
  });
  return { safe, harmful: harmfulLoss, noise: noiseLoss };
}

/**
 * RepNoise's objective (Rosati et al. 2024) in the official code's form:
 * L_safe − α·log(1 + L_harmful) + β·MMD². The log bounds the gradient ascent: its gradient is
 * −α·∇L_harmful/(1 + L_harmful), which shrinks as the harmful loss grows instead of driving it to
 * infinity.
 */
export function repNoiseObjective(terms: RepNoiseTerms, settings: RepNoiseSettings): tf.Scalar {
  return tf.tidy(
    () =>
      tf.add(
        tf.sub(terms.safe, tf.mul(tf.log(tf.add(terms.harmful, 1)), settings.alpha)),
        tf.mul(terms.noise, settings.beta),
      ) as tf.Scalar,
  );
}

/** Standard-normal `[rows, dModel]` samples per block, drawn in JavaScript (any backend alike). */
export function gaussianNoise(rng: Rng, model: LanguageModel, rows: number): tf.Tensor2D[] {
  const { nLayers, dModel } = model.config;
  return Array.from({ length: nLayers }, () => {
    const values = new Float32Array(rows * dModel);
    for (let i = 0; i < values.length; i++) values[i] = rng.normal();
    return tf.tensor2d(values, [rows, dModel]);
  });
}

export function train(ctx: TrainContext<RepnoiseParams>): Promise<TrainReport> {
  const settings: RepNoiseSettings = {
    alpha: ctx.params.alpha,
    beta: ctx.params.beta,
  };
  const harmful = harmfulBatchesFor(ctx, ctx.params.harmfulSamples);
  let noiseRng = createRng(ctx.seed).fork('repnoise-noise');
  const model = ctx.model;
  return trainSupervised(model, ctx.examples, {
    ...sftOptions(ctx),
    state: {
      save: () => ({ harmful: harmful.save(), noise: noiseRng.save() }),
      restore: (saved) => {
        harmful.restore(saved.harmful as HarmfulBatchesState);
        noiseRng = restoreRng(saved.noise as RngState);
      },
    },
    // Per micro-batch (as the official trainer's `training_step` under gradient accumulation):
    // as many harmful rows and noise samples as the part has, so the stream of harmful rows is
    // the whole batch's; the MMD and the harmful loss are each part's own.
    gradients: (trainer, tensors) => {
      const harmfulTensors = toBatchTensors(harmful.next(tensors));
      const noise = gaussianNoise(noiseRng, model, tensors.batch * tensors.seqLen);
      try {
        // The reported loss is the whole objective (it can go below the alignment loss).
        return trainer.gradients(() =>
          repNoiseObjective(repNoiseTerms(model, tensors, harmfulTensors, noise), settings),
        );
      } finally {
        disposeBatchTensors(harmfulTensors);
        tf.dispose(noise);
      }
    },
  });
}
