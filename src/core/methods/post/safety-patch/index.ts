import type { ParamSpec } from '../../../config/schema';
import { definePostMethod, type ParamValues } from '../../types';

export const SAFETY_PATCH_PARAMS = {
  samples: {
    type: 'integer',
    min: 1,
    max: 64,
    default: 8,
    description:
      'Refusal examples (harmful prompt → refusal) trained on, all of them at every step.',
  },
  steps: {
    type: 'integer',
    min: 1,
    max: 100,
    default: 5,
    description: 'Optimizer steps (AdamW, constant learning rate, no weight decay).',
  },
  lr: {
    type: 'number',
    min: 0,
    max: 1,
    default: 1e-3,
    description:
      'Learning rate of the patch (the fine-tuning adapter learns at 1e-2 here, full weights at ' +
      '3e-4: the patch is a gentler nudge).',
  },
} as const satisfies Record<string, ParamSpec>;

export type SafetyPatchParams = ParamValues<typeof SAFETY_PATCH_PARAMS>;

export const safetyPatch = definePostMethod({
  meta: {
    name: 'safety-patch',
    stage: 'post',
    reads: ['layers'],
    targets: ['adapter', 'merged'],
    description:
      'Safety patch: after fine-tuning, a few optimizer steps of plain supervised training on a ' +
      'handful of harmful prompt → refusal examples from the alignment data, acting only on the ' +
      'selected matrices — the fine-tuning adapter’s A and B, or the merged linear weights. The ' +
      'cheapest repair a provider can apply, and the one that shows how shallow the re-learnt ' +
      'refusal is. Deterministic from the seed.',
    citation:
      'Bianchi et al., "Safety-Tuned LLaMAs: Lessons From Improving the Safety of Large Language ' +
      'Models that Follow Instructions", ICLR 2024 (a few hundred safety examples restore ' +
      'refusals); applied after fine-tuning as in Qi et al., "Fine-tuning Aligned Language ' +
      'Models Compromises Safety", ICLR 2024.',
    params: SAFETY_PATCH_PARAMS,
  },
  load: () => import('./safetyPatch'),
});
