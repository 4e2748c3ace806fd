import type { LanguageModel } from '../model/languageModel';
import type { PruneLayerReport } from './report';
import { checkpoint, type CancelToken } from '../runtime/cancel';
import { scoreHistogram } from './histogram';
import { applyMask, countMasked } from './mask';
import { encodeMaskGrid } from './maskGrid';
import type { MaskOverlap } from './overlap';

/**
 * A method's decision for one weight matrix: the mask (1 = prune), and, if it scored, the scores
 * and, if it compared two calibrations, their overlap.
 */
export interface MaskChoice {
  mask: Uint8Array;
  scores?: Float32Array;
  maskOverlap?: MaskOverlap;
}

export type MaskChooser = (
  weightName: string,
  weight: Float32Array,
  shape: [number, number],
) => MaskChoice;

/**
 * Applies `choose`'s mask to each named matrix of `model`, in place, and reports what it did.
 * `prunedFraction` is the fraction of the matrix's entries the mask zeroed (entries that were
 * already zero and stay so count only if the mask selected them).
 */
export async function pruneWeights(
  model: LanguageModel,
  weightNames: readonly string[],
  choose: MaskChooser,
  options: { cancel?: CancelToken; onPruned?: (done: number, total: number) => void } = {},
): Promise<PruneLayerReport[]> {
  const reports: PruneLayerReport[] = [];
  for (const [index, name] of weightNames.entries()) {
    await checkpoint(options.cancel);
    const variable = model.parameter(name);
    if (variable.rank !== 2) throw new Error(`weight "${name}" is not a matrix`);
    const [rows, cols] = variable.shape as number[];
    const shape: [number, number] = [rows, cols];
    const values = (await variable.data()) as Float32Array;
    const { mask, scores, maskOverlap } = choose(name, values, shape);
    applyMask(variable, mask);
    reports.push({
      weight: name,
      shape,
      prunedFraction: countMasked(mask) / mask.length,
      ...(scores ? { scoreHistogram: scoreHistogram(scores, shape, mask) } : {}),
      maskGrid: encodeMaskGrid(mask, shape),
      ...(maskOverlap ? { maskOverlap } : {}),
    });
    options.onPruned?.(index + 1, weightNames.length);
  }
  return reports;
}
