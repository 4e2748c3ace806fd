import type { ParamSpec } from '../../../config/schema';
import { defineTrainMethod, type ParamValues } from '../../types';

export const LISA_PARAMS = {
  alignmentFraction: {
    type: 'number',
    min: 0,
    max: 0.9,
    default: 0.1,
    description:
      'Share of each round spent on alignment steps (paper: 100 alignment of 1000 steps).',
  },
  rounds: {
    type: 'integer',
    min: 1,
    max: 1000,
    default: 20,
    description:
      'Alignment + fine-tuning rounds over the run (official script: 20 rounds of 100 + 900 ' +
      'steps); capped so every round has at least one alignment step.',
  },
  rho: {
    type: 'number',
    min: 0,
    max: 1000,
    default: 1,
    description: 'Proximal intensity ρ of ρ/2·‖θ − θ_anchor‖² (official script: RHO=1).',
  },
  proximalStartFraction: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.1,
    description:
      'Fraction of the steps run before the proximal term switches on (official code: 10%).',
  },
} as const satisfies Record<string, ParamSpec>;

export type LisaParams = ParamValues<typeof LISA_PARAMS>;

export const lisa = defineTrainMethod({
  meta: {
    name: 'lisa',
    stage: 'finetune',
    description:
      'Lisa (Bi-State Optimization): fine-tuning alternates between a short phase of steps on the ' +
      'alignment data (harmful prompt → refusal and benign instructions) and a long phase on the ' +
      "user's data — 100 + 900 steps per round in the paper, here alignmentFraction of each of " +
      '`rounds` rounds — with the same total number of optimizer steps as plain SFT. Each phase adds ' +
      'a proximal term ρ/2·‖θ − θ_anchor‖² pulling the weights toward where the other phase left ' +
      'them (first toward the aligned model), so the fine-tuning steps cannot drift far from a ' +
      'safe solution between refreshes of the alignment.',
    citation:
      'Huang et al., "Lisa: Lazy Safety Alignment for Large Language Models against Harmful ' +
      'Fine-tuning Attack", NeurIPS 2024.',
    params: LISA_PARAMS,
    // The proximal anchor: a copy of what is trained.
    stepMemory: { trainedCopies: 1 },
  },
  load: () => import('./lisa'),
});
