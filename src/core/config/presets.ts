/**
 * Presets: named stacks of partial configs laid over `DEFAULT_CONFIG`. A preset's stack is its
 * `extends` (each resolved the same way, left to right, a preset reached twice applied once at its
 * first place) followed by its own `patch`. Resolving validates against a `ValidationContext`
 * (the lab's is built by `src/core/lab.ts`, which resolves every preset when it loads, so a broken
 * preset fails at start-up, not in a student's run).
 */
import type { ValidationContext } from './context';
import { applyPatches } from './merge';
import { DEFAULT_CONFIG } from './schema';
import type { DeepPartial, ExperimentConfig } from './schema';
import { closestMatch } from './suggest';
import { ConfigError, validateConfig } from './validate';

export interface Preset {
  name: string;
  description: string;
  /** Presets applied before this one's patch, in order. */
  extends?: readonly string[];
  patch: DeepPartial<ExperimentConfig>;
  /**
   * What the preset needs beyond the built-in world: a model download from the Hub, a WebGPU GPU
   * (`webgpu`: even one row of a step is over wasm's training budget), or one for speed
   * (`webgpu-speed`: on wasm it runs, slowly). Shown wherever presets are listed.
   */
  needs?: readonly PresetNeed[];
  /**
   * A smoke test: it checks that the pipeline runs end to end, and its numbers mean nothing (too
   * little data for any stage to learn). Listed apart from the demo presets.
   */
  smokeTest?: true;
}

export type PresetNeed = 'download' | 'webgpu' | 'webgpu-speed';

export const PRESET_NEED_LABELS: Readonly<Record<PresetNeed, string>> = {
  download: 'needs a model download',
  webgpu: 'needs a WebGPU GPU',
  'webgpu-speed': 'fastest on a WebGPU GPU; runs on wasm too, slowly',
};

/**
 * The reference protocol on a real Hub model: LoRA alignment on the built-in world's refusals,
 * poisoned LoRA fine-tuning on SST-2, Antidote on the adapter. Learning rates are the papers'
 * usual LoRA ranges for 0.1–1B models (alignment 1e-3 as Booster and Vaccine, fine-tuning 1e-4),
 * not tuned here (the lab's test machine has no GPU). Rows are ≤ 256 tokens. The batch is 4 rows,
 * the least the papers' runs use; a step runs in micro-batches of the rows that fit the backend
 * (`train/microBatch.ts`).
 */
function hubPreset(
  name: string,
  base: string,
  batchSize: number,
  gpu: 'webgpu' | 'webgpu-speed',
  description: string,
): Preset {
  return {
    name,
    description,
    needs: ['download', gpu],
    patch: {
      name,
      model: { base },
      alignment: { samples: 1000, epochs: 1, batchSize, lr: 1e-3 },
      finetune: { samples: 500, epochs: 2, batchSize, lr: 1e-4 },
      evaluation: {
        harmfulPrompts: 100,
        benignPrompts: 50,
        helpfulnessPrompts: 50,
        taskPrompts: 100,
        maxNewTokens: 48,
      },
    },
  };
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'antidote-sst2',
    description:
      'The reference experiment (the defaults), run as the papers run it: align with a LoRA ' +
      'adapter merged into the weights, fine-tune a LoRA adapter on SST-2 sentiment with 10% ' +
      'harmful examples, then repair with Antidote on that adapter (zero 10% of each row of the ' +
      "adapter's matrices by Wanda score on re-alignment data).",
    patch: {},
  },
  {
    name: 'antidote-agnews',
    description: 'As antidote-sst2, fine-tuning on AG News topic classification.',
    patch: { name: 'antidote-agnews', finetune: { task: 'agnews' } },
  },
  {
    name: 'antidote-gsm8k',
    description: 'As antidote-sst2, fine-tuning on GSM8K-style arithmetic word problems.',
    patch: { name: 'antidote-gsm8k', finetune: { task: 'gsm8k' } },
  },
  {
    name: 'micro',
    description:
      'Smoke test: checks that the pipeline runs end to end (a few hundred examples, one epoch ' +
      'per stage, small evaluation sets), in about a minute. Its numbers mean nothing: with this ' +
      'little data the aligned model does not learn to refuse and fine-tuning does not learn the ' +
      'task. For a run worth reading, use antidote-sst2.',
    smokeTest: true,
    patch: {
      name: 'micro',
      alignment: { samples: 200, epochs: 1 },
      finetune: { samples: 100, epochs: 1 },
      post: { realignmentSamples: 32 },
      evaluation: {
        harmfulPrompts: 40,
        benignPrompts: 20,
        overRefusalPrompts: 20,
        helpfulnessPrompts: 20,
        taskPrompts: 40,
        maxNewTokens: 24,
        probePrompts: 8,
        keepSamples: 4,
      },
    },
  },
  {
    name: 'micro-agnews',
    description: 'Smoke test: micro on AG News; its numbers mean nothing either.',
    extends: ['antidote-agnews', 'micro'],
    smokeTest: true,
    patch: { name: 'micro-agnews' },
  },
  {
    name: 'bench-sst2',
    description:
      "The defense bench's experiment: SST-2 at p = 0.1 with half the alignment and fine-tuning " +
      'data of the default, smaller evaluation sets, and no post step — so a sweep over every ' +
      'defense and setting fits in a session (about a minute and a half per cold run).',
    patch: {
      name: 'bench-sst2',
      // Half the data: a higher alignment lr and more fine-tuning epochs keep the LoRA stages
      // as effective as the default's (aligned refusal ≈ 90%, fine-tuned FA ≈ 70%).
      alignment: { samples: 1000, lr: 1e-2 },
      finetune: { samples: 500, epochs: 6 },
      post: { method: 'none' },
      evaluation: {
        harmfulPrompts: 100,
        benignPrompts: 50,
        helpfulnessPrompts: 50,
        taskPrompts: 100,
      },
    },
  },
  {
    name: 'no-defense-sst2',
    description: 'The attack alone: antidote-sst2 without any post-fine-tuning repair.',
    patch: { name: 'no-defense-sst2', post: { method: 'none' } },
  },
  {
    name: 'random-prune-sst2',
    description: 'Ablation: prune a random maskRatio of each row instead of the top Wanda scores.',
    patch: { name: 'random-prune-sst2', post: { method: 'random-prune' } },
  },
  {
    name: 'magnitude-prune-sst2',
    description: 'Ablation: prune by weight magnitude |W| alone, without activations.',
    patch: { name: 'magnitude-prune-sst2', post: { method: 'magnitude-prune' } },
  },
  {
    name: 'wanda-benign-sst2',
    description:
      'Ablation: Wanda scores from the benign task data (no poison) instead of the harmful re-alignment set.',
    patch: { name: 'wanda-benign-sst2', post: { method: 'wanda-benign' } },
  },
  {
    name: 'antidote-merged-sst2',
    description:
      "The lab's earlier protocol: the same LoRA fine-tuning, but Antidote prunes the merged " +
      "weights of every linear layer instead of the adapter (cutting into the model's own skills).",
    patch: { name: 'antidote-merged-sst2', post: { target: 'merged' } },
  },
  {
    name: 'full-finetune-sst2',
    description:
      'The same LoRA alignment, then full-weight fine-tuning (every weight changes, as the lab ' +
      'did before schemaVersion 2) and Antidote on the fine-tuned weights of every linear layer.',
    patch: {
      name: 'full-finetune-sst2',
      finetune: { lora: null, lr: 3e-4 },
      post: { target: 'merged' },
    },
  },
  hubPreset(
    'smollm2-135m-sst2',
    'HuggingFaceTB/SmolLM2-135M-Instruct',
    4,
    'webgpu-speed',
    'The reference experiment on a real instruct model, SmolLM2-135M-Instruct (a Llama, 135M ' +
      'parameters, ~270 MB download), with its chat template: LoRA alignment, LoRA fine-tuning on ' +
      'SST-2 with 10% harmful examples, Antidote on the adapter. On wasm it trains one row per pass ' +
      'and keeps the activations of every block (fine-tuning) or of the first 26 of 30 ' +
      '(alignment), recomputing the rest backward; on WebGPU it recomputes every block, and a step ' +
      'of its 4 rows is about 1.3 GB (alignment) and 1.2 GB (fine-tuning) by the estimate.',
  ),
  hubPreset(
    'qwen2.5-0.5b-sst2',
    'Qwen/Qwen2.5-0.5B-Instruct',
    4,
    'webgpu',
    'The reference experiment on Qwen2.5-0.5B-Instruct (494M parameters, ~1 GB download), with ' +
      'its chat template. Its float32 weights alone are 2 GB: on wasm one row per pass took the ' +
      'heap to 3.7 of its 4 GiB (a benchmark at 4 × 256), so it is for a WebGPU GPU.',
  ),
];

export function listPresets(): readonly Preset[] {
  return PRESETS;
}

/** The patches that make up `name`, in the order they are applied over the defaults. */
export function presetStack(
  name: string,
  presets: readonly Preset[] = PRESETS,
): DeepPartial<ExperimentConfig>[] {
  const byName = new Map(presets.map((preset) => [preset.name, preset]));
  const stack: DeepPartial<ExperimentConfig>[] = [];
  const applied = new Set<string>();
  const visit = (current: string, trail: string[], from?: string): void => {
    const preset = byName.get(current);
    if (preset === undefined) {
      const known = presets.map((p) => p.name);
      const suggestion = closestMatch(current, known);
      const hint = suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
      const subject =
        from === undefined ? 'unknown preset' : `preset '${from}' extends unknown preset`;
      throw new Error(`${subject} '${current}' (known: ${known.join(', ')}${hint})`);
    }
    if (trail.includes(current)) {
      throw new Error(`presets extend each other in a cycle: ${[...trail, current].join(' → ')}`);
    }
    if (applied.has(current)) return;
    for (const parent of preset.extends ?? []) visit(parent, [...trail, current], current);
    applied.add(current);
    stack.push(preset.patch);
  };
  visit(name, []);
  return stack;
}

/**
 * The complete config of preset `name`, validated against `ctx` (the lab's: `resolvePreset` in
 * `src/core/lab.ts`). Throws an `Error` naming the valid presets for
 * an unknown name, and a `ConfigError` listing every problem if the merged config is invalid.
 */
export function resolvePresetIn(
  ctx: ValidationContext,
  name: string,
  presets: readonly Preset[] = PRESETS,
): ExperimentConfig {
  const merged = applyPatches(DEFAULT_CONFIG, presetStack(name, presets));
  const result = validateConfig(merged, ctx);
  if (!result.ok) throw new ConfigError(`preset '${name}' is not a valid config`, result.errors);
  return result.config;
}

/** Throws unless names are unique and every preset resolves to a valid config. */
export function checkPresets(presets: readonly Preset[], ctx: ValidationContext): void {
  const seen = new Set<string>();
  for (const preset of presets) {
    if (seen.has(preset.name)) throw new Error(`preset '${preset.name}' is defined twice`);
    seen.add(preset.name);
    resolvePresetIn(ctx, preset.name, presets);
  }
}
