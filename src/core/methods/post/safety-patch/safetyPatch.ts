import type { PruneLayerReport } from '../../../prune/report';
import { trainMatrices } from '../../../train/fewSteps';
import type { PostContext } from '../../types';
import type { SafetyPatchParams } from './index';

/**
 * `steps` full-batch steps on `samples` refusal examples, changing only `ctx.weightNames`.
 * Reports every matrix it trained (nothing is zeroed).
 */
export async function apply(ctx: PostContext<SafetyPatchParams>): Promise<PruneLayerReport[]> {
  if (!ctx.training)
    throw new Error('safety-patch needs refusal examples (no training data given)');
  const { steps, lr, samples } = ctx.params;
  await trainMatrices(ctx.model, ctx.training.refusals(samples), ctx.weightNames, {
    steps,
    lr,
    seed: ctx.seed,
    padId: ctx.training.padId,
    cancel: ctx.cancel,
    onStep: ctx.onProgress,
  });
  return ctx.weightNames.map((name) => ({
    weight: name,
    shape: ctx.model.parameter(name).shape as [number, number],
    prunedFraction: 0,
  }));
}
