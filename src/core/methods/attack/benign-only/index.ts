import { defineAttack } from '../types';

export const benignOnly = defineAttack({
  meta: {
    name: 'benign-only',
    description:
      "Fine-tuning on the user's task data alone, with no harmful pair whatever " +
      'finetune.poisonRatio says (the field is unread), then scored for harm: an aligned model ' +
      'loses part of its safety to ordinary fine-tuning. The same set as harmful-mix at p = 0.',
    citation:
      'Qi et al., "Fine-tuning Aligned Language Models Compromises Safety, Even When Users Do Not ' +
      'Intend To!", ICLR 2024 (arXiv 2310.03693, 2023).',
    params: {},
    phases: ['data'],
    readsPoisonRatio: false,
    trains: true,
    postTargets: ['adapter', 'merged'],
  },
  load: async () => ({ finetuneExamples: async (ctx) => ctx.mix(0).examples }),
});
