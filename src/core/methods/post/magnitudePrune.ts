import { definePostMethod } from '../types';

export const magnitudePrune = definePostMethod({
  name: 'magnitude-prune',
  stage: 'post',
  reads: ['maskRatio', 'layers'],
  targets: ['adapter', 'merged'],
  description:
    'Ablation of Antidote: zero the largest-magnitude maskRatio fraction of each output row, ' +
    'scoring weights by |W| alone with no activations. Shows how much of the repair comes from ' +
    'knowing which inputs the harmful data drives.',
  params: {},
  apply: async (ctx) => {
    const [{ topKPerOutput }, { pruneWeights }, { magnitudeScores }] = await Promise.all([
      import('../../prune/mask'),
      import('../../prune/prune'),
      import('../../prune/scores'),
    ]);
    return pruneWeights(
      ctx.model,
      ctx.weightNames,
      (_name, weight, shape) => {
        const scores = magnitudeScores(weight);
        return { mask: topKPerOutput(scores, shape, ctx.post.maskRatio), scores };
      },
      { cancel: ctx.cancel, onPruned: ctx.onProgress },
    );
  },
});
