import type { PruneLayerReport } from '../../../prune/report';
import { wandaPrune } from '../../../prune/wanda';
import type { PostContext } from '../../types';

/**
 * Antidote's prune, calibrated on the task data (without poison) instead of the harmful
 * re-alignment set, which is read only for the mask-overlap diagnostic.
 */
export function apply(ctx: PostContext): Promise<PruneLayerReport[]> {
  return wandaPrune(
    ctx.model,
    { harmful: ctx.realignmentBatches, task: ctx.taskBatches },
    ctx.weightNames,
    ctx.post.maskRatio,
    { prune: 'task' },
    { cancel: ctx.cancel, onProgress: ctx.onProgress },
  );
}
