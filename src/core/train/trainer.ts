import * as tf from '@tensorflow/tfjs';
import { disposeBatchTensors, toBatchTensors, type TokenBatch } from '../model/batch';
import type { GPT } from '../model/gpt';
import { isDecayed } from '../model/weights';
import { AdamW } from './adamw';
import { learningRateAt, type LearningRateSchedule } from './schedule';

export interface TrainerOptions {
  schedule: LearningRateSchedule;
  weightDecay: number;
  maxGradNorm: number;
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
    this.optimizer = new AdamW(model.weights, {
      weightDecay: options.weightDecay,
      decays: isDecayed,
    });
    for (const [name, variable] of model.weights) this.paramNameOf.set(variable.name, name);
  }

  get steps(): number {
    return this.stepIndex;
  }

  /** One optimizer step on `batch`; resolves to the loss *before* the update. */
  async step(
    batch: TokenBatch,
    lossFn?: (model: GPT, batch: ReturnType<typeof toBatchTensors>) => tf.Scalar,
  ): Promise<StepResult> {
    const lr = learningRateAt(this.options.schedule, this.stepIndex);
    const tensors = toBatchTensors(batch);
    let lossTensor: tf.Scalar;
    try {
      const variables = [...this.model.weights.values()];
      const { value, grads } = tf.variableGrads(
        () => (lossFn ? lossFn(this.model, tensors) : this.model.loss(tensors)),
        variables,
      );
      const named: Record<string, tf.Tensor> = {};
      for (const [variableName, grad] of Object.entries(grads)) {
        named[this.paramNameOf.get(variableName) as string] = grad;
      }
      const norm = this.optimizer.apply(named, lr, this.options.maxGradNorm);
      tf.dispose([norm, ...Object.values(grads)]);
      lossTensor = value;
    } finally {
      disposeBatchTensors(tensors);
    }
    const loss = (await lossTensor.data())[0];
    lossTensor.dispose();
    const result = { step: this.stepIndex, loss, lr };
    this.stepIndex += 1;
    return result;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
