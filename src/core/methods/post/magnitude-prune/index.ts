import { definePostMethod } from '../../types';

export const magnitudePrune = definePostMethod({
  meta: {
    name: 'magnitude-prune',
    stage: 'post',
    reads: ['maskRatio', 'layers'],
    targets: ['adapter', 'merged'],
    description:
      'Ablation of Antidote: zero the largest-magnitude maskRatio fraction of each output row, ' +
      'scoring weights by |W| alone with no activations. Shows how much of the repair comes from ' +
      'knowing which inputs the harmful data drives.',
    params: {},
  },
  load: () => import('./magnitudePrune'),
});
