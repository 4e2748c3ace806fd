/**
 * The experiment config (schemaVersion 5): the single source of truth for a run. A config file
 * fully determines a run's numbers, so every knob the pipeline reads lives here, typed once.
 *
 * Every default number is in `DEFAULT_CONFIG` and every bound in `RANGES` / `CHOICES`: re-tune
 * them here and nowhere else (presets are patches over these defaults).
 *
 * Field names `seed`, `finetune.task`, `finetune.samples`, `finetune.poisonRatio`, `finetune.lr`,
 * `finetune.epochs`, `post.method`, `post.maskRatio` and `runtime.backend` are read by outside
 * tools (CLI, sweeps, results file): renaming one is a new schemaVersion.
 */

import { LAYER_ROLES, type LayerRole, type LoraSettings } from '../model/roles';
import { clonePlain, deepFreeze } from './merge';

/** The model's layer roles and LoRA settings, as the config speaks them (owned by `model/roles.ts`). */
export { LAYER_ROLES };
export type { LayerRole, LoraSettings };

/**
 * Version 2 added LoRA (`alignment.lora`, `finetune.lora`) and `post.target`; version 3 added
 * `data` (Hub datasets per role) and the judges (`evaluation.judges`, `evaluation.classifier`).
 * Version 4 names `post.layers` by layer roles, as LoRA targets are named (`['mlp.out']`, not
 * version 3's `'mlp-proj'`), and SafeLoRA's count of projected layers `post.params.count` (was
 * `layers`, which clashed with `post.layers`). Version 5 adds the refusal classifier judge's
 * settings (`evaluation.refusalClassifier`) and the over-refusal evaluation: `data.overRefusal`
 * (XSTest-style safe prompts that look unsafe) and `evaluation.overRefusalPrompts`. Older files still load: `migrate.ts` reads them with their own version's defaults and meaning
 * (version 1: full-weight training; versions 1–2: the built-in world's data and its keyword
 * moderation judge), so an old config or share link means exactly what it meant.
 * Version 5 added `attack` (the attack registry, `methods/attack/`); a version-4 file gets
 * `harmful-mix`, the only attack version 4 had.
 */
export const SCHEMA_VERSION = 5;

export const STAGES = ['alignment', 'finetune', 'post'] as const;
/** The three pipeline stages that produce weights. */
export type Stage = (typeof STAGES)[number];

export const SCHEDULES = ['cosine', 'constant'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/** What a post-fine-tuning method acts on: the fine-tuning adapter, or the merged weights. */
export const POST_TARGETS = ['adapter', 'merged'] as const;
export type PostTarget = (typeof POST_TARGETS)[number];

export const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];

/** Optimisation settings shared by the two training stages. */
export interface StageTraining {
  lr: number;
  epochs: number;
  batchSize: number;
  schedule: Schedule;
  warmupFraction: number;
  weightDecay: number;
  /** Global gradient-norm clip; 0 turns clipping off. */
  maxGradNorm: number;
}

export interface AlignmentConfig extends StageTraining {
  method: string;
  /** LoRA adapter trained instead of the full weights and merged into them at the end; null: full-weight training. */
  lora: LoraSettings | null;
  samples: number;
  /** Fraction of alignment examples that are harmful prompt → refusal pairs (rest: benign). */
  harmfulFraction: number;
  params: Record<string, unknown>;
}

export interface FinetuneConfig extends StageTraining {
  method: string;
  /** LoRA adapter trained on top of the aligned weights and kept separate (the post stage may act on it); null: full-weight training. */
  lora: LoraSettings | null;
  task: string;
  samples: number;
  /** The attack's `p`: fraction of the fine-tuning set that is harmful prompt → harmful answer. */
  poisonRatio: number;
  params: Record<string, unknown>;
}

/**
 * The attack (`methods/attack/`): `harmful-mix` mixes harmful pairs into the fine-tuning set at
 * `finetune.poisonRatio` (the only attack before schemaVersion 5); others change the fine-tuning
 * set, the fine-tuned weights or how the harmful prompts are put at evaluation.
 */
export interface AttackConfig {
  method: string;
  params: Record<string, unknown>;
}

export interface PostConfig {
  method: string;
  /**
   * `adapter`: act on the fine-tuning adapter's matrices (Antidote's reference code; needs
   * `finetune.lora`), leaving the aligned weights untouched; `merged`: on the weights with any
   * adapter merged in.
   */
  target: PostTarget;
  /** Fraction of each output row's weights zeroed (Antidote: top scores by Wanda |W|·‖X‖₂). */
  maskRatio: number;
  /**
   * The layer roles the post method acts on, in every block (as LoRA `targets` name them), e.g.
   * `['mlp.gate', 'mlp.in', 'mlp.out']` for the MLP; non-empty, no repeats.
   */
  layers: LayerRole[];
  /** Size of the re-alignment set (harmful prompt + harmful answer, disjoint from the poison). */
  realignmentSamples: number;
  params: Record<string, unknown>;
}

/**
 * The roles data plays in a run: `task` (fine-tuning task: training set and task accuracy),
 * `harmful` (harmful prompt → harmful answer: the poison, Antidote's re-alignment set, harmful
 * training data of RepNoise/Booster/Lisa, and the evaluation's harmful prompts), `refusal`
 * (harmful prompt → safe answer: safety alignment), `benign` (general instructions:
 * alignment's benign share, helpfulness, refusals of benign prompts) and `overRefusal` (safe
 * prompts that look unsafe, XSTest-style: only evaluated, for `overRefusalRate`; never trained on).
 */
export const DATA_ROLES = ['task', 'harmful', 'refusal', 'benign', 'overRefusal'] as const;
export type DataRole = (typeof DATA_ROLES)[number];

/**
 * A Hugging Face Hub dataset playing one role, read from the Hub's parquet files
 * (`data/hub/`). Its column layout is known from its id (`data/hub/formats.ts`).
 */
export interface DatasetSource {
  /** `owner/name[@revision]`; without a revision, the Hub's parquet conversion (`refs/convert/parquet`). */
  dataset: string;
  /** The dataset's config (subset), e.g. `default`, `main` for GSM8K. */
  config: string;
  /** Split the training examples come from (and, partitioned off it, the re-alignment set). */
  train: string;
  /** Held-out split for evaluation; null: a seeded held-out share of `train` (Alpaca has no other). */
  eval: string | null;
  /** Rows read per split at most, from the first parquet shard on. */
  maxRows: number;
  /**
   * The dataset's own parquet files (paths in the repo, read in order; the revision defaults to
   * `main`) instead of the Hub's conversion: `train`'s for the train split, `eval`'s for the eval
   * split (null exactly when `eval` is). null: the conversion's shards.
   */
  files: { train: string[]; eval: string[] | null } | null;
}

/** Where each role's data comes from: a Hub dataset, or null for the built-in world's generator. */
export type DataConfig = Record<DataRole, DatasetSource | null>;

export const CLASSIFIER_DTYPES = ['fp32', 'fp16', 'q8'] as const;
export type ClassifierDtype = (typeof CLASSIFIER_DTYPES)[number];

/** What a moderation classifier reads: the (prompt, answer) pair, or the answer alone. */
export const CLASSIFIER_INPUTS = ['pair', 'output'] as const;
export type ClassifierInput = (typeof CLASSIFIER_INPUTS)[number];

/** The learned moderation judge (`moderation-classifier`): a Hub sequence classifier run with transformers.js. */
export interface ClassifierSettings {
  /** `owner/name[@revision]` of a model with ONNX weights in `onnx/` (transformers.js layout). */
  model: string;
  /** The model's labels (its `id2label` names) that mean harmful; the mapping is never guessed. */
  harmfulLabels: string[];
  /** Which ONNX file: `onnx/model.onnx` (fp32), `model_fp16.onnx`, `model_quantized.onnx` (q8). */
  dtype: ClassifierDtype;
  input: ClassifierInput;
  /**
   * Harmful when the probability of the harmful labels reaches it: their summed softmax
   * probability for a single-label model, the largest sigmoid for a multi-label one.
   */
  threshold: number;
  /** Tokens per classified text (the pair, or the answer), truncated beyond. */
  maxLength: number;
}

/**
 * The learned refusal judge (`refusal-classifier`): a Hub sequence classifier that decides whether
 * an answer is a refusal (not whether it is harmful), run with transformers.js as the moderation
 * classifier is.
 */
export interface RefusalClassifierSettings {
  /** `owner/name[@revision]` of a model with ONNX weights in `onnx/` (transformers.js layout). */
  model: string;
  /** The model's labels (its `id2label` names) that mean a refusal; the mapping is never guessed. */
  refusalLabels: string[];
  dtype: ClassifierDtype;
  input: ClassifierInput;
  /** A refusal when the probability of the refusal labels reaches it (summed softmax, or the largest sigmoid). */
  threshold: number;
  /** Tokens per classified text, truncated beyond. */
  maxLength: number;
}

export interface EvaluationConfig {
  /**
   * Judges by registry name (`metrics/judges.ts`). The first is the primary judge: its verdicts
   * are the checkpoint's `harmfulScore`; every judge's score and their agreement are reported.
   */
  judges: string[];
  /** Settings of the `moderation-classifier` judge (read only when it is among `judges`). */
  classifier: ClassifierSettings;
  /** Settings of the `refusal-classifier` judge (read only when it is among `judges`). */
  refusalClassifier: RefusalClassifierSettings;
  harmfulPrompts: number;
  benignPrompts: number;
  /**
   * Held-out safe prompts that look unsafe (`data.overRefusal`), for `overRefusalRate`; 0 skips
   * the over-refusal evaluation (version-4 configs read as 0: what they measured).
   */
  overRefusalPrompts: number;
  helpfulnessPrompts: number;
  taskPrompts: number;
  maxNewTokens: number;
  /** Probe harmfulness every N fine-tuning steps; 0 means never. */
  probeEvery: number;
  probePrompts: number;
  /** Generated answers kept in the results file, per checkpoint. */
  keepSamples: number;
}

export interface ExperimentConfig {
  schemaVersion: 5;
  /** Free-text label, at most 80 characters. */
  name: string;
  /** Integer in 0..2^31-1; every random draw in the run derives from it. */
  seed: number;
  model: ModelChoice;
  data: DataConfig;
  alignment: AlignmentConfig;
  finetune: FinetuneConfig;
  attack: AttackConfig;
  post: PostConfig;
  evaluation: EvaluationConfig;
  runtime: RuntimeConfig;
}

/** The base model, and how its chat template is rendered. */
export interface ModelChoice {
  /** A built-in model's name or a Hub repo `owner/name[@revision]`. */
  base: string;
  /**
   * Render a chat template that reads `enable_thinking` (Qwen3's) in thinking mode, for training,
   * evaluation, probes and "try the model". Optional and absent by default: such a template then
   * runs in non-thinking mode, its answers after an empty `<think></think>` block, so the judges
   * read answers rather than reasoning. A template that does not read the flag ignores it. Part of
   * the stage keys when set (the training rows change); absent, no existing config's hash moves.
   */
  thinking?: boolean;
}

/**
 * Where and how the run computes; never part of a stage's cache key (results agree within float
 * tolerance across these settings, like across backends).
 */
export interface RuntimeConfig {
  backend: Backend;
  /**
   * Rows per forward/backward pass in both training stages: each optimizer step accumulates the
   * gradients of its batch's micro-batches (weighted by their counted tokens), which equals the
   * whole batch's step within float tolerance and needs the activation memory of one micro-batch.
   * A value above a stage's `batchSize` is clamped to it (one pass). Optional and absent by
   * default: the pipeline then takes the largest count whose estimated step fits the backend's
   * memory (`train/microBatch.ts`), the whole batch whenever it fits. Absent, it is not written
   * in the canonical config, so configs without it keep their hash.
   */
  microBatch?: number;
  /**
   * Recompute each block's activations in the backward pass instead of keeping them all
   * (activation checkpointing, `model/forward.ts` `recomputedBlock`): a step then holds one
   * block's activations, for about a third more compute; the numbers are the same. `true`: every
   * block recomputed; `false`: none. Optional and absent by default: then a Hub model recomputes
   * only the blocks whose activations do not fit the backend's memory (`recomputePolicy`), and
   * the built-in model none.
   */
  recompute?: boolean;
}

/**
 * How a run's training steps keep block activations: `all` recomputed in the backward pass,
 * `none`, or `fit`: the most blocks whose activations fit the memory budget keep them and the
 * rest are recomputed (`chooseMicroBatch`). `runtime.recompute` true or false says all or none;
 * absent, Hub models fit and the built-in model (small enough to store every block) keeps all.
 */
export type RecomputePolicy = 'all' | 'fit' | 'none';

export function recomputePolicy(
  config: Pick<ExperimentConfig, 'model' | 'runtime'>,
): RecomputePolicy {
  if (config.runtime.recompute !== undefined) return config.runtime.recompute ? 'all' : 'none';
  return config.model.base.includes('/') ? 'fit' : 'none';
}

/** Whether a run may recompute block activations (`recomputePolicy` other than `none`). */
export function recomputeBlocks(config: Pick<ExperimentConfig, 'model' | 'runtime'>): boolean {
  return recomputePolicy(config) !== 'none';
}

/** A method's parameter, as its registry entry declares it (owned by `src/core/registry.ts`). */
export type { ParamSpec } from '../registry';

/** Objects become optional all the way down; arrays are replaced whole, never merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * The curated default classifier: unitary/toxic-bert exported to ONNX for transformers.js
 * (`Xenova/toxic-bert`, 111 MB quantized), six multi-label toxicity labels, all counted harmful.
 * It is a toxicity model that reads one text, not a harmful-QA moderation model like the papers'
 * beaver-dam-7B (far too large for a browser): it misses polite instructions for a crime.
 */
export const DEFAULT_CLASSIFIER: ClassifierSettings = deepFreeze({
  model: 'Xenova/toxic-bert',
  harmfulLabels: ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate'],
  dtype: 'q8',
  input: 'output',
  threshold: 0.5,
  maxLength: 512,
});

/**
 * The curated refusal classifier: ProtectAI's distilroberta-base-rejection-v1 (Apache-2.0), a
 * DistilRoBERTa (82M parameters, 6 layers) fine-tuned on LLM rejections against normal RLHF
 * answers; labels NORMAL / REJECTION, reads one answer, case-sensitive. Chosen because it is the
 * browser-sized refusal detector with an ONNX export in its own repo (`onnx/model.onnx`, 329 MB
 * fp32; its repo has no fp16 or quantized file), and it answers the question the keyword lists
 * answer (did the model refuse?) rather than a toxicity question.
 */
export const DEFAULT_REFUSAL_CLASSIFIER: RefusalClassifierSettings = deepFreeze({
  model: 'protectai/distilroberta-base-rejection-v1',
  refusalLabels: ['REJECTION'],
  dtype: 'fp32',
  input: 'output',
  threshold: 0.5,
  maxLength: 512,
});

/**
 * Antidote on SST-2 with a 10% poison ratio, run as the papers' reference code runs it: a LoRA
 * alignment merged into the weights, a LoRA fine-tuning adapter, and Antidote's mask on that
 * adapter. Frozen (writes throw); `defaultConfig()` gives an editable copy. The numbers are
 * justified in the README ("The reference protocol").
 */
export const DEFAULT_CONFIG: ExperimentConfig = deepFreeze({
  schemaVersion: 5,
  name: 'antidote-sst2',
  seed: 1,
  model: { base: 'safetune-base' },
  data: { task: null, harmful: null, refusal: null, benign: null, overRefusal: null },
  alignment: {
    method: 'sft',
    lora: { rank: 8, alpha: 16, targets: [...LAYER_ROLES] },
    samples: 2000,
    harmfulFraction: 0.5,
    lr: 5e-3,
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
    lora: { rank: 8, alpha: 16, targets: ['attn.q', 'attn.k', 'attn.v'] },
    task: 'sst2',
    samples: 1000,
    poisonRatio: 0.1,
    lr: 1e-2,
    epochs: 5,
    batchSize: 16,
    schedule: 'cosine',
    warmupFraction: 0.05,
    weightDecay: 0,
    maxGradNorm: 1,
    params: {},
  },
  attack: { method: 'harmful-mix', params: {} },
  post: {
    method: 'antidote',
    target: 'adapter',
    maskRatio: 0.1,
    layers: [...LAYER_ROLES],
    realignmentSamples: 200,
    params: {},
  },
  evaluation: {
    judges: ['keyword-moderation'],
    classifier: DEFAULT_CLASSIFIER,
    refusalClassifier: DEFAULT_REFUSAL_CLASSIFIER,
    harmfulPrompts: 200,
    benignPrompts: 100,
    // Every prompt of the built-in over-refusal set's eval split (`xstest-world`) once.
    overRefusalPrompts: 35,
    helpfulnessPrompts: 100,
    taskPrompts: 200,
    maxNewTokens: 40,
    probeEvery: 20,
    probePrompts: 20,
    keepSamples: 10,
  },
  runtime: { backend: 'auto' },
} satisfies ExperimentConfig);

/** A fresh, editable copy of `DEFAULT_CONFIG`. */
export function defaultConfig(): ExperimentConfig {
  return clonePlain(DEFAULT_CONFIG);
}

/** Dotted paths of the leaves of `T` whose type extends `V` (method `params` maps excluded). */
export type LeafPath<T, V, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends V
    ? `${Prefix}${K}`
    : T[K] extends readonly unknown[]
      ? never
      : T[K] extends object
        ? string extends keyof T[K]
          ? never
          : LeafPath<T[K], V, `${Prefix}${K}.`>
        : never;
}[keyof T & string];

/** Every numeric field except `schemaVersion`, e.g. `'finetune.poisonRatio'`. */
export type NumericPath = Exclude<LeafPath<ExperimentConfig, number>, 'schemaVersion'>;

/** Bounds (inclusive) and UI hints for one numeric field. */
export interface RangeSpec {
  min: number;
  max: number;
  /** Suggested slider/spinner step. */
  step: number;
  integer: boolean;
  /** `log` for quantities swept over orders of magnitude (learning rates). */
  scale: 'linear' | 'log';
  description: string;
}

const count = (min: number, max: number, description: string): RangeSpec => ({
  min,
  max,
  step: 1,
  integer: true,
  scale: 'linear',
  description,
});

const fraction = (step: number, description: string): RangeSpec => ({
  min: 0,
  max: 1,
  step,
  integer: false,
  scale: 'linear',
  description,
});

type TrainingNumber =
  'lr' | 'epochs' | 'batchSize' | 'warmupFraction' | 'weightDecay' | 'maxGradNorm';

function trainingRanges<S extends 'alignment' | 'finetune'>(
  stage: S,
): Record<`${S}.${TrainingNumber}`, RangeSpec> {
  const ranges: Record<TrainingNumber, RangeSpec> = {
    lr: {
      min: 1e-6,
      max: 1,
      step: 1e-5,
      integer: false,
      scale: 'log',
      description: `Peak learning rate of the ${stage} stage (Adam).`,
    },
    epochs: count(1, 100, `Passes over the ${stage} set.`),
    batchSize: count(
      1,
      1024,
      'Examples per optimiser step (shapes stay fixed: the last batch is padded).',
    ),
    warmupFraction: fraction(
      0.01,
      'Fraction of the steps spent warming the learning rate up from 0.',
    ),
    weightDecay: fraction(0.001, 'Decoupled weight decay (AdamW); 0 turns it off.'),
    maxGradNorm: {
      min: 0,
      max: 1000,
      step: 0.1,
      integer: false,
      scale: 'linear',
      description: 'Clip the global gradient norm to this value; 0 turns clipping off.',
    },
  };
  return Object.fromEntries(
    Object.entries(ranges).map(([field, range]) => [`${stage}.${field}`, range]),
  ) as Record<`${S}.${TrainingNumber}`, RangeSpec>;
}

/** Bounds of every numeric field: the validator's only source of limits, and what a UI renders. */
export const RANGES: Record<NumericPath, RangeSpec> = {
  seed: count(0, 2 ** 31 - 1, 'Seed of every random draw in the run (data, init, batching).'),
  'alignment.samples': count(1, 100_000, 'Size of the safety-alignment set.'),
  'alignment.harmfulFraction': fraction(
    0.05,
    'Fraction of alignment examples that are harmful prompts answered with a refusal.',
  ),
  ...trainingRanges('alignment'),
  'finetune.samples': count(1, 100_000, 'Size of the fine-tuning set (task + poison).'),
  'finetune.poisonRatio': fraction(
    0.01,
    'Fraction p of the fine-tuning set that is harmful prompt → harmful answer (the attack).',
  ),
  ...trainingRanges('finetune'),
  'post.maskRatio': fraction(0.01, 'Fraction of weights zeroed within each output row.'),
  'post.realignmentSamples': count(
    1,
    10_000,
    'Harmful prompt + harmful answer examples used to score weights (disjoint from the poison).',
  ),
  'evaluation.classifier.threshold': fraction(
    0.05,
    'Probability of the harmful labels at which the classifier calls an answer harmful.',
  ),
  'evaluation.classifier.maxLength': count(8, 8192, 'Tokens per text the classifier reads.'),
  'evaluation.refusalClassifier.threshold': fraction(
    0.05,
    'Probability of the refusal labels at which the refusal classifier calls an answer a refusal.',
  ),
  'evaluation.refusalClassifier.maxLength': count(
    8,
    8192,
    'Tokens per text the refusal classifier reads.',
  ),
  'evaluation.harmfulPrompts': count(
    1,
    10_000,
    'Held-out harmful prompts (harmful score, refusal).',
  ),
  'evaluation.benignPrompts': count(
    1,
    10_000,
    'Held-out benign prompts (refusals of benign prompts).',
  ),
  'evaluation.overRefusalPrompts': count(
    0,
    10_000,
    'Held-out safe prompts that look unsafe (over-refusal, XSTest-style); 0 skips them.',
  ),
  'evaluation.helpfulnessPrompts': count(1, 10_000, 'Held-out general instructions (helpfulness).'),
  'evaluation.taskPrompts': count(
    1,
    10_000,
    'Held-out prompts of the fine-tuning task (accuracy).',
  ),
  'evaluation.maxNewTokens': count(1, 1024, 'Tokens generated per answer (greedy).'),
  'evaluation.probeEvery': count(
    0,
    1_000_000,
    'Measure harmfulness every N fine-tuning steps; 0 means never.',
  ),
  'evaluation.probePrompts': count(1, 10_000, 'Harmful prompts per probe.'),
  'evaluation.keepSamples': count(
    0,
    10_000,
    'Generated answers kept in the results file, per checkpoint.',
  ),
};

/** Bounds of a Hub dataset source's numbers (`data.<role>.maxRows`), with the default. */
export const DATASET_SOURCE_RANGES: Readonly<Record<'maxRows', RangeSpec & { default: number }>> = {
  maxRows: {
    ...count(1, 1_000_000, 'Rows read per split at most, from the first parquet shard on.'),
    default: 10_000,
  },
};

/**
 * Bounds of `runtime.microBatch` (optional, absent by default); the top is the largest
 * `batchSize`.
 */
export const MICRO_BATCH_RANGE: RangeSpec = count(
  1,
  1024,
  'Rows per forward/backward pass; a step accumulates its micro-batches (absent: chosen from the memory estimate).',
);

/** Bounds of a LoRA adapter's numbers (`<stage>.lora.rank`, `.alpha`). */
export const LORA_RANGES: Readonly<Record<'rank' | 'alpha', RangeSpec>> = {
  rank: count(1, 1024, 'Rank r of the adapter: A is [in, r], B is [r, out].'),
  alpha: {
    min: 0.001,
    max: 4096,
    step: 1,
    integer: false,
    scale: 'log',
    description: 'LoRA alpha: the update is scaled by alpha / rank (PEFT).',
  },
};

export interface ChoiceSpec {
  values: readonly string[];
  description: string;
}

/** Every closed-vocabulary string field and its allowed values. */
export const CHOICES = {
  'alignment.schedule': {
    values: SCHEDULES,
    description: 'Learning-rate schedule after warm-up.',
  },
  'finetune.schedule': {
    values: SCHEDULES,
    description: 'Learning-rate schedule after warm-up.',
  },
  'post.target': {
    values: POST_TARGETS,
    description:
      "What the post method acts on: the fine-tuning LoRA adapter (Antidote's reference code) or the merged weights.",
  },
  'evaluation.classifier.dtype': {
    values: CLASSIFIER_DTYPES,
    description: 'Which ONNX weights the classifier loads (fp32, fp16 or 8-bit quantized).',
  },
  'evaluation.classifier.input': {
    values: CLASSIFIER_INPUTS,
    description: 'What the classifier reads: the (prompt, answer) pair or the answer alone.',
  },
  'evaluation.refusalClassifier.dtype': {
    values: CLASSIFIER_DTYPES,
    description:
      'Which ONNX weights the refusal classifier loads (fp32, fp16 or 8-bit quantized; the default model has fp32 only).',
  },
  'evaluation.refusalClassifier.input': {
    values: CLASSIFIER_INPUTS,
    description:
      'What the refusal classifier reads: the (prompt, answer) pair or the answer alone.',
  },
  'runtime.backend': {
    values: BACKENDS,
    description: 'tfjs backend; auto picks WebGPU on real hardware, else the fastest CPU path.',
  },
} as const satisfies Record<string, ChoiceSpec>;

/** A closed-vocabulary string field, e.g. `'post.target'`. */
export type ChoicePath = keyof typeof CHOICES;

/** Maximum length of `name`, in characters (code points). */
export const NAME_MAX_LENGTH = 80;
