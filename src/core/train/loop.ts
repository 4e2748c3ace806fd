import type { ModelConfig } from '../model/config';
import type { LanguageModel } from '../model/languageModel';
import { checkpoint, type CancelToken } from '../runtime/cancel';
import { countBatches, epochBatches, type TokenizedExample } from './batching';
import type { ScheduleKind } from './schedule';
import type { BatchTensors, TokenBatch } from '../model/batch';
import type { MicroBatch } from './accumulate';
import { Trainer, type StepGradients, type StepResult, type TrainerState } from './trainer';
import { errorText } from '../errors';

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
  /**
   * Rows per forward/backward pass (gradient accumulation, `accumulatedGradients`). Absent, or
   * `batchSize` and above: the whole batch in one pass.
   */
  microBatch?: number;
  cancel?: CancelToken;
  /**
   * A method's own step: the gradients to apply for `tensors` (the default is plain SFT,
   * `trainer.gradients(() => model.loss(tensors))`). `batch` is the same rows before upload.
   *
   * With micro-batches it is called once per micro-batch, with that part's rows only (`part`
   * says which), and its loss and gradients are weighted by the part's share of the counted
   * tokens — what the methods' reference code does under Hugging Face Trainer's
   * `gradient_accumulation_steps`, where `training_step` runs once per micro-batch. So anything
   * it computes from a batch as a whole (a gradient norm, an MMD, a mean) is per part, and any
   * state it advances per call (a stream of extra batches) advances per part: draw rows, not
   * batches, so the parts together take what one whole-batch call would. State that must
   * advance once per optimizer step belongs in `stepBatch`.
   */
  gradients?: (
    trainer: Trainer,
    tensors: BatchTensors,
    batch: TokenBatch,
    part: MicroBatch,
  ) => StepGradients | Promise<StepGradients>;
  /**
   * Called once per optimizer step, before the step's batch is split into micro-batches: the
   * batch the step trains on instead of the data's next one (Lisa's alignment steps), or the
   * same. `step` is the optimizer step about to be taken.
   */
  stepBatch?: (batch: TokenBatch, step: number) => TokenBatch;
  onStep?: (result: StepResult, totalSteps: number) => void | Promise<void>;
  /** Continue an interrupted run from a checkpoint, and write checkpoints as training goes. */
  resume?: TrainingResume;
  /**
   * A method's own state that changes from step to step (a data stream's position, an anchor of
   * weights): saved in every checkpoint and restored on resume, so a resumed run is the same run.
   */
  state?: MethodState;
}

/** A method's state between steps, as plain data (structured-cloneable: numbers, typed arrays). */
export type SavedMethodState = Record<string, unknown>;

export interface MethodState {
  save(): SavedMethodState | Promise<SavedMethodState>;
  /** Called once, before the first step of a resumed run, with what `save` returned. */
  restore(saved: SavedMethodState): void;
}

/** Where a training run stands after `step` optimizer steps: all it needs to go on identically. */
export interface TrainingCheckpoint {
  /** Optimizer steps done (the next batch is the `step`-th of the deterministic order). */
  step: number;
  totalSteps: number;
  tokens: number;
  losses: number[];
  trainer: TrainerState;
  /** The method's own state (`SftOptions.state`), null when it has none. */
  method: SavedMethodState | null;
}

export interface TrainingResume {
  /** The checkpoint to continue from; null starts at step 0. */
  from: TrainingCheckpoint | null;
  /** Whether to write a checkpoint now, `step` steps done (never called after the last step). */
  due(step: number, totalSteps: number): boolean;
  save(checkpoint: TrainingCheckpoint): Promise<void>;
  /** Called once `from` is restored, before the first step that follows it. */
  restored?(step: number, totalSteps: number): void;
}

/** A checkpoint that does not fit the run asked to go on from it (another shape, another method). */
export class ResumeMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeMismatchError';
  }
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
  model: LanguageModel,
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
    ...(options.microBatch !== undefined
      ? { microBatch: Math.min(options.microBatch, options.batchSize) }
      : {}),
  });
  let losses: number[] = [];
  let tokens = 0;
  const from = options.resume?.from ?? null;
  try {
    if (from) {
      try {
        if (from.totalSteps !== totalSteps || from.step < 1 || from.step >= totalSteps) {
          throw new Error(
            `it is at step ${from.step} of ${from.totalSteps}, this run has ${totalSteps} steps`,
          );
        }
        if ((from.method === null) !== (options.state === undefined)) {
          throw new Error("its method state does not fit this method's");
        }
        if (
          !Array.isArray(from.losses) ||
          from.losses.length !== from.step ||
          !Number.isInteger(from.tokens)
        ) {
          throw new Error('its losses or token count are damaged');
        }
        trainer.restoreState(from.trainer);
        if (from.method !== null) options.state?.restore(from.method);
      } catch (error) {
        throw new ResumeMismatchError(errorText(error));
      }
      losses = [...from.losses];
      tokens = from.tokens;
      options.resume?.restored?.(from.step, totalSteps);
    }
    let index = 0;
    for (const next of epochBatches(examples, batching)) {
      // The batches are a deterministic order: a resumed run skips those it already trained on.
      if (index++ < (from?.step ?? 0)) continue;
      await checkpoint(options.cancel);
      const batch = options.stepBatch ? options.stepBatch(next, trainer.steps) : next;
      const compute = options.gradients;
      const result = compute
        ? await trainer.stepWithGradients(batch, (tensors, rows, part) =>
            compute(trainer, tensors, rows, part),
          )
        : await trainer.step(batch);
      losses.push(result.loss);
      for (let i = 0; i < batch.segments.length; i++) if (batch.segments[i] >= 0) tokens += 1;
      await options.onStep?.(result, totalSteps);
      const done = result.step + 1;
      if (options.resume && done < totalSteps && options.resume.due(done, totalSteps)) {
        await options.resume.save({
          step: done,
          totalSteps,
          tokens,
          losses: [...losses],
          trainer: await trainer.saveState(),
          method: options.state ? await options.state.save() : null,
        });
      }
    }
  } finally {
    trainer.dispose();
  }
  return { steps: losses.length, tokens, losses };
}
