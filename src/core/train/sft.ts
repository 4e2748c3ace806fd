import type { ModelConfig } from '../model/config';
import type { GPT } from '../model/gpt';
import { checkpoint, type CancelToken } from '../runtime/cancel';
import { countBatches, epochBatches, type TokenizedExample } from './batching';
import type { ScheduleKind } from './schedule';
import type { BatchTensors, TokenBatch } from '../model/batch';
import { Trainer, type StepGradients, type StepResult } from './trainer';

export interface SftOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  schedule: ScheduleKind;
  warmupFraction: number;
  weightDecay: number;
  maxGradNorm: number;
  seed: number;
  /** Row length for packing; at most the model's context length. */
  seqLen?: number;
  padId: number;
  cancel?: CancelToken;
  /**
   * A method's own step: the gradients to apply for `tensors` (the default is plain SFT,
   * `trainer.gradients(() => model.loss(tensors))`). `batch` is the same batch before upload.
   */
  gradients?: (
    trainer: Trainer,
    tensors: BatchTensors,
    batch: TokenBatch,
  ) => StepGradients | Promise<StepGradients>;
  onStep?: (result: StepResult, totalSteps: number) => void | Promise<void>;
}

export interface SftReport {
  steps: number;
  tokens: number;
  losses: number[];
}

/**
 * Longest training row: the model's context, at most 256 tokens. The built-in model's context is
 * 64; a Hub model's is 2k–32k, far beyond what the lab's examples need (a few dozen to ~200 BPE
 * tokens with a chat template) and what a browser's memory affords for attention at batch 16.
 */
export const MAX_TRAINING_SEQ_LEN = 256;

export function trainingSeqLen(config: Pick<ModelConfig, 'contextLength'>): number {
  return Math.min(config.contextLength, MAX_TRAINING_SEQ_LEN);
}

/**
 * Supervised training on tokenized examples: seeded shuffling per epoch, packed fixed-shape
 * batches, AdamW with warmup + cosine/constant schedule. Same seed and data → same weights on
 * the same backend.
 */
export async function trainSupervised(
  model: GPT,
  examples: readonly TokenizedExample[],
  options: SftOptions,
): Promise<SftReport> {
  const seqLen = Math.min(
    options.seqLen ?? trainingSeqLen(model.config),
    model.config.contextLength,
  );
  const batching = {
    seed: options.seed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seqLen,
    padId: options.padId,
  };
  const totalSteps = countBatches(examples, batching);
  const trainer = new Trainer(model, {
    schedule: {
      kind: options.schedule,
      peakLr: options.lr,
      totalSteps,
      warmupSteps: Math.round(options.warmupFraction * totalSteps),
    },
    weightDecay: options.weightDecay,
    maxGradNorm: options.maxGradNorm,
  });
  const losses: number[] = [];
  let tokens = 0;
  try {
    for (const batch of epochBatches(examples, batching)) {
      await checkpoint(options.cancel);
      const compute = options.gradients;
      const result = compute
        ? await trainer.stepWithGradients(batch, (tensors) => compute(trainer, tensors, batch))
        : await trainer.step(batch);
      losses.push(result.loss);
      for (let i = 0; i < batch.segments.length; i++) if (batch.segments[i] >= 0) tokens += 1;
      await options.onStep?.(result, totalSteps);
    }
  } finally {
    trainer.dispose();
  }
  return { steps: losses.length, tokens, losses };
}
