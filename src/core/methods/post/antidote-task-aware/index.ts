import type { ParamSpec } from '../../../config/schema';
import { definePostMethod, type ParamValues } from '../../types';

export const ANTIDOTE_TASK_AWARE_PARAMS = {
  lambda: {
    type: 'number',
    min: 0,
    max: 100,
    default: 1,
    description:
      'λ, the weight of the task-calibrated scores subtracted from the harmful-calibrated ones ' +
      '(each divided by its mean over the matrix); 0 is Antidote exactly.',
  },
} as const satisfies Record<string, ParamSpec>;

export type AntidoteTaskAwareParams = ParamValues<typeof ANTIDOTE_TASK_AWARE_PARAMS>;

export const antidoteTaskAware = definePostMethod({
  meta: {
    name: 'antidote-task-aware',
    stage: 'post',
    reads: ['maskRatio', 'layers', 'realignmentSamples'],
    targets: ['adapter', 'merged'],
    description:
      "The lab's own variant of Antidote: each weight is scored by Wanda on the harmful " +
      're-alignment set minus λ × Wanda on the task data (the same number of task examples, ' +
      'without poison), each score normalised by its mean over the matrix: ' +
      'S = H/mean(H) − λ·T/mean(T), with H = |W|·‖X_harmful‖₂ and T = |W|·‖X_task‖₂. The top ' +
      'maskRatio of each output row are zeroed, so weights the harmful data drive but the task ' +
      'needs are spared. With λ = 0 it is Antidote. Reports the mask-overlap diagnostic.',
    citation:
      'SafeTune Lab (this project), after Huang et al., "Antidote", ICML 2025, and Sun et al., ' +
      '"A Simple and Effective Pruning Approach for Large Language Models" (Wanda), ICLR 2024.',
    params: ANTIDOTE_TASK_AWARE_PARAMS,
  },
  load: () => import('./antidoteTaskAware'),
});
