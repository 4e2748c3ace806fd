import type { ParamSpec } from '../../../config/schema';
import { definePostMethod, type ParamValues } from '../../types';

export const SAFEMERGE_PARAMS = {
  threshold: {
    type: 'number',
    min: -1,
    max: 1,
    default: 0.5,
    description:
      'Cosine-similarity threshold τ: a layer whose update is less similar than τ to its ' +
      'projection on the alignment subspace is merged (the paper uses 0.3–0.7; 0.5 flags ' +
      'what SafeLoRA’s default flags, so the two differ only in the repair).',
  },
  alpha: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.5,
    description:
      'Weight α of the fine-tuned update in a merged layer, ΔW ← α·ΔW_finetuned + (1 − α)·ΔW_safe ' +
      '(ΔW_safe = 0: the aligned weights); 0 falls back to the aligned layer, 1 keeps the fine-tuned update.',
  },
} as const satisfies Record<string, ParamSpec>;

export type SafeMergeParams = ParamValues<typeof SAFEMERGE_PARAMS>;

export const safemerge = definePostMethod({
  meta: {
    name: 'safemerge',
    stage: 'post',
    reads: ['layers'],
    targets: ['adapter', 'merged'],
    description:
      'SafeMERGE: per layer, measure how far fine-tuning drifted from safety as SafeLoRA does — ' +
      'the cosine similarity of the fine-tuning update ΔW with its projection ΔW·C on the ' +
      'alignment subspace C = VᵀV/‖V‖_F, V = W_aligned − W_base — and, in the layers below the ' +
      'threshold, merge the fine-tuned layer with the safe one: ΔW ← α·ΔW. The safe model is ' +
      'the aligned checkpoint (the paper fine-tunes a separate safety LoRA; here the aligned ' +
      'model is already the safe one, so its update is 0). On the adapter ΔW = s·A·B and a ' +
      'merged role gets B ← α·B; on the merged weights ΔW = W_finetuned − W_aligned and a merged ' +
      'matrix becomes W_aligned + α·ΔW. Layers above the threshold keep their update.',
    citation:
      'Djuhera et al., "SafeMERGE: Preserving Safety Alignment in Fine-Tuned Large Language ' +
      'Models via Selective Layer-Wise Model Merging", 2025 (arXiv:2503.17239).',
    params: SAFEMERGE_PARAMS,
  },
  load: () => import('./safemerge'),
});
