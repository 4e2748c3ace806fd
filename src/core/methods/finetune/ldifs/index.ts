import type { ParamSpec } from '../../../config/schema';
import { defineTrainMethod, type ParamValues } from '../../types';

export const LDIFS_PARAMS = {
  rho: {
    type: 'number',
    min: 0,
    max: 10000,
    default: 10,
    description: 'Weight of the feature distance (official code: --ldifs-alpha 10).',
  },
} as const satisfies Record<string, ParamSpec>;

export type LdifsParams = ParamValues<typeof LDIFS_PARAMS>;

export const ldifs = defineTrainMethod({
  meta: {
    name: 'ldifs',
    stage: 'finetune',
    description:
      'LDIFS (ℓ2 distance in feature space): fine-tuning with a penalty on how far the model’s ' +
      'internal features move from the aligned model’s on the same batch. Every block’s output ' +
      '(the residual stream) at every real token is normalised to unit length in both models, the ' +
      'squared difference is averaged over features, tokens and blocks, and ρ times that is added ' +
      'to the cross-entropy. The aligned model is a frozen copy; preserving its features preserves ' +
      'what it learned in alignment, refusals included.',
    citation:
      'Mukhoti et al., "Fine-tuning can cripple your foundation model; preserving features may be ' +
      'the solution", TMLR 2024.',
    params: LDIFS_PARAMS,
    // The frozen aligned model it measures features against.
    stepMemory: { weightCopies: 1 },
  },
  load: () => import('./ldifs'),
});
