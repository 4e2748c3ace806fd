import type { TokenBatch } from '../model/batch';
import { createRng } from '../random';

/**
 * A tokenized example: `ids` = prompt + response + eos (or a chat template's rendering); loss
 * counts on tokens at index ≥ `lossFrom` and < `lossTo` (default: to the end).
 */
export interface TokenizedExample {
  ids: number[];
  lossFrom: number;
  lossTo?: number;
}

export interface PackedRow {
  tokens: number[];
  /** Parallel to tokens: the example each token belongs to (−1 for padding). */
  segments: number[];
  positions: number[];
  /** Parallel to tokens: target of position i is tokens[i+1] within the segment; 1 when it counts. */
  targetMask: number[];
}

/**
 * Packs examples, in the given order, into rows of `seqLen` tokens (next-fit). Each example keeps
 * its own positions and attention segment, so packing changes nothing but the padding wasted.
 * Examples longer than a row are truncated to `seqLen` tokens and counted.
 */
export function packExamples(
  examples: readonly TokenizedExample[],
  seqLen: number,
): { rows: PackedRow[]; truncated: number } {
  const rows: PackedRow[] = [];
  let truncated = 0;
  let row: PackedRow | null = null;
  examples.forEach((example, index) => {
    let ids = example.ids;
    const lossTo = example.lossTo ?? ids.length;
    if (ids.length > seqLen) {
      ids = ids.slice(0, seqLen);
      truncated += 1;
    }
    if (ids.length < 2) return;
    if (row === null || row.tokens.length + ids.length > seqLen) {
      row = { tokens: [], segments: [], positions: [], targetMask: [] };
      rows.push(row);
    }
    ids.forEach((id, i) => {
      const current = row as PackedRow;
      current.tokens.push(id);
      current.segments.push(index);
      current.positions.push(i);
      const target = i + 1;
      current.targetMask.push(
        target < ids.length && target >= example.lossFrom && target < lossTo ? 1 : 0,
      );
    });
  });
  return { rows, truncated };
}

/** Fixed-shape batch from up to `batchSize` rows; missing rows and row tails are padding (no loss). */
export function rowsToBatch(
  rows: readonly PackedRow[],
  batchSize: number,
  seqLen: number,
  padId: number,
): TokenBatch {
  const n = batchSize * seqLen;
  const batch: TokenBatch = {
    batch: batchSize,
    seqLen,
    tokens: new Int32Array(n).fill(padId),
    targets: new Int32Array(n).fill(padId),
    lossMask: new Float32Array(n),
    positions: new Int32Array(n),
    segments: new Int32Array(n).fill(-1),
  };
  rows.forEach((row, b) => {
    for (let t = 0; t < row.tokens.length; t++) {
      const i = b * seqLen + t;
      batch.tokens[i] = row.tokens[t];
      batch.segments[i] = row.segments[t];
      batch.positions[i] = row.positions[t];
      // Every position predicts the next token of its own example; the mask decides what counts.
      if (t + 1 < row.tokens.length && row.segments[t + 1] === row.segments[t])
        batch.targets[i] = row.tokens[t + 1];
      batch.lossMask[i] = row.targetMask[t];
    }
    // Padding positions each get their own segment so every query can attend at least to itself.
    for (let t = row.tokens.length; t < seqLen; t++) batch.segments[b * seqLen + t] = -1 - t;
  });
  for (let b = rows.length; b < batchSize; b++) {
    for (let t = 0; t < seqLen; t++) batch.segments[b * seqLen + t] = -1 - t;
  }
  return batch;
}

/**
 * Deterministic epochs: each epoch shuffles the examples with a seed derived from (seed, epoch),
 * packs them, and yields fixed-shape batches. Same seed and data → the same batches on any machine.
 */
export function* epochBatches(
  examples: readonly TokenizedExample[],
  options: { seed: number; epochs: number; batchSize: number; seqLen: number; padId: number },
): Generator<TokenBatch> {
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = createRng(options.seed).fork(`epoch-${epoch}`).shuffle(examples);
    const { rows } = packExamples(order, options.seqLen);
    for (let start = 0; start < rows.length; start += options.batchSize) {
      yield rowsToBatch(
        rows.slice(start, start + options.batchSize),
        options.batchSize,
        options.seqLen,
        options.padId,
      );
    }
  }
}

/** Number of batches `epochBatches` will yield (for progress bars and schedules). */
export function countBatches(
  examples: readonly TokenizedExample[],
  options: { seed: number; epochs: number; batchSize: number; seqLen: number },
): number {
  let total = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = createRng(options.seed).fork(`epoch-${epoch}`).shuffle(examples);
    total += Math.ceil(packExamples(order, options.seqLen).rows.length / options.batchSize);
  }
  return total;
}
