import type { DataSources } from '../data/sources';
import type { Example } from '../data/types';
import type {
  ExperimentConfig,
  ParamSpec,
  PostConfig,
  PostTarget,
  Stage,
  StageTraining,
} from '../config/schema';
import type { SharedPostField } from '../config/canonical';
import type { TokenBatch } from '../model/batch';
import type { LanguageModel } from '../model/languageModel';
import type { PruneLayerReport } from '../prune/report';
import type { RegistryEntry } from '../registry';
import type { CancelToken } from '../runtime/cancel';
import type { Tokenizer } from '../tokenizer/types';
import type { TokenizedExample } from '../train/batching';
import type { StepMemory } from '../train/microBatch';
import type { SftOptions, TrainingResume } from '../train/loop';
import type { StepResult } from '../train/trainer';

/** What the registry, the validator and the UI know about a method: its entry's `meta`. */
export interface MethodInfo {
  /** The config's `<stage>.method` value, e.g. `'antidote'`. */
  name: string;
  stage: Stage;
  /** One paragraph: what the method does and why, for the UI and docs. */
  description: string;
  citation?: string;
  /** The method's own knobs, checked against `<stage>.params` by the config validator. */
  params: Record<string, ParamSpec>;
}

export interface PostContext<P = Record<string, unknown>> {
  /**
   * The fine-tuned model; the method modifies it in place: with `post.target` `adapter` the model
   * carries the fine-tuning adapter and the method changes only the adapter's matrices.
   */
  model: LanguageModel;
  post: PostConfig;
  /** `post.params`, every declared parameter present (the validator fills defaults). */
  params: P;
  /** The matrices to act on (`postWeightNames`): adapter matrices or full weights, block by block. */
  weightNames: readonly string[];
  /** Harmful prompt + harmful answer batches, disjoint from the poison (Antidote's calibration set). */
  realignmentBatches: TokenBatch[];
  /** The user's own fine-tuning task data, without poison (the `wanda-benign` ablation's calibration). */
  taskBatches: TokenBatch[];
  /** The run's seed (random masks derive from it). */
  seed: number;
  /** Weights of the earlier checkpoints (SafeLoRA projects onto `aligned − base`). */
  checkpoints: { base: Map<string, Float32Array>; aligned: Map<string, Float32Array> };
  /**
   * Tokenized examples for the post methods that train (`safety-patch`, `safety-arithmetic`).
   * The pipeline always gives it; a method that needs it says so when it is absent.
   */
  training?: PostTrainingData;
  cancel?: CancelToken;
  onProgress?: (done: number, total: number) => void;
}

/** Tokenized examples (loss on the answer) a post method may train on; built on demand. */
export interface PostTrainingData {
  /**
   * `n` harmful prompt → refusal pairs from the alignment stage's refusal data (its train split,
   * drawn with the run's seed as alignment draws its own), at most the pool's size.
   */
  refusals(n: number): TokenizedExample[];
  /** The re-alignment set (harmful prompt → harmful answer) the calibration batches hold. */
  realignment(): TokenizedExample[];
  /** The tokenizer's padding id, for packing. */
  padId: number;
}

/**
 * Tokenized data a training method may draw on besides its stage's own examples. Each call
 * builds the set afresh from the config's seed (deterministic), so methods take only what they use.
 */
export interface TrainingData {
  /** The alignment set: harmful prompt → refusal mixed with benign instructions (train split). */
  alignment(): TokenizedExample[];
  /** The same alignment set, untokenized (safe-data-mix takes its refusals). */
  alignmentExamples(): Example[];
  /** `n` harmful prompt → harmful answer pairs (train split; disjoint from evaluation and Antidote's re-alignment set). */
  harmful(n: number): TokenizedExample[];
}

/** The value type a parameter spec declares: its enum's literals, a boolean or a number. */
export type ParamValue<S extends ParamSpec> = S extends {
  type: 'enum';
  values: readonly (infer V)[];
}
  ? V
  : S extends { type: 'boolean' }
    ? boolean
    : number;

/** A method's `params` as its specs declare them, e.g. `{ rho: number; select: 'threshold' | 'count' }`. */
export type ParamValues<P extends Record<string, ParamSpec>> = {
  -readonly [K in keyof P]: ParamValue<P[K]>;
};

export interface TrainContext<P = Record<string, unknown>> {
  /** Starts as the parent checkpoint (base for alignment, aligned for fine-tuning); trained in place. */
  model: LanguageModel;
  stage: 'alignment' | 'finetune';
  config: ExperimentConfig;
  /** The stage's optimisation settings (`config.alignment` or `config.finetune`). */
  settings: StageTraining;
  /** The method's parameters, every declared one present (the validator fills defaults). */
  params: P;
  /** The stage's own training set, tokenized with loss on the response (and eos). */
  examples: TokenizedExample[];
  data: TrainingData;
  /** Where each role's data comes from (built-in generators or Hub datasets). */
  sources: DataSources;
  /** The parent checkpoint's weights (LDIFS's reference features, Lisa's first anchor). */
  parentValues: Map<string, Float32Array>;
  tokenizer: Tokenizer;
  /** The run's seed. */
  seed: number;
  /**
   * Rows per forward/backward pass (the pipeline's choice, `chooseMicroBatch`); absent: the whole
   * batch. A method whose step needs the whole batch at once must say so, not split it silently.
   */
  microBatch?: number;
  cancel?: CancelToken;
  /** Call after every optimizer step (progress, live charts, the fine-tuning probe). */
  onStep: (result: StepResult, totalSteps: number) => Promise<void>;
  /**
   * Checkpoints of this stage's training (resume after an interruption). A method whose state
   * changes from step to step beyond the weights and optimizer passes it as `SftOptions.state`.
   */
  resume?: TrainingResume;
}

export interface TrainReport {
  steps: number;
  /** Training tokens seen (counted once per token per step, padding excluded). */
  tokens: number;
}

/** What the registry knows of a training method without loading it. */
export interface TrainMethodMeta extends MethodInfo {
  stage: 'alignment' | 'finetune';
  /** What its step holds beyond plain SFT's, for the micro-batch choice (absent: as plain SFT). */
  stepMemory?: StepMemory;
}

/** What a training method's computation module exports. */
export interface TrainImpl<P = Record<string, unknown>> {
  /** Trains `ctx.model` in place. */
  train(ctx: TrainContext<P>): Promise<TrainReport>;
}

/** A training method's registry entry: `meta` plus `load`, the import of its computation. */
export type TrainMethodEntry = RegistryEntry<TrainMethodMeta, TrainImpl> & {
  load: () => Promise<TrainImpl>;
};

/** An alignment- or fine-tuning-stage method, ready to run: its meta and `train`, loaded on first use. */
export interface TrainMethod extends TrainMethodMeta, TrainImpl {}

/**
 * The `SftOptions` a training context implies: its stage settings, seed, pad id, micro-batch,
 * cancel and onStep.
 */
export function sftOptions(ctx: TrainContext): SftOptions {
  return {
    ...ctx.settings,
    seed: ctx.seed,
    padId: ctx.tokenizer.padId,
    ...(ctx.microBatch !== undefined ? { microBatch: ctx.microBatch } : {}),
    cancel: ctx.cancel,
    onStep: ctx.onStep,
    ...(ctx.resume ? { resume: ctx.resume } : {}),
  };
}

/** What the registry knows of a post-fine-tuning method without loading it. */
export interface PostMethodMeta extends MethodInfo {
  stage: 'post';
  /** The shared `post` fields the method reads: the only ones in its stage's cache key. */
  reads: readonly SharedPostField[];
  /** What it can act on (`post.target`); the validator refuses the others at `post.target`. */
  targets: readonly PostTarget[];
}

/** What a post method's computation module exports. */
export interface PostImpl<P = Record<string, unknown>> {
  /** Repairs the fine-tuned model in place; reports per matrix. */
  apply(ctx: PostContext<P>): Promise<PruneLayerReport[]>;
}

/** A post method's registry entry: `meta` plus `load`, the import of its computation. */
export type PostMethodEntry = RegistryEntry<PostMethodMeta, PostImpl> & {
  load: () => Promise<PostImpl>;
};

/** A post-fine-tuning method, ready to run: its meta and `apply`, loaded on first use. */
export interface PostMethod extends PostMethodMeta, PostImpl {}

/**
 * A training method's entry, its `params` type derived from its parameter specs so that the
 * compiler checks every read of `ctx.params` in the computation. The one cast is sound because
 * the config validator fills every declared parameter with a value of its declared type before a
 * run starts.
 */
export function defineTrainMethod<const S extends Record<string, ParamSpec>>(entry: {
  meta: Omit<TrainMethodMeta, 'params'> & { params: S };
  load: () => Promise<TrainImpl<ParamValues<S>>>;
}): TrainMethodEntry {
  return {
    meta: entry.meta,
    load: async () => {
      const impl = await entry.load();
      return { train: (ctx) => impl.train(ctx as TrainContext<ParamValues<S>>) };
    },
  };
}

/** A post method's entry, its `params` type derived from its specs (see `defineTrainMethod`). */
export function definePostMethod<const S extends Record<string, ParamSpec>>(entry: {
  meta: Omit<PostMethodMeta, 'params'> & { params: S };
  load: () => Promise<PostImpl<ParamValues<S>>>;
}): PostMethodEntry {
  return {
    meta: entry.meta,
    load: async () => {
      const impl = await entry.load();
      return { apply: (ctx) => impl.apply(ctx as PostContext<ParamValues<S>>) };
    },
  };
}
