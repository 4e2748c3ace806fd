import type { ParamSpec } from '../../../config/schema';
import { defineTrainMethod, type ParamValues } from '../../types';

export const VACCINE_PARAMS = {
  rho: {
    type: 'number',
    min: 0,
    default: 2,
    description:
      'ρ: global L2 norm of the perturbation added to the block outputs (the official ' +
      'script is run with 2). 0 is plain alignment SFT.',
  },
} as const satisfies Record<string, ParamSpec>;

export type VaccineParams = ParamValues<typeof VACCINE_PARAMS>;

export const vaccine = defineTrainMethod({
  meta: {
    name: 'vaccine',
    stage: 'alignment',
    description:
      'Perturbation-aware alignment: fine-tuning later drifts the hidden embeddings of aligned ' +
      'inputs ("harmful embedding drift"), so each alignment step first finds the perturbation of ' +
      'every block output that raises the alignment loss most — the gradient w.r.t. the block ' +
      'outputs, scaled to a global L2 norm of ρ — and then updates the weights with the gradient of ' +
      'the alignment loss under that perturbation (two forward-backward passes per step). As in ' +
      "the paper, each transformer block's output is perturbed (the official code hooks each " +
      "attention module's output). The loss reported per step is the perturbed one, as in the " +
      'official trainer.',
    citation:
      'Huang et al., "Vaccine: Perturbation-aware Alignment for Large Language Models against ' +
      'Harmful Fine-tuning Attack", NeurIPS 2024.',
    params: VACCINE_PARAMS,
  },
  load: () => import('./vaccine'),
});
