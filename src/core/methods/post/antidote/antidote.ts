import type { PruneLayerReport } from '../../../prune/report';
import { wandaPrune } from '../../../prune/wanda';
import type { PostContext } from '../../types';

/** Antidote: one-shot Wanda prune calibrated on the re-alignment set (harmful prompt + answer). */
export function apply(ctx: PostContext): Promise<PruneLayerReport[]> {
  return wandaPrune(ctx.model, ctx.realignmentBatches, ctx.weightNames, ctx.post.maskRatio, {
    cancel: ctx.cancel,
    onProgress: ctx.onProgress,
  });
}
