import { PRUNE_LAYER_ROLES, type PostConfig, type PruneLayers } from '../config/schema';
import type { GPT } from '../model/gpt';
import { adapterSpecs } from '../model/lora';
import type { ModelConfig } from '../model/config';
import { linearWeightNames } from '../model/weights';

/** Names of the weight matrices a post-fine-tuning method acts on, block by block: those holding a role `post.layers` selects. */
export function pruneWeightNames(config: ModelConfig, layers: PruneLayers): string[] {
  const roles = PRUNE_LAYER_ROLES[layers];
  if (!roles) throw new Error(`unknown post.layers "${layers}"`);
  return linearWeightNames(config, roles);
}

/**
 * The matrices a post method acts on: with `post.target` `adapter`, the fine-tuning adapter's A
 * and B of every adapted role that `post.layers` selects (Antidote's reference code prunes the
 * LoRA modules only); with `merged`, the full linear weights `post.layers` selects.
 */
export function postWeightNames(model: GPT, post: Pick<PostConfig, 'target' | 'layers'>): string[] {
  if (post.target === 'merged') return pruneWeightNames(model.config, post.layers);
  const adapter = model.adapter;
  if (!adapter) throw new Error("post.target 'adapter': the model has no fine-tuning adapter");
  const roles = PRUNE_LAYER_ROLES[post.layers];
  return adapterSpecs(model.config, adapter.settings)
    .filter((spec) => roles.includes(spec.role))
    .map((spec) => spec.name);
}
