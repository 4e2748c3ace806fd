import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';

/**
 * Pruning masks for a Conv1D weight `[in, out]` (row-major), 1 = prune. Antidote and Wanda
 * compare weights *per output neuron* (a row of torch's `[out, in]` weight, a column here), so
 * every output column loses exactly the same number of weights:
 * `k = Math.round(maskRatio · in)` (JavaScript rounding: halves round up).
 */

export function prunedPerOutput(inFeatures: number, maskRatio: number): number {
  if (!(maskRatio >= 0 && maskRatio <= 1)) {
    throw new Error(`maskRatio must be between 0 and 1 (got ${maskRatio})`);
  }
  return Math.round(maskRatio * inFeatures);
}

function checkShape(size: number, shape: readonly [number, number]): void {
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`invalid weight shape [${rows}, ${cols}]`);
  }
  if (size !== rows * cols) {
    throw new Error(`${size} entries do not fit shape [${rows}, ${cols}]`);
  }
}

/**
 * Marks the `k` highest-scoring inputs of every output column. Ties are broken by the lower
 * input index first (a stable order, so the mask depends only on the scores, never on the sort
 * implementation or backend). NaN scores are rejected: they mean the model diverged.
 */
export function topKPerOutput(
  scores: Float32Array,
  shape: readonly [number, number],
  maskRatio: number,
): Uint8Array {
  checkShape(scores.length, shape);
  const [rows, cols] = shape;
  const k = prunedPerOutput(rows, maskRatio);
  const mask = new Uint8Array(scores.length);
  if (k === 0) return mask;
  const order = new Uint32Array(rows);
  const column = new Float32Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) {
      const score = scores[i * cols + j];
      if (Number.isNaN(score)) throw new Error(`score of weight [${i}, ${j}] is NaN`);
      column[i] = score;
      order[i] = i;
    }
    order.sort((a, b) => (column[a] > column[b] ? -1 : column[a] < column[b] ? 1 : a - b));
    for (let r = 0; r < k; r++) mask[order[r] * cols + j] = 1;
  }
  return mask;
}

/** Same exact count per output column as `topKPerOutput`, chosen uniformly at random (the paper's random-mask ablation). */
export function randomMaskPerOutput(
  shape: readonly [number, number],
  maskRatio: number,
  rng: Rng,
): Uint8Array {
  checkShape(shape[0] * shape[1], shape);
  const [rows, cols] = shape;
  const k = prunedPerOutput(rows, maskRatio);
  const mask = new Uint8Array(rows * cols);
  const order = new Uint32Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) order[i] = i;
    // Partial Fisher–Yates: the first k slots become a uniform k-subset.
    for (let r = 0; r < k; r++) {
      const pick = r + rng.int(rows - r);
      const chosen = order[pick];
      order[pick] = order[r];
      order[r] = chosen;
      mask[chosen * cols + j] = 1;
    }
  }
  return mask;
}

/** Zeroes, in place, the entries of `variable` where `mask` is 1 (exact zeros, whatever the old value). */
export function applyMask(variable: tf.Variable, mask: Uint8Array): void {
  if (variable.size !== mask.length) {
    throw new Error(`mask has ${mask.length} entries, the weight has ${variable.size}`);
  }
  const pruned = tf.tidy(() =>
    tf.where(tf.tensor(mask, variable.shape, 'bool'), tf.zerosLike(variable), variable),
  );
  variable.assign(pruned);
  pruned.dispose();
}

export function countMasked(mask: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i];
  return count;
}
