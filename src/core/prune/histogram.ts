/** The histogram a prune report carries for the UI's Antidote view. */
export interface ScoreHistogram {
  /** `bins + 1` equally spaced edges in log10(score). */
  edges: number[];
  counts: number[];
  /** Where the mask cuts, in log10(score): see `scoreHistogram`. */
  cut: number;
}

export const HISTOGRAM_BINS = 40;

/**
 * Histogram of log10 of the nonzero, finite scores (zero scores — weights already zero — have no
 * logarithm and are left out). The mask cuts each output column at its own threshold, so one
 * line can only summarise it: `cut` is the mean over output columns of log10 of the smallest
 * pruned score in that column (columns that prune nothing, or whose threshold is 0, are skipped;
 * if none remain, the cut is the top edge: nothing visible was pruned).
 */
export function scoreHistogram(
  scores: Float32Array,
  shape: readonly [number, number],
  mask: Uint8Array,
  bins = HISTOGRAM_BINS,
): ScoreHistogram {
  const [rows, cols] = shape;
  let low = Infinity;
  let high = -Infinity;
  for (const score of scores) {
    if (score > 0 && Number.isFinite(score)) {
      const value = Math.log10(score);
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  if (low === Infinity) {
    low = -1;
    high = 0;
  } else if (low === high) {
    low -= 0.5;
    high += 0.5;
  }
  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, b) => (b === bins ? high : low + b * width));
  const counts = new Array<number>(bins).fill(0);
  for (const score of scores) {
    if (score > 0 && Number.isFinite(score)) {
      counts[Math.min(bins - 1, Math.floor((Math.log10(score) - low) / width))] += 1;
    }
  }

  let cutSum = 0;
  let cutColumns = 0;
  for (let j = 0; j < cols; j++) {
    let threshold = Infinity;
    for (let i = 0; i < rows; i++) {
      const index = i * cols + j;
      if (mask[index] === 1 && scores[index] < threshold) threshold = scores[index];
    }
    if (threshold > 0 && Number.isFinite(threshold)) {
      cutSum += Math.log10(threshold);
      cutColumns += 1;
    }
  }
  return { edges, counts, cut: cutColumns > 0 ? cutSum / cutColumns : high };
}
