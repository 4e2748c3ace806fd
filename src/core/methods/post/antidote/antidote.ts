import type { PruneLayerReport } from '../../../prune/report';
import { wandaPrune } from '../../../prune/wanda';
import type { PostContext } from '../../types';

/**
 * Antidote: one-shot Wanda prune calibrated on the re-alignment set (harmful prompt + answer).
 * The task data are read only for the mask-overlap diagnostic; they do not change the mask.
 */
export function apply(ctx: PostContext): Promise<PruneLayerReport[]> {
  return wandaPrune(
    ctx.model,
    { harmful: ctx.realignmentBatches, task: ctx.taskBatches },
    ctx.weightNames,
    ctx.post.maskRatio,
    { prune: 'harmful' },
    { cancel: ctx.cancel, onProgress: ctx.onProgress },
  );
}
