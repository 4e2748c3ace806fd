/**
 * Reading older configs. A schemaVersion-1 config (file, share link, results file) means what it
 * meant when it was written: its missing fields take version 1's defaults (below, verbatim), it
 * trains full weights in both stages (`lora: null`) and its post method acts on the merged
 * weights (`target: 'merged'`) — the only behaviour version 1 had. The result is a version-2 input
 * for the validator, which then checks it like any other.
 */
import { clonePlain, deepFreeze, deepMerge, isPlainObject } from './merge';

/** `DEFAULT_CONFIG` of schemaVersion 1, frozen: what a version-1 file's missing fields meant. */
export const SCHEMA_V1_DEFAULTS = deepFreeze({
  schemaVersion: 1,
  name: 'antidote-sst2',
  seed: 1,
  model: { base: 'safetune-base' },
  alignment: {
    method: 'sft',
    samples: 2000,
    harmfulFraction: 0.5,
    lr: 1e-3,
    epochs: 2,
    batchSize: 16,
    schedule: 'cosine',
    warmupFraction: 0.05,
    weightDecay: 0,
    maxGradNorm: 1,
    params: {},
  },
  finetune: {
    method: 'sft',
    task: 'sst2',
    samples: 1000,
    poisonRatio: 0.1,
    lr: 3e-4,
    epochs: 5,
    batchSize: 16,
    schedule: 'cosine',
    warmupFraction: 0.05,
    weightDecay: 0,
    maxGradNorm: 1,
    params: {},
  },
  post: { method: 'antidote', maskRatio: 0.1, layers: 'mlp', realignmentSamples: 200, params: {} },
  evaluation: {
    harmfulPrompts: 200,
    benignPrompts: 100,
    helpfulnessPrompts: 100,
    taskPrompts: 200,
    maxNewTokens: 40,
    probeEvery: 0,
    probePrompts: 20,
    keepSamples: 10,
  },
  runtime: { backend: 'auto' },
});

/** Fields version 2 added, with the values that reproduce version 1. */
const V1_MEANING = {
  alignment: { lora: null },
  finetune: { lora: null },
  post: { target: 'merged' },
} as const;

/**
 * A schemaVersion-1 input as a version-2 input (anything else is returned as it is). Fields of
 * the wrong type are kept for the validator to report; only plain-object sections are merged.
 * `fillDefaults: false` (the validator's strict mode) adds only the fields version 2 added, so a
 * version-1 file that lacks one of its own fields is still reported incomplete.
 */
export function migrateConfigInput(
  input: Record<string, unknown>,
  { fillDefaults = true }: { fillDefaults?: boolean } = {},
): Record<string, unknown> {
  if (input.schemaVersion !== 1) return input;
  const filled = fillDefaults
    ? deepMerge<Record<string, unknown>>(
        SCHEMA_V1_DEFAULTS as unknown as Record<string, unknown>,
        input,
      )
    : clonePlain(input);
  for (const [section, added] of Object.entries(V1_MEANING)) {
    const value = filled[section];
    if (!isPlainObject(value)) continue;
    for (const [key, meaning] of Object.entries(added)) {
      if (!Object.hasOwn(value, key)) value[key] = meaning;
    }
  }
  return { ...filled, schemaVersion: 2 };
}
