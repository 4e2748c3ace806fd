import type { ParamSpec } from '../../../config/schema';
import { defineTrainMethod, type ParamValues } from '../../types';

export const SAFE_DATA_MIX_PARAMS = {
  safetyFraction: {
    type: 'number',
    min: 0,
    max: 0.9,
    default: 0.03,
    description:
      'Share of the mixed fine-tuning set that is refusal examples (Bianchi et al.: adding ' +
      '3% safety examples substantially improves safety).',
  },
} as const satisfies Record<string, ParamSpec>;

export type SafeDataMixParams = ParamValues<typeof SAFE_DATA_MIX_PARAMS>;

export const safeDataMix = defineTrainMethod({
  meta: {
    name: 'safe-data-mix',
    stage: 'finetune',
    description:
      'Safety data mixing: harmful prompt → refusal examples from the alignment set (train split, ' +
      'never the evaluation prompts) are added to the fine-tuning data so that they make up ' +
      'safetyFraction of it, then plain SFT runs on the mix. The standard baseline: a few percent ' +
      'of safety demonstrations keep much of the refusal behaviour that fine-tuning erodes.',
    citation:
      'Bianchi et al., "Safety-Tuned LLaMAs: Lessons From Improving the Safety of Large Language ' +
      'Models that Follow Instructions", ICLR 2024.',
    params: SAFE_DATA_MIX_PARAMS,
  },
  load: () => import('./safeDataMix'),
});
