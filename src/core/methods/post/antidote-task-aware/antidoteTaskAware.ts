import type { PruneLayerReport } from '../../../prune/report';
import { wandaPrune } from '../../../prune/wanda';
import type { PostContext } from '../../types';
import type { AntidoteTaskAwareParams } from './index';

/** Antidote's prune by harmful-minus-λ·task Wanda scores (`taskAwareScores`). */
export function apply(ctx: PostContext<AntidoteTaskAwareParams>): Promise<PruneLayerReport[]> {
  return wandaPrune(
    ctx.model,
    { harmful: ctx.realignmentBatches, task: ctx.taskBatches },
    ctx.weightNames,
    ctx.post.maskRatio,
    { prune: 'task-aware', lambda: ctx.params.lambda },
    { cancel: ctx.cancel, onProgress: ctx.onProgress },
  );
}
