import type { PruneLayerReport } from '../core/pipeline/types';
import { chanceJaccard } from '../core/prune/overlap';

/** One pruned matrix's row in the mask-overlap table. */
export interface OverlapRow {
  weight: string;
  /** Jaccard of the harmful- and task-calibrated masks, 0–1. */
  jaccard: number;
  /** What two random masks pruning as many weights per neuron would share. */
  chance: number;
  /** Correlation of the two sets' activation norms, or null when undefined. */
  normCorrelation: number | null;
}

/** The diagnostic of a run's prune reports: the rows that carry one, their mean, and the reading. */
export interface OverlapSummary {
  rows: OverlapRow[];
  meanJaccard: number;
  meanChance: number;
  /** One plain sentence on what the overlap means for the repair. */
  sentence: string;
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** Null when no report carries the diagnostic (other methods, older results files). */
export function overlapSummary(reports: readonly PruneLayerReport[]): OverlapSummary | null {
  const rows = reports.flatMap((report) =>
    report.maskOverlap
      ? [
          {
            weight: report.weight,
            jaccard: report.maskOverlap.jaccard,
            chance: chanceJaccard(report.prunedFraction),
            normCorrelation: report.maskOverlap.normCorrelation,
          },
        ]
      : [],
  );
  if (rows.length === 0) return null;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const meanJaccard = mean(rows.map((r) => r.jaccard));
  const meanChance = mean(rows.map((r) => r.chance));
  const shared = `The masks Wanda picks from harmful data and from the task's data share ${percent(meanJaccard)} of their weights (${percent(meanChance)} by chance)`;
  // Twice chance: well beyond what masks chosen independently would share.
  const sentence =
    meanJaccard >= 2 * meanChance
      ? `${shared}: pruning what the harmful data uses also prunes what the task uses.`
      : `${shared}: the two pick mostly different weights, so pruning harm need not cost the task.`;
  return { rows, meanJaccard, meanChance, sentence };
}
