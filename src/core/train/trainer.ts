import * as tf from '@tensorflow/tfjs';
import type { BatchTensors, TokenBatch } from '../model/batch';
import type { LanguageModel } from '../model/languageModel';
import { isDecayed } from '../model/weights';
import { accumulatedGradients, type MicroBatchGradients } from './accumulate';
import { AdamW, type AdamWState } from './adamw';
import { learningRateAt, type LearningRateSchedule } from './schedule';

export interface TrainerOptions {
  schedule: LearningRateSchedule;
  weightDecay: number;
  maxGradNorm: number;
  /**
   * Rows per forward/backward pass: a step sums the gradients of its micro-batches
   * (`accumulatedGradients`) and takes one optimizer step. Default: the whole batch in one pass.
   */
  microBatch?: number;
}

/** A step's loss and gradients, keyed by parameter name (e.g. `transformer.h.0.mlp.c_fc.weight`). */
export interface StepGradients {
  loss: tf.Scalar;
  grads: Record<string, tf.Tensor>;
}

/** A Trainer's state between steps (a training checkpoint's core). */
export interface TrainerState {
  /** Optimizer steps taken. */
  step: number;
  /** The trained parameters (`model.trainable`), by name. */
  params: Map<string, Float32Array>;
  optimizer: AdamWState;
}

export interface StepResult {
  step: number;
  loss: number;
  lr: number;
}

/**
 * A training step's loss or global gradient norm was NaN or ±Infinity. The message is one line
 * naming the step and the peak learning rate; `inStage` adds the stage and the field to lower
 * (`finetune: the loss became NaN at step 12 of 63 (lr 1e-2): lower finetune.lr`).
 */
export class NonFiniteTrainingError extends Error {
  readonly quantity: 'loss' | 'gradient norm';
  readonly value: number;
  /** 1-based, as progress reports it. */
  readonly step: number;
  readonly totalSteps: number;
  /** The schedule's peak learning rate: the setting to lower. */
  readonly lr: number;
  readonly stage?: string;

  constructor(at: {
    quantity: 'loss' | 'gradient norm';
    value: number;
    step: number;
    totalSteps: number;
    lr: number;
    stage?: string;
  }) {
    const where = `the ${at.quantity} became ${at.value} at step ${at.step} of ${at.totalSteps} (lr ${formatLr(at.lr)})`;
    super(at.stage === undefined ? where : `${at.stage}: ${where}: lower ${at.stage}.lr`);
    this.name = 'NonFiniteTrainingError';
    this.quantity = at.quantity;
    this.value = at.value;
    this.step = at.step;
    this.totalSteps = at.totalSteps;
    this.lr = at.lr;
    this.stage = at.stage;
  }

  /** The same error, said of `stage` (a config section with an `lr`: alignment, finetune). */
  inStage(stage: string): NonFiniteTrainingError {
    const { quantity, value, step, totalSteps, lr } = this;
    return new NonFiniteTrainingError({ quantity, value, step, totalSteps, lr, stage });
  }
}

/** `1e-2`, `3e-4`, `1.5e-3`: as a config is usually written. */
function formatLr(lr: number): string {
  return Number(lr.toPrecision(3)).toExponential();
}

/**
 * Owns the optimizer state of one model and applies training steps. The loss of a step can be
 * overridden (`lossFn`) so that defenses that change the objective reuse the same machinery.
 */
export class Trainer {
  readonly optimizer: AdamW;
  private readonly paramNameOf = new Map<string, string>();
  private stepIndex = 0;

  constructor(
    readonly model: LanguageModel,
    readonly options: TrainerOptions,
  ) {
    // Only what the model trains (its adapter when it has one) is differentiated and held in AdamW.
    this.optimizer = new AdamW(model.trainable, {
      weightDecay: options.weightDecay,
      decays: isDecayed,
    });
    for (const [name, variable] of model.trainable) this.paramNameOf.set(variable.name, name);
  }

  get steps(): number {
    return this.stepIndex;
  }

  /** The loss and its gradient for every trained parameter, keyed by name. The caller disposes both. */
  gradients(lossFn: () => tf.Scalar): StepGradients {
    const variables = [...this.model.trainable.values()];
    const { value, grads } = tf.variableGrads(lossFn, variables);
    const named: Record<string, tf.Tensor> = {};
    for (const [variableName, grad] of Object.entries(grads)) {
      named[this.paramNameOf.get(variableName) as string] = grad;
    }
    return { loss: value, grads: named };
  }

  /**
   * One optimizer step on `batch`; resolves to the loss *before* the update. `lossFn` must be a
   * masked mean over the batch's counted tokens (as `LanguageModel.loss`) for micro-batches to sum to it.
   */
  step(
    batch: TokenBatch,
    lossFn?: (model: LanguageModel, batch: BatchTensors) => tf.Scalar,
  ): Promise<StepResult> {
    return this.stepWithGradients(batch, (tensors) =>
      this.gradients(() => (lossFn ? lossFn(this.model, tensors) : this.model.loss(tensors))),
    );
  }

  /**
   * One optimizer step with gradients the caller computes — e.g. a perturbed second pass
   * (Vaccine) or a sum of several losses' gradients taken at different weights (Booster).
   * `compute` is called once per micro-batch (`options.microBatch`) with that part's rows; the
   * parts' results are weighted by their share of the counted tokens and summed. The returned
   * tensors are disposed here; the reported loss is the weighted sum of the losses `compute`
   * returns (with one pass: the one it returns).
   */
  async stepWithGradients(batch: TokenBatch, compute: MicroBatchGradients): Promise<StepResult> {
    const lr = learningRateAt(this.options.schedule, this.stepIndex);
    const { loss: lossTensor, grads } = await accumulatedGradients(
      batch,
      this.options.microBatch ?? batch.batch,
      compute,
    );
    let norm: tf.Scalar;
    try {
      norm = this.optimizer.apply(grads, lr, this.options.maxGradNorm);
    } catch (error) {
      lossTensor.dispose();
      throw error;
    } finally {
      tf.dispose(Object.values(grads));
    }
    // Both read back together, after the update is queued: one wait per step, as before.
    const [lossData, normData] = await Promise.all([lossTensor.data(), norm.data()]);
    tf.dispose([lossTensor, norm]);
    const loss = lossData[0];
    // A NaN or infinite loss or gradient has already made the weights NaN (or will at the next
    // step): every later step would train nothing, so the stage stops here, saying where.
    for (const [quantity, value] of [
      ['loss', loss],
      ['gradient norm', normData[0]],
    ] as const) {
      if (!Number.isFinite(value)) {
        throw new NonFiniteTrainingError({
          quantity,
          value,
          step: this.stepIndex + 1,
          totalSteps: this.options.schedule.totalSteps,
          lr: this.options.schedule.peakLr,
        });
      }
    }
    const result = { step: this.stepIndex, loss, lr };
    this.stepIndex += 1;
    return result;
  }

  /** Where training stands: the trained parameters, the optimizer's state and the step count. */
  async saveState(): Promise<TrainerState> {
    const params = new Map<string, Float32Array>();
    for (const [name, variable] of this.model.trainable) {
      params.set(name, (await variable.data()) as Float32Array);
    }
    return { step: this.stepIndex, params, optimizer: await this.optimizer.saveState() };
  }

  /**
   * Continue from `saved`: the parameters, the optimizer's moments and the step count (the learning
   * rate follows from it). Throws, changing nothing, when `saved` does not fit this model.
   */
  restoreState(saved: TrainerState): void {
    const trainable = this.model.trainable;
    if (saved.params.size !== trainable.size) {
      throw new Error(
        `the saved state holds ${saved.params.size} trained tensors, but the model trains ${trainable.size}`,
      );
    }
    for (const [name, variable] of trainable) {
      const data = saved.params.get(name);
      if (!data || data.length !== variable.size) {
        throw new Error(`the saved state has no tensor of the right size for "${name}"`);
      }
    }
    this.optimizer.restoreState(saved.optimizer);
    for (const [name, variable] of trainable) {
      const data = saved.params.get(name) as Float32Array;
      tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
    }
    this.stepIndex = saved.step;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
