import * as tf from '@tensorflow/tfjs';
import type { BatchTensors } from '../model/batch';
import type { StepGradients, Trainer } from '../train/trainer';

/**
 * The loss and gradients of one batch computed `microBatch` rows at a time (gradient
 * accumulation). Part m's masked-mean loss is weighted by its share of the batch's counted tokens,
 * n_m / n, so the weighted sum is the whole batch's masked mean (`GPT.loss`) and its gradient,
 * up to float rounding. A backward pass keeps every saved activation and every gradient until
 * it ends, so activation memory scales with the rows of one pass, not with the batch.
 * `microBatch ≥ batch` is exactly `trainer.gradients(() => model.loss(tensors))`.
 */
export function accumulatedGradients(
  trainer: Trainer,
  tensors: BatchTensors,
  lossMask: Float32Array,
  microBatch: number,
): StepGradients {
  const { batch: B, seqLen: T } = tensors;
  if (!Number.isInteger(microBatch) || microBatch <= 0) {
    throw new Error(`microBatch must be a positive integer (got ${microBatch})`);
  }
  if (microBatch >= B) return trainer.gradients(() => trainer.model.loss(tensors));
  const counted = (start: number, rows: number) =>
    lossMask.subarray(start * T, (start + rows) * T).reduce((sum, m) => sum + m, 0);
  const total = counted(0, B);
  let loss: tf.Scalar = tf.scalar(0);
  let grads: Record<string, tf.Tensor> = {};
  for (let start = 0; start < B; start += microBatch) {
    const rows = Math.min(microBatch, B - start);
    const part = sliceRows(tensors, start, rows);
    try {
      const weight = counted(start, rows) / Math.max(total, 1);
      const partial = trainer.gradients(() => trainer.model.loss(part));
      const next = tf.tidy(() => {
        const sum: Record<string, tf.Tensor> = {};
        for (const [name, grad] of Object.entries(partial.grads)) {
          const weighted = tf.mul(grad, weight);
          sum[name] = grads[name] ? tf.add(grads[name], weighted) : weighted;
        }
        return { loss: tf.add(loss, tf.mul(partial.loss, weight)) as tf.Scalar, grads: sum };
      });
      tf.dispose([loss, ...Object.values(grads), partial.loss, ...Object.values(partial.grads)]);
      loss = next.loss;
      grads = next.grads;
    } finally {
      disposeSlices(part, tensors);
    }
  }
  return { loss, grads };
}

/** Rows `[start, start + rows)` of a batch, as new tensors. */
function sliceRows(tensors: BatchTensors, start: number, rows: number): BatchTensors {
  const T = tensors.seqLen;
  const flat = (t: tf.Tensor1D) => tf.slice(t, [start * T], [rows * T]);
  const bias = tensors.attentionBias;
  return {
    batch: rows,
    seqLen: T,
    tokens: flat(tensors.tokens),
    targets: flat(tensors.targets),
    lossMask: flat(tensors.lossMask),
    positions: flat(tensors.positions),
    // A bias of batch 1 is shared by every row (broadcast): it stays as it is.
    attentionBias:
      bias.shape[0] === 1 ? bias : tf.slice(bias, [start, 0, 0, 0], [rows, -1, -1, -1]),
  };
}

function disposeSlices(part: BatchTensors, whole: BatchTensors): void {
  tf.dispose([part.tokens, part.targets, part.lossMask, part.positions]);
  if (part.attentionBias !== whole.attentionBias) part.attentionBias.dispose();
}
