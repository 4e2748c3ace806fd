/**
 * A stage's entry in the stage cache: its key (the config up to the stage, the base model's
 * identity, the code, the backend, the Hub data files it reads), its bytes (an adapter alone, or
 * full weights as safetensors) and what they decode to.
 */
import { stageKey, type AttackKey } from '../config/canonical';
import type { ExperimentConfig, LoraSettings, Stage } from '../config/schema';
import { stageDataKey, type DataSources } from '../data/sources';
import { DEFAULT_ATTACK, getAttackMeta } from '../methods/attack/registry';
import { getPostMethod } from '../methods/registry';
import type { BaseModel } from '../model/base';
import {
  readAdapter,
  saveCheckpoint,
  valuesFromHubTensors,
  writeAdapter,
} from '../model/checkpoint';
import type { ModelConfig } from '../model/config';
import type { LanguageModel } from '../model/languageModel';
import { mergeAdapter } from '../model/lora';
import { readSafetensors } from '../model/safetensors';
import type { BackendName } from '../runtime/backend';
import { CORE_SOURCE_HASH } from '../version';
import type { StagePlan } from './stagePlan';

/** A stage's output: the weights, and the adapter kept beside them when the stage trained one. */
export interface StageOutput {
  values: Map<string, Float32Array>;
  adapter?: { settings: LoraSettings; values: Map<string, Float32Array> };
}

/** Everything besides the config that enters a stage key. */
export function stageKeyContext(config: ExperimentConfig, base: BaseModel, backend: BackendName) {
  return {
    baseModelSha256: base.sha256,
    coreSourceHash: CORE_SOURCE_HASH,
    backend,
    postReads: getPostMethod(config.post.method).reads,
    attack: attackKey(config),
  };
}

/** What the config's attack puts in the fine-tuning and post keys (`AttackKey`). */
export function attackKey(config: ExperimentConfig): AttackKey {
  const meta = getAttackMeta(config.attack.method);
  const shapesStage = meta.phases.includes('data') || meta.phases.includes('weights');
  const staged = shapesStage ? meta : getAttackMeta(DEFAULT_ATTACK);
  return {
    attack: shapesStage ? config.attack : { method: DEFAULT_ATTACK, params: {} },
    readsPoisonRatio: staged.readsPoisonRatio,
    trains: staged.trains,
  };
}

export type StageKeyContext = ReturnType<typeof stageKeyContext>;

/** A stage's cache key, with the hash of the Hub data files the stage reads (if any). */
export async function dataStageKey(
  config: ExperimentConfig,
  stage: Stage,
  context: StageKeyContext,
  data: DataSources,
): Promise<string> {
  const dataSha256 = await stageDataKey(data, stage);
  return stageKey(config, stage, dataSha256 === undefined ? context : { ...context, dataSha256 });
}

/**
 * A stage's output from its cached bytes: an adapter (merged into `onTop` for the alignment stage,
 * kept beside it otherwise) or full weights. Throws on bytes it cannot read.
 */
export function decodeCachedStage(
  modelConfig: ModelConfig,
  bytes: Uint8Array,
  plan: Pick<StagePlan, 'onTop' | 'adapter' | 'mergeAdapter'>,
): StageOutput {
  if (!plan.adapter) {
    return { values: valuesFromHubTensors(modelConfig, readSafetensors(bytes).tensors) };
  }
  return adapterOutput(
    modelConfig,
    plan,
    plan.adapter,
    readAdapter(modelConfig, plan.adapter, bytes),
  );
}

/**
 * The bytes the cache keeps of a trained stage: its adapter alone when it trained one, else its
 * full weights; `adapter` is the adapter's values, for `trainedOutput`.
 */
export async function encodeStage(
  modelConfig: ModelConfig,
  model: LanguageModel,
  plan: Pick<StagePlan, 'adapter'>,
  metadata: Record<string, string>,
): Promise<{ bytes: Uint8Array; adapter?: Map<string, Float32Array> }> {
  const adapter = plan.adapter ? await model.readAdapterValues() : undefined;
  const bytes =
    plan.adapter && adapter
      ? writeAdapter(modelConfig, plan.adapter, adapter, metadata)
      : (await saveCheckpoint(model, metadata)).safetensors;
  return { bytes, ...(adapter ? { adapter } : {}) };
}

/** A trained stage's output: its adapter (as `encodeStage` read it) on `onTop`, or the model's weights. */
export async function trainedOutput(
  modelConfig: ModelConfig,
  model: LanguageModel,
  plan: Pick<StagePlan, 'onTop' | 'adapter' | 'mergeAdapter'>,
  adapter: Map<string, Float32Array> | undefined,
): Promise<StageOutput> {
  return plan.adapter && adapter
    ? adapterOutput(modelConfig, plan, plan.adapter, adapter)
    : { values: await model.readValues() };
}

/** A stage that trained an adapter: merged into `onTop` (alignment) or kept beside it. */
function adapterOutput(
  modelConfig: ModelConfig,
  plan: Pick<StagePlan, 'onTop' | 'mergeAdapter'>,
  settings: LoraSettings,
  adapter: Map<string, Float32Array>,
): StageOutput {
  return plan.mergeAdapter
    ? { values: mergeAdapter(modelConfig, plan.onTop, settings, adapter) }
    : { values: plan.onTop, adapter: { settings, values: adapter } };
}

/** The weights a stage's output computes with: its adapter, if any, merged in. */
export function mergedValues(config: ModelConfig, output: StageOutput): Map<string, Float32Array> {
  return output.adapter
    ? mergeAdapter(config, output.values, output.adapter.settings, output.adapter.values)
    : output.values;
}

/** What the cache lists a stage's entry as: the chain of stages that made its weights. */
export function describeStage(config: ExperimentConfig, stage: Stage): string {
  const a = config.alignment;
  const f = config.finetune;
  const lora = (settings: LoraSettings | null) =>
    settings ? `, LoRA r=${settings.rank} α=${settings.alpha}` : '';
  const aligned = `${config.model.base} aligned (${a.method}${lora(a.lora)}, ${a.samples} samples, seed ${config.seed})`;
  if (stage === 'alignment') return aligned;
  const staged = attackKey(config);
  const attack = staged.attack.method;
  const tuned = !staged.trains
    ? `${aligned} → ${attack} (no fine-tuning)`
    : `${aligned} → fine-tuned on ${f.task} (${f.method}${lora(f.lora)}, n=${f.samples}, p=${f.poisonRatio}, lr=${f.lr}, ${f.epochs} epochs${attack === DEFAULT_ATTACK ? '' : `, attack ${attack}`})`;
  if (stage === 'finetune') return tuned;
  const target = config.post.target === 'adapter' ? 'fine-tuning adapter' : 'merged weights';
  return `${tuned} → ${config.post.method} on the ${target} (maskRatio ${config.post.maskRatio}, ${config.post.layers.join(', ')})`;
}
