import type { ParamSpec } from '../../../config/schema';
import { defineTrainMethod, type ParamValues } from '../../types';

export const BOOSTER_PARAMS = {
  lambda: {
    type: 'number',
    min: 0,
    default: 5,
    description:
      'λ: weight of the harmful-perturbation regularizer (official default 5). 0 is plain ' +
      'alignment SFT.',
  },
  alpha: {
    type: 'number',
    min: 0,
    default: 0.1,
    description:
      'α: length of the simulated harmful step along the normalized harmful gradient ' +
      '(official default 0.1).',
  },
  harmfulSamples: {
    type: 'integer',
    min: 1,
    default: 1000,
    description:
      'Harmful prompt → harmful answer pairs drawn from the harmful train split (capped at ' +
      'its size) and cycled through in batches shaped like the alignment batches. The ' +
      'official script uses as many harmful as alignment samples; 1000 matches the default ' +
      "alignment set's harmful prompt → refusal pairs.",
  },
} as const satisfies Record<string, ParamSpec>;

export type BoosterParams = ParamValues<typeof BOOSTER_PARAMS>;

export const booster = defineTrainMethod({
  meta: {
    name: 'booster',
    stage: 'alignment',
    description:
      'Attenuates harmful perturbation: alongside each alignment batch a harmful prompt → harmful ' +
      'answer batch simulates the fine-tuning attack, and the alignment loss is regularized by ' +
      'λ·(h(θ) − h(θ − α·∇h/‖∇h‖)), how much one normalized harmful step would lower the harmful ' +
      'loss h. As in the official trainer the regularizer is taken to first order: the update ' +
      'uses ∇f(θ) + λ·(∇h(θ) − ∇h(θ′)), with θ′ the temporarily shifted weights (three ' +
      'forward-backward passes per step). The loss reported per step is the alignment loss f(θ).',
    citation:
      'Huang et al., "Booster: Tackling Harmful Fine-tuning for Large Language Models via ' +
      'Attenuating Harmful Perturbation", ICLR 2025.',
    params: BOOSTER_PARAMS,
    // Through its alignment pass it holds both harmful gradients (θ and the shifted θ′).
    stepMemory: { trainedCopies: 2 },
  },
  load: () => import('./booster'),
});
