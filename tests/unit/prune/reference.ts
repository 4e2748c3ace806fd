/**
 * Brute-force references for the pruning tests: plain JavaScript loops, written independently of
 * src/core/prune (no shared helpers), so a bug there cannot hide in both.
 */
import * as tf from '@tensorflow/tfjs';
import {
  disposeBatchTensors,
  toBatchTensors,
  type TokenBatch,
} from '../../../src/core/model/batch';
import type { LanguageModel } from '../../../src/core/model/languageModel';
import { createRng } from '../../../src/core/random';
import { packExamples, rowsToBatch } from '../../../src/core/train/batching';
import { TINY } from '../support/tiny';

/**
 * A batch of 4 rows × 8 tokens with packed examples of lengths 5+2, 6 and 3, so it has padded
 * row tails and one all-padding row (`segments < 0`).
 */
export function paddedBatch(seed: number): TokenBatch {
  const rng = createRng(seed);
  const examples = [5, 2, 6, 3].map((length) => ({
    ids: Array.from({ length }, () => 1 + rng.int(TINY.vocabSize - 1)),
    lossFrom: 1,
  }));
  const { rows } = packExamples(examples, TINY.contextLength);
  return rowsToBatch(rows, 4, TINY.contextLength, 0);
}

/** Every tapped layer input of one forward pass, as plain arrays `[tokens][in]`. */
export function tappedInputs(model: LanguageModel, batch: TokenBatch): Map<string, number[][]> {
  const inputs = new Map<string, number[][]>();
  const tensors = toBatchTensors(batch);
  tf.tidy(() => {
    model.hidden(tensors, {
      linearInput: (name, input) => inputs.set(name, input.arraySync()),
    });
  });
  disposeBatchTensors(tensors);
  return inputs;
}

/** ‖X_i‖₂ per input feature over the tokens of `batches`, padding excluded unless `includePadding`. */
export function referenceNorms(
  model: LanguageModel,
  batches: TokenBatch[],
  names: string[],
  includePadding = false,
): Map<string, number[]> {
  const sums = new Map<string, number[]>();
  for (const batch of batches) {
    const inputs = tappedInputs(model, batch);
    for (const name of names) {
      const rows = inputs.get(name);
      if (!rows) throw new Error(`no tap for ${name}`);
      const sum = sums.get(name) ?? new Array<number>(rows[0].length).fill(0);
      rows.forEach((row, t) => {
        if (!includePadding && batch.segments[t] < 0) return;
        row.forEach((x, i) => (sum[i] += x * x));
      });
      sums.set(name, sum);
    }
  }
  return new Map([...sums].map(([name, sum]) => [name, sum.map(Math.sqrt)]));
}

/** Wanda scores, one entry at a time: S[i][j] = |W[i][j]| · norm[i], W in Conv1D `[in, out]`. */
export function referenceWanda(
  weight: ArrayLike<number>,
  shape: [number, number],
  norms: number[],
) {
  const [rows, cols] = shape;
  const scores: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) scores.push(Math.abs(weight[i * cols + j]) * norms[i]);
  }
  return scores;
}

/**
 * Top-k per output column by counting: entry (i, j) is pruned iff fewer than k entries of column
 * j rank before it (a higher score, or an equal score at a lower input index).
 */
export function referenceTopK(scores: ArrayLike<number>, shape: [number, number], k: number) {
  const [rows, cols] = shape;
  const mask = new Array<number>(rows * cols).fill(0);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) {
      const s = scores[i * cols + j];
      let before = 0;
      for (let r = 0; r < rows; r++) {
        const o = scores[r * cols + j];
        if (o > s || (o === s && r < i)) before += 1;
      }
      if (before < k) mask[i * cols + j] = 1;
    }
  }
  return mask;
}

/** Number of ones in each output column of a `[in, out]` mask. */
export function columnCounts(mask: ArrayLike<number>, shape: [number, number]): number[] {
  const [rows, cols] = shape;
  const counts = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) counts[j] += mask[i * cols + j];
  return counts;
}
