import type { ParamSpec } from '../../../config/schema';
import { definePostMethod, type ParamValues } from '../../types';

export const SAFETY_ARITHMETIC_PARAMS = {
  lambda: {
    type: 'number',
    min: 0,
    max: 10,
    default: 1,
    description: 'λ, how much of the harm vector is subtracted: θ ← θ_finetuned − λ·τ_harm.',
  },
  keep: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.2,
    description:
      'Fraction of each matrix’s harm-vector entries kept, the largest in magnitude (the paper ' +
      'keeps the top-k, as TIES-merging trims; TIES keeps 20%); 1 keeps the whole vector.',
  },
  samples: {
    type: 'integer',
    min: 1,
    max: 256,
    default: 16,
    description:
      'Re-alignment examples (harmful prompt → harmful answer) the harm vector is learnt on.',
  },
  steps: {
    type: 'integer',
    min: 1,
    max: 100,
    default: 5,
    description: 'Optimizer steps toward the harmful answers (AdamW, all samples at every step).',
  },
  lr: {
    type: 'number',
    min: 0,
    max: 1,
    default: 1e-3,
    description: 'Learning rate of those steps.',
  },
} as const satisfies Record<string, ParamSpec>;

export type SafetyArithmeticParams = ParamValues<typeof SAFETY_ARITHMETIC_PARAMS>;

export const safetyArithmetic = definePostMethod({
  meta: {
    name: 'safety-arithmetic',
    stage: 'post',
    reads: ['layers', 'realignmentSamples'],
    targets: ['adapter', 'merged'],
    description:
      'Safety Arithmetic’s harm-direction removal: estimate the harm vector by training a copy ' +
      'of the fine-tuned matrices a few steps toward the harmful answers of the re-alignment ' +
      'set, τ = θ_harm − θ_finetuned; keep its largest-magnitude entries in each matrix and ' +
      'subtract λ·τ from the fine-tuned matrices. The paper learns τ from the aligned base model ' +
      'on a harmful set and also steers activations at test time; this is the parameter half, ' +
      'learnt from the fine-tuned weights themselves (the direction in which they would become ' +
      'more harmful). On the adapter it acts on A and B; merged, on the full weights.',
    citation:
      'Hazra et al., "Safety Arithmetic: A Framework for Test-time Safety Alignment of Language ' +
      'Models by Steering Parameters and Activations", EMNLP 2024 (Harm Direction Removal).',
    params: SAFETY_ARITHMETIC_PARAMS,
  },
  load: () => import('./safetyArithmetic'),
});
