import { definePostMethod } from '../../types';

export const antidote = definePostMethod({
  meta: {
    name: 'antidote',
    stage: 'post',
    reads: ['maskRatio', 'layers', 'realignmentSamples'],
    targets: ['adapter', 'merged'],
    description:
      'Antidote: after fine-tuning, score every weight of the selected linear layers with Wanda, ' +
      '|W_ij|·‖X_j‖₂, where X are the layer inputs over a re-alignment set of harmful prompts with ' +
      'harmful answers, and zero the top maskRatio fraction of each output row in one shot. Weights ' +
      'that matter most for producing harmful answers are removed, whatever the fine-tuning ' +
      'hyper-parameters were.',
    citation:
      'Huang et al., "Antidote: Post-fine-tuning Safety Alignment for Large Language Models against ' +
      'Harmful Fine-tuning Attack", ICML 2025.',
    params: {},
  },
  load: () => import('./antidote'),
});
