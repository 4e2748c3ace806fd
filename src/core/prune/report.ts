import type { MaskGrid } from './maskGrid';
import type { MaskOverlap } from './overlap';

/** Per pruned matrix, what a post-fine-tuning prune did (the UI's Antidote view). */
export interface PruneLayerReport {
  weight: string;
  shape: [number, number];
  prunedFraction: number;
  /** Histogram of scores (log10), with the cut marked, for the chart. */
  scoreHistogram?: { edges: number[]; counts: number[]; cut: number };
  /** The mask downsampled to a grid of fractions pruned, for the heatmap (absent in older files). */
  maskGrid?: MaskGrid;
  /**
   * SafeLoRA and SafeMERGE: the cosine similarity of the projected fine-tuning update with the
   * update itself, and whether the matrix was repaired (projected, or merged toward the aligned
   * weights; its `prunedFraction` is 0: nothing is zeroed).
   */
  projection?: { similarity: number; projected: boolean };
  /**
   * The Wanda prunes (`antidote`, `antidote-task-aware`, `wanda-benign`) with both calibration
   * sets: how far the harmful- and task-calibrated masks and activation norms coincide (absent in
   * older files and for the other methods).
   */
  maskOverlap?: MaskOverlap;
}
