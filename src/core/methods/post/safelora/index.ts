import type { ParamSpec } from '../../../config/schema';
import { definePostMethod, type ParamValues } from '../../types';

export const SAFELORA_PARAMS = {
  select: {
    type: 'enum',
    values: ['threshold', 'count'],
    default: 'threshold',
    description:
      'threshold: project every layer whose similarity is ≤ threshold (the paper); count: ' +
      'project the `count` least similar ones (the official code’s "number").',
  },
  threshold: {
    type: 'number',
    min: -1,
    max: 1,
    default: 0.5,
    description: 'Cosine-similarity threshold τ (official SafeLoRAConfig default 0.5).',
  },
  count: {
    type: 'integer',
    min: 0,
    max: 1000,
    default: 2,
    description:
      'Matrices projected when select is count (official default 10 of Llama-2’s 64 LoRA ' +
      'matrices ≈ 16%; 2 of the 8 in safetune-base).',
  },
} as const satisfies Record<string, ParamSpec>;

export type SafeLoraParams = ParamValues<typeof SAFELORA_PARAMS>;

export const safelora = definePostMethod({
  meta: {
    name: 'safelora',
    stage: 'post',
    reads: ['layers'],
    targets: ['adapter', 'merged'],
    description:
      'Safe LoRA on full weights: for each selected linear layer, the alignment direction ' +
      'V = W_aligned − W_base gives the matrix C = VVᵀ/‖V‖_F, and the fine-tuning update ' +
      'ΔW = W_finetuned − W_aligned is projected onto it. Layers whose projected update is least ' +
      'similar (cosine) to the update itself — the ones fine-tuning moved furthest from the ' +
      'alignment direction — are reset to W_aligned + C·ΔW; the others keep their update. ' +
      'Training-free and data-free: it needs only the base and aligned checkpoints.',
    citation:
      'Hsu et al., "Safe LoRA: the Silver Lining of Reducing Safety Risks when Fine-tuning Large ' +
      'Language Models", NeurIPS 2024.',
    params: SAFELORA_PARAMS,
  },
  load: () => import('./safelora'),
});
