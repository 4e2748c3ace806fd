/**
 * The mask-overlap diagnostic: how much the weights Wanda picks from harmful data and from the
 * user's task data coincide. When the two masks share most of their weights, pruning what the
 * harmful data uses also prunes what the task uses, which is what the repair costs.
 */

/** Per pruned matrix: the two calibrations' masks and activation norms compared (optional in a report). */
export interface MaskOverlap {
  /**
   * |H ∩ T| / |H ∪ T| of the harmful-calibrated mask H and the task-calibrated mask T, each the
   * top `maskRatio` of every output neuron by Wanda score (1 when both are empty).
   */
  jaccard: number;
  /**
   * Pearson correlation, over the matrix's input features j, of ‖X_j‖₂ on the harmful
   * re-alignment set and on the task data; null when either set of norms is constant.
   */
  normCorrelation: number | null;
}

/** Jaccard index of two masks of the same size (1 = pruned); 1 when both are empty. */
export function jaccard(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new Error(`masks differ in size (${a.length} and ${b.length} entries)`);
  }
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    both += a[i] & b[i];
    either += a[i] | b[i];
  }
  return either === 0 ? 1 : both / either;
}

/** Pearson correlation of two equally long vectors (in Float64); null when either is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n !== y.length) throw new Error(`vectors differ in length (${n} and ${y.length})`);
  if (n === 0) return null;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i];
    meanY += y[i];
  }
  meanX /= n;
  meanY /= n;
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - meanX;
    const dy = y[i] - meanY;
    xy += dx * dy;
    xx += dx * dx;
    yy += dy * dy;
  }
  if (!(xx > 0 && yy > 0)) return null;
  return Math.max(-1, Math.min(1, xy / Math.sqrt(xx * yy)));
}

/**
 * Jaccard a pair of masks would have by chance: two independent uniformly random masks pruning
 * a `fraction` of each output neuron share `fraction²` of the weights, so J ≈ f² / (2f − f²) =
 * f / (2 − f) (0.053 at maskRatio 0.1).
 */
export function chanceJaccard(fraction: number): number {
  return fraction > 0 ? fraction / (2 - fraction) : 1;
}
