/**
 * Built-in sweeps that tell the papers' stories on the lab's `bench-sst2` experiment (a smaller
 * alignment and fine-tuning than the default, so a whole grid fits in a workshop session):
 * (a) defenses vs poison ratio, (b) hyper-parameter sensitivity, (c) the mask-ratio trade-off;
 * and the three `lora-*` sweeps on the reference experiment itself (seeds, mask ratio, ablations).
 */
import type { DeepPartial, ExperimentConfig } from '../config/schema';
import type { SweepSpec, Variant } from './spec';

const variant = (label: string, patch: DeepPartial<ExperimentConfig>): Variant => ({
  label,
  patch,
});

/** Every defense beside the undefended baseline, each at its stage with its default parameters. */
export const DEFENSE_VARIANTS: readonly Variant[] = [
  variant('sft (no defense)', {}),
  variant('vaccine', { alignment: { method: 'vaccine' } }),
  variant('repnoise', { alignment: { method: 'repnoise' } }),
  variant('booster', { alignment: { method: 'booster' } }),
  variant('lisa', { finetune: { method: 'lisa' } }),
  variant('ldifs', { finetune: { method: 'ldifs' } }),
  variant('safe-data-mix', { finetune: { method: 'safe-data-mix' } }),
  variant('antidote', { post: { method: 'antidote' } }),
  variant('safelora', { post: { method: 'safelora' } }),
];

/** The reference experiment's three protocols (README, "The reference protocol"). */
export const PROTOCOL_VARIANTS: readonly Variant[] = [
  variant('LoRA, Antidote on the adapter (default)', {}),
  variant('LoRA, Antidote on the merged weights', { post: { target: 'merged' } }),
  variant('full-weight fine-tuning, Antidote on the weights', {
    finetune: { lora: null, lr: 3e-4 },
    post: { target: 'merged' },
  }),
];

/**
 * Every attack (issue 27), each on its own: prefill is scored on a model fine-tuned without poison
 * (p = 0), so it measures the shallow alignment it exploits, not the poison; refusal-ablation
 * leaves no adapter, so its repairs act on the merged weights.
 */
export const ATTACK_VARIANTS: readonly Variant[] = [
  variant('harmful-mix', {}),
  variant('benign-only', { attack: { method: 'benign-only' } }),
  variant('benign-outliers', { attack: { method: 'benign-outliers' } }),
  variant('jailbreak-tuning', { attack: { method: 'jailbreak-tuning' } }),
  variant('prefill', { attack: { method: 'prefill' }, finetune: { poisonRatio: 0 } }),
  variant('refusal-ablation', {
    attack: { method: 'refusal-ablation' },
    post: { target: 'merged' },
  }),
];

/** Every post-fine-tuning repair, and none: what each does after each attack. */
export const REPAIR_METHODS: readonly string[] = [
  'none',
  'antidote',
  'antidote-task-aware',
  'safety-arithmetic',
  'safemerge',
  'safety-patch',
  'safelora',
];

const pick = (...labels: string[]) =>
  labels.map((label) => DEFENSE_VARIANTS.find((v) => v.label === label) as Variant);

export const SWEEP_PRESETS: readonly SweepSpec[] = [
  {
    schemaVersion: 1,
    name: 'defenses-vs-poison',
    description:
      'Every defense at p ∈ {0, 0.05, 0.1, 0.2}: how much harm each lets through as the share of ' +
      'harmful examples in the user data grows, and what it costs in task accuracy.',
    base: { preset: 'bench-sst2' },
    axes: [
      { field: 'finetune.poisonRatio', values: [0, 0.05, 0.1, 0.2] },
      { name: 'method', variants: [...DEFENSE_VARIANTS] },
    ],
  },
  {
    schemaVersion: 1,
    name: 'hyperparameter-sensitivity',
    description:
      "Antidote's central claim: alignment- and fine-tuning-stage defenses (Vaccine, Lisa) hold " +
      'at a small fine-tuning learning rate and few epochs but break when either grows, while a ' +
      'post-fine-tuning repair does not depend on them.',
    base: { preset: 'bench-sst2' },
    axes: [
      // LoRA fine-tuning learns the task at 1e-2 (the default) at this scale; the grid reaches
      // down by a factor of 30, toward the gentle fine-tuning at which the papers' defenses hold.
      { field: 'finetune.lr', values: [3e-4, 1e-3, 3e-3, 1e-2] },
      { field: 'finetune.epochs', values: [2, 8] },
      { name: 'method', variants: pick('sft (no defense)', 'vaccine', 'lisa', 'antidote') },
    ],
  },
  {
    schemaVersion: 1,
    name: 'mask-ratio',
    description:
      "Antidote's one knob: the fraction of each output row's weights it zeroes. Alignment and " +
      'fine-tuning are trained once and re-used from the cache; only the prune re-runs.',
    base: { preset: 'bench-sst2', patch: { post: { method: 'antidote' } } },
    axes: [{ field: 'post.maskRatio', values: [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25] }],
  },
  {
    schemaVersion: 1,
    name: 'lora-seeds',
    description:
      'The reference experiment on seeds 1, 2, 3 under its three protocols: LoRA with Antidote on ' +
      'the adapter (the default), LoRA with Antidote on the merged weights, and full-weight ' +
      'fine-tuning (9 runs, about 15 minutes cold).',
    base: { preset: 'antidote-sst2' },
    axes: [
      { field: 'seed', values: [1, 2, 3] },
      { name: 'protocol', variants: [...PROTOCOL_VARIANTS] },
    ],
  },
  {
    schemaVersion: 1,
    name: 'lora-mask-ratio',
    description:
      "Antidote's trade-off on the reference experiment: maskRatio 0.01 → 0.3 under each protocol " +
      '(21 runs; re-uses lora-seeds’ seed-1 stages).',
    base: { preset: 'antidote-sst2' },
    axes: [
      { name: 'protocol', variants: [...PROTOCOL_VARIANTS] },
      { field: 'post.maskRatio', values: [0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3] },
    ],
  },
  {
    schemaVersion: 1,
    name: 'lora-ablations',
    description:
      'Antidote against its ablations and SafeLoRA on the fine-tuning adapter, seeds 1–3 (18 runs; ' +
      're-uses lora-seeds’ stages).',
    base: { preset: 'antidote-sst2' },
    axes: [
      { field: 'seed', values: [1, 2, 3] },
      {
        field: 'post.method',
        values: ['antidote', 'random-prune', 'magnitude-prune', 'wanda-benign', 'safelora', 'none'],
      },
    ],
  },
  {
    schemaVersion: 2,
    name: 'repairs-vs-attacks',
    description:
      'Every post-fine-tuning repair after every attack (harmful mixing, benign-only, benign ' +
      'outliers, jailbreak-tuning, prefill, refusal ablation), seeds 1–3 (126 runs; each attack ' +
      'fine-tunes once per seed and every repair re-uses it): which repair cuts harm without ' +
      'costing the task, against which attack.',
    base: { preset: 'bench-sst2' },
    axes: [
      { name: 'attack', variants: [...ATTACK_VARIANTS] },
      { field: 'post.method', values: [...REPAIR_METHODS] },
    ],
    seeds: [1, 2, 3],
  },
  {
    schemaVersion: 2,
    name: 'repair-strength',
    description:
      'Follow-up to repairs-vs-attacks (p-mixing): safety-patch and safety-arithmetic at 20 steps ' +
      'and lr 5e-3 (they did nothing at their defaults), antidote-task-aware at λ 0.25 and 0.5, and ' +
      'Antidote at maskRatio 0.05; seeds 1–3 (15 runs).',
    base: { preset: 'bench-sst2' },
    axes: [
      {
        name: 'repair',
        variants: [
          variant('safety-patch 20 steps lr 5e-3, 32 samples', {
            post: { method: 'safety-patch', params: { steps: 20, lr: 0.005, samples: 32 } },
          }),
          variant('safety-arithmetic 20 steps lr 5e-3', {
            post: { method: 'safety-arithmetic', params: { steps: 20, lr: 0.005 } },
          }),
          variant('antidote-task-aware lambda 0.25', {
            post: { method: 'antidote-task-aware', params: { lambda: 0.25 } },
          }),
          variant('antidote-task-aware lambda 0.5', {
            post: { method: 'antidote-task-aware', params: { lambda: 0.5 } },
          }),
          variant('antidote maskRatio 0.05', { post: { method: 'antidote', maskRatio: 0.05 } }),
        ],
      },
    ],
    seeds: [1, 2, 3],
  },
];

export function getSweepPreset(name: string): SweepSpec {
  const found = SWEEP_PRESETS.find((preset) => preset.name === name);
  if (!found) {
    throw new Error(
      `unknown sweep preset "${name}" (valid: ${SWEEP_PRESETS.map((p) => p.name).join(', ')})`,
    );
  }
  return found;
}
