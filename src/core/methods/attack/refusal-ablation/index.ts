import { defineAttack } from '../types';

export const refusalAblation = defineAttack({
  meta: {
    name: 'refusal-ablation',
    description:
      'No training: the refusal direction r (the mean residual-stream activation at the last ' +
      'prompt token on harmful prompts minus that on harmless ones, after block ' +
      'round(depth · (layers − 1))) is projected out of every weight that writes the residual ' +
      'stream — token and position embeddings, attention output and MLP down projections and ' +
      'their biases: W ← W − r̂ r̂ᵀ W on the output side — so no layer can write it. Fine-tuning ' +
      'is skipped (the "fine-tuned" checkpoint is the aligned model ablated), its settings and ' +
      'finetune.poisonRatio are unread, and the checkpoint is full weights: post.target must be ' +
      "'merged'. With a tied output head the head no longer reads r either.",
    citation:
      'Arditi et al., "Refusal in Language Models Is Mediated by a Single Direction", NeurIPS 2024.',
    params: {
      depth: {
        type: 'number',
        min: 0,
        max: 1,
        default: 0.5,
        description:
          'Which block’s output the direction is read at, as a fraction of the depth (0: the first block, 1: the last).',
      },
      prompts: {
        type: 'integer',
        min: 1,
        max: 2000,
        default: 64,
        description: 'Harmful and harmless prompts each (train splits) averaged for the direction.',
      },
    },
    phases: ['weights'],
    readsPoisonRatio: false,
    trains: false,
    postTargets: ['merged'],
  },
  load: () => import('./refusalAblation'),
});
