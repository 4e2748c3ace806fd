import { randomMaskPerOutput } from '../../../prune/mask';
import { pruneWeights } from '../../../prune/prune';
import type { PruneLayerReport } from '../../../prune/report';
import { createRng } from '../../../random';
import type { PostContext } from '../../types';

/** Zeroes a uniformly random `maskRatio` of each output row (as many per row as Antidote). */
export function apply(ctx: PostContext): Promise<PruneLayerReport[]> {
  const root = createRng(ctx.seed).fork('random-prune');
  return pruneWeights(
    ctx.model,
    ctx.weightNames,
    // One stream per matrix: a matrix's mask does not depend on which other layers are pruned.
    (name, _weight, shape) => ({
      mask: randomMaskPerOutput(shape, ctx.post.maskRatio, root.fork(name)),
    }),
    { cancel: ctx.cancel, onPruned: ctx.onProgress },
  );
}
