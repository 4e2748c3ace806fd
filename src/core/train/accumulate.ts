import * as tf from '@tensorflow/tfjs';
import {
  disposeBatchTensors,
  toBatchTensors,
  type BatchTensors,
  type TokenBatch,
} from '../model/batch';
import type { StepGradients } from './trainer';

/**
 * One forward/backward pass of a step: rows `[start, start + rows)` of the step's batch. Its loss
 * and gradients count `weight` times in the step's: its share of the batch's counted (loss-mask)
 * tokens, so that the weighted sum of the parts' masked means is the batch's masked mean.
 */
export interface MicroBatch {
  /** 0-based, in row order. */
  index: number;
  /** Passes in the step. */
  count: number;
  start: number;
  rows: number;
  weight: number;
}

/** A pass's loss and gradients for its rows, uploaded as `tensors` (`rows`: the same, on the host). */
export type MicroBatchGradients = (
  tensors: BatchTensors,
  rows: TokenBatch,
  part: MicroBatch,
) => StepGradients | Promise<StepGradients>;

/**
 * The passes of a step of `batch` at `microBatch` rows each (the last may be smaller). With no
 * counted token in the whole batch every loss is 0, and the parts are weighted by rows instead,
 * so the weights always sum to 1 (a term added to every part, as Lisa's proximal pull, counts
 * once).
 */
export function microBatches(batch: TokenBatch, microBatch: number): MicroBatch[] {
  if (!Number.isInteger(microBatch) || microBatch <= 0) {
    throw new Error(`microBatch must be a positive integer (got ${microBatch})`);
  }
  const { batch: B, seqLen: T } = batch;
  const rows = Math.min(microBatch, B);
  const counted = (start: number, n: number) =>
    batch.lossMask.subarray(start * T, (start + n) * T).reduce((sum, m) => sum + m, 0);
  const total = counted(0, B);
  const count = Math.ceil(B / rows);
  return Array.from({ length: count }, (_, index) => {
    const start = index * rows;
    const n = Math.min(rows, B - start);
    return {
      index,
      count,
      start,
      rows: n,
      weight: total > 0 ? counted(start, n) / total : n / B,
    };
  });
}

/** Rows `[start, start + rows)` of a batch: views of its arrays, no copy. */
export function batchRows(batch: TokenBatch, start: number, rows: number): TokenBatch {
  const T = batch.seqLen;
  const view = <A extends Int32Array | Float32Array>(array: A) =>
    array.subarray(start * T, (start + rows) * T) as A;
  return {
    batch: rows,
    seqLen: T,
    tokens: view(batch.tokens),
    targets: view(batch.targets),
    lossMask: view(batch.lossMask),
    positions: view(batch.positions),
    segments: view(batch.segments),
  };
}

/**
 * The loss and gradients of one step of `batch`, computed `microBatch` rows at a time (gradient
 * accumulation): part m's loss and gradients are scaled by its `weight` n_m / n and summed, so
 * for a masked-mean loss (`LanguageModel.loss`) the sum is the whole batch's loss and gradient up to float
 * rounding. A backward pass keeps every saved activation until it ends, so activation memory
 * scales with the rows of one pass, not with the batch. Only one part is uploaded at a time, and
 * each part's gradients are added into the running sums and disposed at once: what stays alive
 * between passes is one set of sums. `microBatch ≥ batch` is one pass over the whole batch with
 * nothing scaled or added: exactly the step without accumulation.
 */
export async function accumulatedGradients(
  batch: TokenBatch,
  microBatch: number,
  compute: MicroBatchGradients,
): Promise<StepGradients> {
  const parts = microBatches(batch, microBatch);
  if (parts.length === 1) return withTensors(batch, (tensors) => compute(tensors, batch, parts[0]));
  let loss: tf.Scalar | undefined;
  const sums: Record<string, tf.Tensor> = {};
  try {
    for (const part of parts) {
      const rows = batchRows(batch, part.start, part.rows);
      const partial = await withTensors(rows, (tensors) => compute(tensors, rows, part));
      loss = addScaled(loss, partial.loss, part.weight);
      for (const [name, grad] of Object.entries(partial.grads)) {
        sums[name] = addScaled(sums[name], grad, part.weight);
      }
    }
  } catch (error) {
    tf.dispose([...(loss ? [loss] : []), ...Object.values(sums)]);
    throw error;
  }
  return { loss: loss as tf.Scalar, grads: sums };
}

async function withTensors<T>(
  batch: TokenBatch,
  use: (tensors: BatchTensors) => T | Promise<T>,
): Promise<T> {
  const tensors = toBatchTensors(batch);
  try {
    return await use(tensors);
  } finally {
    disposeBatchTensors(tensors);
  }
}

/** `sum + weight · part` (`weight · part` when there is no sum yet); disposes both inputs. */
function addScaled<T extends tf.Tensor>(sum: T | undefined, part: T, weight: number): T {
  const next = tf.tidy(() => {
    const scaled = tf.mul(part, weight);
    return (sum ? tf.add(sum, scaled) : scaled) as T;
  });
  part.dispose();
  sum?.dispose();
  return next;
}
