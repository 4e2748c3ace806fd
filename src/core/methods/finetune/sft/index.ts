import { defineTrainMethod } from '../../types';

export const finetuneSft = defineTrainMethod({
  meta: {
    name: 'sft',
    stage: 'finetune',
    description:
      "Plain supervised fine-tuning on the user's task data, of which a fraction p is harmful " +
      'prompts with harmful answers: the harmful fine-tuning attack, with no defense.',
    citation:
      'Qi et al., "Fine-tuning Aligned Language Models Compromises Safety, Even When Users Do Not ' +
      'Intend To!", ICLR 2024.',
    params: {},
  },
  load: () => import('./sft'),
});
