import { PRUNE_LAYER_ROLES, type PostConfig, type PruneLayers } from '../config/schema';
import type { GPT } from '../model/gpt';
import { adapterSpecs, GPT2_ROLES } from '../model/lora';
import type { ModelConfig } from '../model/config';
import { linearWeightNames, type LinearKind } from '../model/weights';

/**
 * The linear weights a `post.layers` option selects, in every block: the GPT-2 matrices that hold
 * its roles (`attn` → `attn.c_attn` for q, k, v and `attn.c_proj` for o).
 */
export function pruneLayerKinds(layers: PruneLayers): LinearKind[] {
  const roles = PRUNE_LAYER_ROLES[layers];
  if (!roles) throw new Error(`unknown post.layers "${layers}"`);
  return [...new Set(roles.map((role) => GPT2_ROLES[role].kind))];
}

/** Names of the weight matrices a post-fine-tuning method acts on, block by block. */
export function pruneWeightNames(config: ModelConfig, layers: PruneLayers): string[] {
  return linearWeightNames(config, pruneLayerKinds(layers));
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
