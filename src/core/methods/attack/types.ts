import type { ExperimentConfig, ParamSpec, PostTarget } from '../../config/schema';
import type { PoisonMix } from '../../data/poison';
import type { DataSources } from '../../data/sources';
import type { Example } from '../../data/types';
import type { ModelConfig } from '../../model/config';
import type { LanguageModel } from '../../model/languageModel';
import type { RegistryEntry } from '../../registry';
import type { CancelToken } from '../../runtime/cancel';
import type { Tokenizer } from '../../tokenizer/types';
import type { ParamValues } from '../types';

/**
 * Where an attack acts. `data`: it chooses the fine-tuning set (the fine-tuning stage's key holds
 * it). `weights`: it edits the fine-tuned weights before the post repair (also in the fine-tuning
 * stage's key, whose output is the attacked model). `evaluation`: it changes how the harmful
 * prompts are put at evaluation (in no stage's key: the evaluation is never cached).
 */
export const ATTACK_PHASES = ['data', 'weights', 'evaluation'] as const;
export type AttackPhase = (typeof ATTACK_PHASES)[number];

/** What the registry, the validator and the page know of an attack without loading it. */
export interface AttackMeta {
  /** `attack.method`. */
  name: string;
  /** One paragraph: what the attacker does, and what a config must say for it. */
  description: string;
  citation: string;
  /** Its own knobs (`attack.params`). */
  params: Record<string, ParamSpec>;
  /**
   * Where it acts, in pipeline order. An attack without a `data` phase fine-tunes on
   * `harmful-mix`'s set (p-mixing at `finetune.poisonRatio`; 0 for the attack alone), and shares
   * that stage's cache.
   */
  phases: readonly AttackPhase[];
  /** Its fine-tuning set mixes harmful pairs at `finetune.poisonRatio` (else the field is unread). */
  readsPoisonRatio: boolean;
  /** The fine-tuning stage trains; false: the attack needs no training, its weights edit is all. */
  trains: boolean;
  /** The `post.target`s that remain to repair: an attack that edits full weights leaves no adapter. */
  postTargets: readonly PostTarget[];
}

/** What a data-phase attack builds the fine-tuning set from. */
export interface AttackDataContext<P = Record<string, unknown>> {
  config: ExperimentConfig;
  /** `attack.params`, every declared parameter present (the validator fills defaults). */
  params: P;
  data: DataSources;
  /** The fine-tuning set p-mixing builds at `poisonRatio` (`harmful-mix`'s, at the config's). */
  mix: (poisonRatio: number) => PoisonMix;
  tokenizer: Tokenizer;
  modelConfig: ModelConfig;
  /** The aligned weights: the model the attacker fine-tunes. */
  aligned: Map<string, Float32Array>;
  cancel?: CancelToken;
  onProgress?: (done: number, total: number) => void;
}

/** What a weights-phase attack edits: the fine-tuned model, full weights, in place. */
export interface AttackWeightsContext<P = Record<string, unknown>> {
  model: LanguageModel;
  config: ExperimentConfig;
  params: P;
  data: DataSources;
  tokenizer: Tokenizer;
  cancel?: CancelToken;
  onProgress?: (done: number, total: number) => void;
}

/** What an attack's computation module exports: one function per phase it declares. */
export interface AttackImpl<P = Record<string, unknown>> {
  /** `data`: the fine-tuning set. */
  finetuneExamples?(ctx: AttackDataContext<P>): Promise<Example[]>;
  /** `weights`: edits `ctx.model` in place. */
  editWeights?(ctx: AttackWeightsContext<P>): Promise<void>;
  /** `evaluation`: a harmful instruction as the attacker puts it. */
  harmfulPrompt?(instruction: string, params: P): string;
  /**
   * `evaluation`: text forced as the first tokens of the answer to a harmful prompt, and how many
   * of its tokens (by the model's tokenizer) are forced; 0: all.
   */
  answerPrefix?(params: P): { text: string; tokens: number };
}

export type AttackEntry = RegistryEntry<AttackMeta, AttackImpl> & {
  load: () => Promise<AttackImpl>;
};

/** An attack's entry, its `params` type derived from its specs (see `defineTrainMethod`). */
export function defineAttack<const S extends Record<string, ParamSpec>>(entry: {
  meta: Omit<AttackMeta, 'params'> & { params: S };
  load: () => Promise<AttackImpl<ParamValues<S>>>;
}): AttackEntry {
  // Sound because the validator fills every declared parameter with a value of its declared type.
  return { meta: entry.meta, load: entry.load as () => Promise<AttackImpl> };
}
