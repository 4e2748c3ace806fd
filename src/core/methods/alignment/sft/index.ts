import { defineTrainMethod } from '../../types';

export const alignmentSft = defineTrainMethod({
  meta: {
    name: 'sft',
    stage: 'alignment',
    description:
      'Supervised fine-tuning on harmful prompts answered with refusals mixed with benign ' +
      'instructions, loss on the response only: the safety alignment that the harmful fine-tuning ' +
      'attack later undoes, and the baseline every alignment-stage defense is compared against.',
    citation: 'Ouyang et al., "Training language models to follow instructions", NeurIPS 2022.',
    params: {},
  },
  load: () => import('./sft'),
});
