import { definePostMethod } from '../../types';

export const randomPrune = definePostMethod({
  meta: {
    name: 'random-prune',
    stage: 'post',
    reads: ['maskRatio', 'layers'],
    targets: ['adapter', 'merged'],
    description:
      'Ablation of Antidote: zero a uniformly random maskRatio fraction of each output row (same ' +
      'count per row as Antidote). The control that separates the effect of choosing which weights ' +
      'to remove from the effect of removing that many weights at all.',
    params: {},
  },
  load: () => import('./randomPrune'),
});
