import { definePostMethod } from '../../types';

export const none = definePostMethod({
  meta: {
    name: 'none',
    stage: 'post',
    reads: [],
    targets: ['adapter', 'merged'],
    description:
      'No post-fine-tuning step: the "post" checkpoint is the fine-tuned model itself. The baseline ' +
      'every defense is compared against.',
    params: {},
  },
  // Nothing to compute, so nothing to import.
  load: async () => ({ apply: async () => [] }),
});
