import type { PostConfig } from '../config/schema';
import type { LanguageModel } from '../model/languageModel';
import { adapterSpecs } from '../model/lora';
import type { ModelConfig } from '../model/config';
import type { LayerRole } from '../model/roles';
import { linearWeightNames } from '../model/weights';

/** Names of the weight matrices a post-fine-tuning method acts on, block by block: those holding one of `roles` (`post.layers`). */
export function pruneWeightNames(config: ModelConfig, roles: readonly LayerRole[]): string[] {
  return linearWeightNames(config, roles);
}

/**
 * The matrices a post method acts on: with `post.target` `adapter`, the fine-tuning adapter's A
 * and B of every adapted role in `post.layers` (Antidote's reference code prunes the LoRA modules
 * only); with `merged`, the full linear weights holding a role in `post.layers`.
 */
export function postWeightNames(
  model: LanguageModel,
  post: Pick<PostConfig, 'target' | 'layers'>,
): string[] {
  if (post.target === 'merged') return pruneWeightNames(model.config, post.layers);
  const adapter = model.adapter;
  if (!adapter) throw new Error("post.target 'adapter': the model has no fine-tuning adapter");
  return adapterSpecs(model.config, adapter.settings)
    .filter((spec) => post.layers.includes(spec.role))
    .map((spec) => spec.name);
}
