import type { TokenBatch } from '../model/batch';
import type { LanguageModel } from '../model/languageModel';
import type { PruneLayerReport } from './report';
import type { CancelToken } from '../runtime/cancel';
import { collectActivationNorms } from './activations';
import { topKPerOutput } from './mask';
import { pruneWeights } from './prune';
import { wandaScores } from './scores';

/**
 * One-shot Wanda prune of the matrices `names` (weights or adapter matrices) at `maskRatio`, calibrated on `batches`: collect
 * ‖X_i‖₂ for every selected matrix, score S = |W|·‖X‖₂, zero the top-scoring `maskRatio` of each
 * output column. Antidote calibrates on the re-alignment set (harmful prompt + harmful answer),
 * so the highest scores are the weights that carry the harmful behaviour.
 * Progress counts forward passes, then pruned matrices.
 */
export async function wandaPrune(
  model: LanguageModel,
  batches: readonly TokenBatch[],
  names: readonly string[],
  maskRatio: number,
  options: { cancel?: CancelToken; onProgress?: (done: number, total: number) => void } = {},
): Promise<PruneLayerReport[]> {
  if (batches.length === 0) {
    throw new Error('Wanda pruning needs at least one calibration batch (the set is empty)');
  }
  const total = batches.length + names.length;
  const norms = await collectActivationNorms(model, batches, names, options.cancel, (done) =>
    options.onProgress?.(done, total),
  );
  return pruneWeights(
    model,
    names,
    (name, weight, shape) => {
      const scores = wandaScores(weight, shape, norms.get(name) as Float32Array);
      return { mask: topKPerOutput(scores, shape, maskRatio), scores };
    },
    {
      cancel: options.cancel,
      onPruned: (done) => options.onProgress?.(batches.length + done, total),
    },
  );
}
