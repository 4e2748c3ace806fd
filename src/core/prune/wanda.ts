import type { TokenBatch } from '../model/batch';
import type { LanguageModel } from '../model/languageModel';
import type { PruneLayerReport } from './report';
import type { CancelToken } from '../runtime/cancel';
import { collectActivationNorms } from './activations';
import { topKPerOutput } from './mask';
import { jaccard, pearson, type MaskOverlap } from './overlap';
import { pruneWeights } from './prune';
import { taskAwareScores, wandaScores } from './scores';

/** The two calibration sets a Wanda prune may read. */
export interface WandaCalibration {
  /** Antidote's re-alignment set: harmful prompt + harmful answer. */
  harmful: readonly TokenBatch[];
  /** The user's own fine-tuning task data, without poison. */
  task: readonly TokenBatch[];
}

/**
 * Which scores choose the mask: Wanda on the harmful set (Antidote), on the task set
 * (`wanda-benign`), or the harmful scores minus λ × the task scores (`antidote-task-aware`,
 * `taskAwareScores`).
 */
export type WandaObjective =
  { prune: 'harmful' } | { prune: 'task' } | { prune: 'task-aware'; lambda: number };

/**
 * One-shot Wanda prune of the matrices `names` (weights or adapter matrices) at `maskRatio`:
 * collect ‖X_i‖₂ for every selected matrix over each calibration set, score S = |W|·‖X‖₂, and zero
 * the top-scoring `maskRatio` of each output column by the objective's scores. Antidote
 * calibrates on the re-alignment set (harmful prompt + harmful answer), so the highest scores are
 * the weights that carry the harmful behaviour.
 *
 * The set the objective reads must hold a batch. When both sets do, every report carries the
 * mask-overlap diagnostic (`MaskOverlap`): the harmful- and task-calibrated masks' Jaccard and
 * the correlation of their norms, whatever the objective. Progress counts forward passes
 * (harmful, then task), then pruned matrices.
 */
export async function wandaPrune(
  model: LanguageModel,
  calibration: WandaCalibration,
  names: readonly string[],
  maskRatio: number,
  objective: WandaObjective,
  options: { cancel?: CancelToken; onProgress?: (done: number, total: number) => void } = {},
): Promise<PruneLayerReport[]> {
  const { harmful, task } = calibration;
  const reads = objective.prune === 'task-aware' ? [harmful, task] : [calibration[objective.prune]];
  if (reads.some((batches) => batches.length === 0)) {
    throw new Error('Wanda pruning needs at least one calibration batch (the set is empty)');
  }
  const passes = harmful.length + task.length;
  const total = passes + names.length;
  const progress = (done: number) => options.onProgress?.(done, total);
  const norms = async (batches: readonly TokenBatch[], before: number) =>
    batches.length === 0
      ? new Map<string, Float32Array>()
      : collectActivationNorms(model, batches, names, options.cancel, (done) =>
          progress(before + done),
        );
  const harmfulNorms = await norms(harmful, 0);
  const taskNorms = await norms(task, harmful.length);
  return pruneWeights(
    model,
    names,
    (name, weight, shape) => {
      const scoresOf = (norms: Map<string, Float32Array>) => {
        const inputNorms = norms.get(name);
        return inputNorms && wandaScores(weight, shape, inputNorms);
      };
      const harmfulScores = scoresOf(harmfulNorms);
      const taskScores = scoresOf(taskNorms);
      const scores = objectiveScores(objective, harmfulScores, taskScores);
      const mask = topKPerOutput(scores, shape, maskRatio);
      if (!harmfulScores || !taskScores) return { mask, scores };
      const maskOf = (own: Float32Array) =>
        own === scores ? mask : topKPerOutput(own, shape, maskRatio);
      const maskOverlap: MaskOverlap = {
        jaccard: jaccard(maskOf(harmfulScores), maskOf(taskScores)),
        normCorrelation: pearson(
          harmfulNorms.get(name) as Float32Array,
          taskNorms.get(name) as Float32Array,
        ),
      };
      return { mask, scores, maskOverlap };
    },
    { cancel: options.cancel, onPruned: (done) => progress(passes + done) },
  );
}

/** The scores the objective prunes by (the sets it reads were checked to be there). */
function objectiveScores(
  objective: WandaObjective,
  harmful: Float32Array | undefined,
  task: Float32Array | undefined,
): Float32Array {
  const missing = () => new Error('a calibration set the objective reads is missing');
  if (objective.prune === 'harmful') {
    if (!harmful) throw missing();
    return harmful;
  }
  if (!task) throw missing();
  if (objective.prune === 'task') return task;
  if (!harmful) throw missing();
  return taskAwareScores(harmful, task, objective.lambda);
}
