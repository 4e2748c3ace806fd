import type { PruneLayers } from '../config/schema';
import type { ModelConfig } from '../model/config';
import { LINEAR_KINDS, linearWeightNames, type LinearKind } from '../model/weights';

/** The linear weights each `post.layers` option selects, in every block. */
export const PRUNE_LAYER_KINDS: Readonly<Record<PruneLayers, readonly LinearKind[]>> = {
  mlp: ['mlp.c_fc', 'mlp.c_proj'],
  'mlp-fc': ['mlp.c_fc'],
  'mlp-proj': ['mlp.c_proj'],
  attn: ['attn.c_attn', 'attn.c_proj'],
  all: LINEAR_KINDS,
};

/** Names of the weight matrices a post-fine-tuning method acts on, block by block. */
export function pruneWeightNames(config: ModelConfig, layers: PruneLayers): string[] {
  const kinds = PRUNE_LAYER_KINDS[layers];
  if (!kinds) throw new Error(`unknown post.layers "${layers}"`);
  return linearWeightNames(config, kinds);
}
