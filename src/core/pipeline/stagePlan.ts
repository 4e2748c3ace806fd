/**
 * How each stage starts and what its output is made of — derived once, here, for the run (which
 * builds the model with `start`) and for `cachedCheckpointValues` (which decodes cached bytes
 * with the same `onTop`, `adapter` and `mergeAdapter`).
 */
import { recomputeBlocks, type ExperimentConfig, type LoraSettings } from '../config/schema';
import { getAttackMeta } from '../methods/attack/registry';
import type { ModelConfig } from '../model/config';
import { LanguageModel } from '../model/languageModel';
import { createRng } from '../random';
import { mergedValues, type StageOutput } from './stageCache';

/** How a stage starts and what its output is made of. */
export interface StagePlan {
  /** The model the stage's method works on (the parent's weights, with its adapter if any). */
  start: () => LanguageModel;
  /** The weights an adapter output sits on. */
  onTop: Map<string, Float32Array>;
  /** The stage's output is this adapter (cached alone); null: the output is full weights. */
  adapter: LoraSettings | null;
  /** Merge the adapter into `onTop` (alignment) instead of keeping it separate (fine-tuning, post). */
  mergeAdapter: boolean;
}

/** Alignment: on the base model's weights; a LoRA adapter is merged into them. */
export function alignmentPlan(
  config: ExperimentConfig,
  modelConfig: ModelConfig,
  baseValues: Map<string, Float32Array>,
): StagePlan {
  const lora = config.alignment.lora;
  return {
    start: startFrom(config, modelConfig, baseValues, 'alignment', lora),
    onTop: baseValues,
    adapter: lora,
    mergeAdapter: true,
  };
}

/**
 * Fine-tuning: on the aligned weights; a LoRA adapter is kept beside them. Under an attack that
 * does not train (it edits the weights: `refusal-ablation`) the output is full weights.
 */
export function finetunePlan(
  config: ExperimentConfig,
  modelConfig: ModelConfig,
  aligned: StageOutput,
): StagePlan {
  const lora = getAttackMeta(config.attack.method).trains ? config.finetune.lora : null;
  return {
    start: startFrom(config, modelConfig, aligned.values, 'finetune', lora),
    onTop: aligned.values,
    adapter: lora,
    mergeAdapter: false,
  };
}

/**
 * Post-fine-tuning. On the adapter: the post method changes only the fine-tuning adapter, the
 * aligned weights stay as they are. Merged: it works on the weights with any adapter merged in.
 */
export function postPlan(
  config: ExperimentConfig,
  modelConfig: ModelConfig,
  finetuned: StageOutput,
): StagePlan {
  const tuned = finetuned.adapter;
  if (config.post.target === 'adapter' && !tuned) {
    throw new Error("post.target 'adapter' needs a fine-tuning adapter (finetune.lora is null)");
  }
  return config.post.target === 'adapter' && tuned
    ? {
        start: () => {
          const model = LanguageModel.fromValues(modelConfig, finetuned.values);
          model.attachAdapter(tuned.settings, { values: tuned.values });
          return model;
        },
        onTop: finetuned.values,
        adapter: tuned.settings,
        mergeAdapter: false,
      }
    : {
        start: () => LanguageModel.fromValues(modelConfig, mergedValues(modelConfig, finetuned)),
        onTop: finetuned.values,
        adapter: null,
        mergeAdapter: false,
      };
}

/** A model holding `values`, with a fresh seeded adapter when the stage trains one. */
function startFrom(
  config: ExperimentConfig,
  modelConfig: ModelConfig,
  values: Map<string, Float32Array>,
  stage: 'alignment' | 'finetune',
  lora: LoraSettings | null,
): () => LanguageModel {
  return () => {
    const model = LanguageModel.fromValues(modelConfig, values);
    if (lora) model.attachAdapter(lora, { seed: adapterSeed(config.seed, stage) });
    model.recompute = recomputeBlocks(config);
    return model;
  };
}

/** The seed of a stage's fresh adapter (A's random init), derived from the run's seed. */
function adapterSeed(seed: number, stage: 'alignment' | 'finetune'): number {
  return createRng(seed)
    .fork(`lora-${stage}`)
    .int(2 ** 31);
}
