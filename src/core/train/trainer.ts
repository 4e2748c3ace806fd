import * as tf from '@tensorflow/tfjs';
import type { BatchTensors, TokenBatch } from '../model/batch';
import type { GPT } from '../model/gpt';
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
 * Owns the optimizer state of one model and applies training steps. The loss of a step can be
 * overridden (`lossFn`) so that defenses that change the objective reuse the same machinery.
 */
export class Trainer {
  readonly optimizer: AdamW;
  private readonly paramNameOf = new Map<string, string>();
  private stepIndex = 0;

  constructor(
    readonly model: GPT,
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
   * masked mean over the batch's counted tokens (as `GPT.loss`) for micro-batches to sum to it.
   */
  step(
    batch: TokenBatch,
    lossFn?: (model: GPT, batch: BatchTensors) => tf.Scalar,
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
    try {
      const norm = this.optimizer.apply(grads, lr, this.options.maxGradNorm);
      norm.dispose();
    } catch (error) {
      lossTensor.dispose();
      throw error;
    } finally {
      tf.dispose(Object.values(grads));
    }
    const loss = (await lossTensor.data())[0];
    lossTensor.dispose();
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
