import * as tf from '@tensorflow/tfjs';

/**
 * A training batch laid out as `batch` rows of `seqLen` tokens (flattened row-major). Several
 * examples may be packed into one row: `segments` numbers them, attention never crosses a segment
 * boundary and `positions` restart at 0 for each, so packing is exactly equivalent to one example
 * per row, without the padding.
 */
export interface TokenBatch {
  batch: number;
  seqLen: number;
  tokens: Int32Array;
  targets: Int32Array;
  /** 1 where the target token counts toward the loss (e.g. response tokens only), else 0. */
  lossMask: Float32Array;
  positions: Int32Array;
  segments: Int32Array;
}

export interface BatchTensors {
  batch: number;
  seqLen: number;
  tokens: tf.Tensor1D;
  targets: tf.Tensor1D;
  lossMask: tf.Tensor1D;
  positions: tf.Tensor1D;
  attentionBias: tf.Tensor4D;
  /**
   * The positions whose loss counts (mask 1), then masked ones up to a multiple of
   * `COUNTED_ROWS_MULTIPLE` (a few fixed shapes for WebGPU's programs), when not every position
   * counts: `LanguageModel.loss` sends only these through the output head. Absent when all count.
   */
  countedRows?: tf.Tensor1D;
}

/** `countedRows` is padded to a multiple of this many positions (or to all of them). */
export const COUNTED_ROWS_MULTIPLE = 64;

/**
 * The positions whose loss counts, padded with positions that do not to a multiple of
 * `COUNTED_ROWS_MULTIPLE`; null when that would be every position.
 */
export function countedRows(lossMask: Float32Array): Int32Array | null {
  const counted: number[] = [];
  const masked: number[] = [];
  lossMask.forEach((m, i) => (m !== 0 ? counted : masked).push(i));
  const size =
    Math.max(1, Math.ceil(counted.length / COUNTED_ROWS_MULTIPLE)) * COUNTED_ROWS_MULTIPLE;
  if (size >= lossMask.length) return null;
  return Int32Array.from([...counted, ...masked.slice(0, size - counted.length)]);
}

export const MASKED = -1e9;

/** 0 where query i may attend key j (j ≤ i, same segment), MASKED elsewhere: `[batch, 1, seqLen, seqLen]`. */
export function attentionBiasValues(
  batch: number,
  seqLen: number,
  segments: Int32Array,
): Float32Array {
  const bias = new Float32Array(batch * seqLen * seqLen).fill(MASKED);
  for (let b = 0; b < batch; b++) {
    const row = b * seqLen;
    for (let i = 0; i < seqLen; i++) {
      const base = (row + i) * seqLen;
      for (let j = 0; j <= i; j++) {
        if (segments[row + j] === segments[row + i]) bias[base + j] = 0;
      }
    }
  }
  return bias;
}

export function toBatchTensors(batch: TokenBatch): BatchTensors {
  const { batch: B, seqLen: T } = batch;
  const n = B * T;
  for (const [name, array] of Object.entries({
    tokens: batch.tokens,
    targets: batch.targets,
    lossMask: batch.lossMask,
    positions: batch.positions,
    segments: batch.segments,
  })) {
    if (array.length !== n)
      throw new Error(`batch.${name}: expected ${n} entries, got ${array.length}`);
  }
  return {
    batch: B,
    seqLen: T,
    tokens: tf.tensor1d(batch.tokens, 'int32'),
    targets: tf.tensor1d(batch.targets, 'int32'),
    lossMask: tf.tensor1d(batch.lossMask, 'float32'),
    positions: tf.tensor1d(batch.positions, 'int32'),
    attentionBias: tf.tensor4d(attentionBiasValues(B, T, batch.segments), [B, 1, T, T]),
    ...counted(batch.lossMask),
  };
}

function counted(lossMask: Float32Array): { countedRows?: tf.Tensor1D } {
  const rows = countedRows(lossMask);
  return rows ? { countedRows: tf.tensor1d(rows, 'int32') } : {};
}

export function disposeBatchTensors(tensors: BatchTensors): void {
  tf.dispose([
    tensors.tokens,
    tensors.targets,
    tensors.lossMask,
    tensors.positions,
    tensors.attentionBias,
    ...(tensors.countedRows ? [tensors.countedRows] : []),
  ]);
}

/** One unpacked row per sequence: `rows[b]` are token ids, the model predicts each next token. */
export function batchFromSequences(
  rows: number[][],
  seqLen: number,
  padId: number,
  lossOnAll = true,
): TokenBatch {
  const B = rows.length;
  const n = B * seqLen;
  const batch: TokenBatch = {
    batch: B,
    seqLen,
    tokens: new Int32Array(n).fill(padId),
    targets: new Int32Array(n).fill(padId),
    lossMask: new Float32Array(n),
    positions: new Int32Array(n),
    segments: new Int32Array(n),
  };
  rows.forEach((row, b) => {
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      batch.positions[i] = t;
      if (t < row.length) batch.tokens[i] = row[t];
      if (t + 1 < row.length) {
        batch.targets[i] = row[t + 1];
        batch.lossMask[i] = lossOnAll ? 1 : 0;
      }
    }
  });
  return batch;
}
