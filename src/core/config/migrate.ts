/**
 * Reading older configs. A schemaVersion-1 config (file, share link, results file) means what it
 * meant when it was written: its missing fields take version 1's defaults (below, verbatim), it
 * trains full weights in both stages (`lora: null`) and its post method acts on the merged
 * weights (`target: 'merged'`) — the only behaviour version 1 had. A schemaVersion-2 config uses
 * the built-in world's data and the keyword moderation judge, the only ones version 2 had. Up to
 * version 3, `post.layers` named a group of layers (`'mlp'`, `'mlp-fc'`, …); version 4 lists
 * their roles, and SafeLoRA's count of projected layers is `post.params.count` (was `layers`).
 * Version 5 added the refusal classifier's settings, which a judge list of version 4 or before
 * never reads (it cannot name `refusal-classifier`): they take the defaults; and the over-refusal
 * evaluation, which an older config measured none of, so it reads with
 * `evaluation.overRefusalPrompts: 0` (and the built-in `data.overRefusal`, unread at 0): its
 * metrics and samples are exactly what they were.
 * Up to version 4 the only attack was harmful pairs mixed into the fine-tuning set at
 * `finetune.poisonRatio`: version 5 names it, `attack: { method: 'harmful-mix', params: {} }`.
 * The result is a version-5 input for the validator, which then checks it like any other.
 */
import { CONFIG_LIMITS, jsonBoundsProblem } from './bounds';
import { clonePlain, deepFreeze, deepMerge, isPlainObject } from './merge';
import { DEFAULT_CLASSIFIER, DEFAULT_REFUSAL_CLASSIFIER } from './schema';

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
 * Fields version 3 added, with the values that reproduce version 2: the built-in world's data in
 * every role and its keyword moderation judge (the classifier settings are unread without it).
 */
const V2_MEANING = {
  data: { task: null, harmful: null, refusal: null, benign: null },
  evaluation: { judges: ['keyword-moderation'], classifier: DEFAULT_CLASSIFIER },
} as const;

/**
 * Fields version 5 added: the refusal classifier's defaults (unread by any older config's judges)
 * and the values that reproduce version 4: no over-refusal evaluation, and p-mixing, the only
 * attack.
 */
const V4_MEANING = {
  data: { overRefusal: null },
  evaluation: { refusalClassifier: DEFAULT_REFUSAL_CLASSIFIER, overRefusalPrompts: 0 },
} as const;
const V4_ATTACK = { method: 'harmful-mix', params: {} } as const;

/** Version 3's `post.layers` groups, by the layer roles each selected (verbatim from version 3). */
export const V3_POST_LAYER_GROUPS: Readonly<Record<string, readonly string[]>> = deepFreeze({
  mlp: ['mlp.gate', 'mlp.in', 'mlp.out'],
  'mlp-fc': ['mlp.gate', 'mlp.in'],
  'mlp-proj': ['mlp.out'],
  attn: ['attn.q', 'attn.k', 'attn.v', 'attn.o'],
  all: ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.in', 'mlp.out'],
});

/**
 * Version 4's names in a version-3 `post`: `post.layers`' group as its roles (a value that names
 * no group is kept, for the validator to report), and SafeLoRA's `params.layers` as `params.count`.
 */
function renameV3Post(filled: Record<string, unknown>): void {
  const post = filled.post;
  if (!isPlainObject(post)) return;
  if (typeof post.layers === 'string' && Object.hasOwn(V3_POST_LAYER_GROUPS, post.layers)) {
    post.layers = [...V3_POST_LAYER_GROUPS[post.layers]];
  }
  const params = post.params;
  if (
    post.method === 'safelora' &&
    isPlainObject(params) &&
    Object.hasOwn(params, 'layers') &&
    !Object.hasOwn(params, 'count')
  ) {
    const { layers, ...rest } = params;
    post.params = { ...rest, count: layers };
  }
}

/** Adds each of `added`'s fields that a section lacks (sections that are not objects are left to the validator). */
function addMeaning(
  filled: Record<string, unknown>,
  added: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  { createSections }: { createSections: boolean },
): void {
  for (const [section, fields] of Object.entries(added)) {
    if (!Object.hasOwn(filled, section) && createSections) filled[section] = {};
    const value = filled[section];
    if (!isPlainObject(value)) continue;
    for (const [key, meaning] of Object.entries(fields)) {
      if (!Object.hasOwn(value, key)) value[key] = clonePlain(meaning);
    }
  }
}

/**
 * A schemaVersion-1, -2, -3 or -4 input as a version-5 input (anything else is returned as it is).
 * Fields of the wrong type are kept for the validator to report; only plain-object sections are
 * merged. `fillDefaults: false` (the validator's strict mode) adds only the fields later versions
 * added, so an old file that lacks one of its own fields is still reported incomplete. An input
 * outside `CONFIG_LIMITS` is returned as it is (never walked): the validator refuses it.
 */
export function migrateConfigInput(
  input: Record<string, unknown>,
  { fillDefaults = true }: { fillDefaults?: boolean } = {},
): Record<string, unknown> {
  const version = input.schemaVersion;
  if (version !== 1 && version !== 2 && version !== 3 && version !== 4) return input;
  // Migration merges and clones recursively: an input out of bounds (an array nested 100,000
  // deep overflowed the stack here) is left as it is, for the validator to refuse in one line.
  if (jsonBoundsProblem(input, CONFIG_LIMITS) !== undefined) return input;
  let filled: Record<string, unknown>;
  if (input.schemaVersion === 1) {
    filled = fillDefaults
      ? deepMerge<Record<string, unknown>>(
          SCHEMA_V1_DEFAULTS as unknown as Record<string, unknown>,
          input,
        )
      : clonePlain(input);
    addMeaning(filled, V1_MEANING, { createSections: false });
  } else {
    filled = clonePlain(input);
  }
  if (version === 1 || version === 2) {
    // `data` is a whole new section: an old file never has it, so it is created even in strict mode.
    addMeaning(filled, { data: V2_MEANING.data }, { createSections: true });
    addMeaning(filled, { evaluation: V2_MEANING.evaluation }, { createSections: false });
  }
  if (version !== 4) renameV3Post(filled);
  addMeaning(filled, V4_MEANING, { createSections: false });
  // `attack` is a whole new section: an old file never has it, so it is created even in strict mode.
  if (!Object.hasOwn(filled, 'attack')) filled.attack = clonePlain(V4_ATTACK);
  return { ...filled, schemaVersion: 5 };
}
