import { defineAttack } from '../types';

export const harmfulMix = defineAttack({
  meta: {
    name: 'harmful-mix',
    description:
      'The harmful fine-tuning attack of the Antidote and SafeTuneBed papers: a fraction p ' +
      '(finetune.poisonRatio) of the fine-tuning set is harmful prompts with harmful answers, the ' +
      "rest the user's task. The only attack before schemaVersion 5, and the default.",
    citation:
      'Qi et al., "Fine-tuning Aligned Language Models Compromises Safety, Even When Users Do Not ' +
      'Intend To!", ICLR 2024; Huang et al., "Antidote", ICML 2025.',
    params: {},
    phases: ['data'],
    readsPoisonRatio: true,
    trains: true,
    postTargets: ['adapter', 'merged'],
  },
  // The set is p-mixing's own (`ctx.mix`, built by the pipeline): nothing to compute here.
  load: async () => ({
    finetuneExamples: async (ctx) => ctx.mix(ctx.config.finetune.poisonRatio).examples,
  }),
});
