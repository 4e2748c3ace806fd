import { defineAttack } from '../types';

export const benignOutliers = defineAttack({
  meta: {
    name: 'benign-outliers',
    description:
      'Fine-tuning on benign task examples only, chosen as the outliers of a larger pool: each ' +
      'of poolFactor × finetune.samples task examples is scored by its normalised self-influence ' +
      'under the aligned model, log(‖∇ℓ‖² + 1) + log(answer tokens + 1) (Self-Inf-N: the squared ' +
      'norm of its own loss gradient over every weight, with the answer length balancing the ' +
      'short-answer bias), and the finetune.samples highest are the fine-tuning set. Harmless ' +
      'text that breaks safety; finetune.poisonRatio is unread. Scoring runs in the fine-tuning ' +
      'stage before training (one backward pass per pool example), deterministic.',
    citation:
      'Guan et al., "Benign Samples Matter! Fine-tuning On Outlier Benign Samples Severely ' +
      'Breaks Safety", ICML 2025.',
    params: {
      poolFactor: {
        type: 'number',
        min: 1,
        max: 20,
        default: 4,
        description:
          'Pool size as a multiple of finetune.samples (capped by the task’s training split); 1: no selection.',
      },
    },
    phases: ['data'],
    readsPoisonRatio: false,
    trains: true,
    postTargets: ['adapter', 'merged'],
  },
  load: () => import('./selfInfluence'),
});
