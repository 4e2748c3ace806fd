import { createRng } from '../../random';
import { definePostMethod } from '../types';

export const randomPrune = definePostMethod({
  name: 'random-prune',
  stage: 'post',
  reads: ['maskRatio', 'layers'],
  targets: ['adapter', 'merged'],
  description:
    'Ablation of Antidote: zero a uniformly random maskRatio fraction of each output row (same ' +
    'count per row as Antidote). The control that separates the effect of choosing which weights ' +
    'to remove from the effect of removing that many weights at all.',
  params: {},
  apply: async (ctx) => {
    const [{ randomMaskPerOutput }, { pruneWeights }] = await Promise.all([
      import('../../prune/mask'),
      import('../../prune/prune'),
    ]);
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
  },
});
