import { topKPerOutput } from '../../../prune/mask';
import { pruneWeights } from '../../../prune/prune';
import type { PruneLayerReport } from '../../../prune/report';
import { magnitudeScores } from '../../../prune/scores';
import type { PostContext } from '../../types';

/** Zeroes the largest-|W| `maskRatio` of each output row: Antidote's prune without activations. */
export function apply(ctx: PostContext): Promise<PruneLayerReport[]> {
  return pruneWeights(
    ctx.model,
    ctx.weightNames,
    (_name, weight, shape) => {
      const scores = magnitudeScores(weight);
      return { mask: topKPerOutput(scores, shape, ctx.post.maskRatio), scores };
    },
    { cancel: ctx.cancel, onPruned: ctx.onProgress },
  );
}
