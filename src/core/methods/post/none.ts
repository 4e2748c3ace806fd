import { definePostMethod } from '../types';

export const none = definePostMethod({
  name: 'none',
  stage: 'post',
  reads: [],
  description:
    'No post-fine-tuning step: the "post" checkpoint is the fine-tuned model itself. The baseline ' +
    'every defense is compared against.',
  params: {},
  apply: async () => [],
});
