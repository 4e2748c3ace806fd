import { definePostMethod } from '../../types';

export const wandaBenign = definePostMethod({
  meta: {
    name: 'wanda-benign',
    stage: 'post',
    reads: ['maskRatio', 'layers', 'realignmentSamples'],
    targets: ['adapter', 'merged'],
    description:
      'Ablation of Antidote: the same one-shot Wanda prune (|W|·‖X‖₂, top maskRatio of each output ' +
      "row), but the activations come from the user's own fine-tuning task data (benign, without " +
      'the poison) instead of the harmful re-alignment set. It removes the weights most important ' +
      'for the task, showing whether the harmful re-alignment set is what makes Antidote target ' +
      'harmful behaviour.',
    citation:
      'Sun et al., "A Simple and Effective Pruning Approach for Large Language Models", ICLR 2024.',
    params: {},
  },
  load: () => import('./wandaBenign'),
});
