/**
 * Layer roles: what a linear layer does in a block, whatever the architecture calls its weight
 * (GPT-2 fuses q, k and v in `attn.c_attn`; Llama's `up_proj` is `mlp.in`, its `gate_proj`
 * `mlp.gate`, which GPT-2 and GPT-NeoX do not have). LoRA `targets` and `post.layers` name roles.
 * The model owns them (each family's descriptor maps its weights to roles); the config speaks them.
 */
export const LAYER_ROLES = [
  'attn.q',
  'attn.k',
  'attn.v',
  'attn.o',
  'mlp.gate',
  'mlp.in',
  'mlp.out',
] as const;
export type LayerRole = (typeof LAYER_ROLES)[number];

/** A LoRA adapter: `y = x·W + (alpha/rank)·x·A·B` on each targeted role. */
export interface LoraSettings {
  rank: number;
  alpha: number;
  /** Roles adapted in every block, e.g. `['attn.q', 'attn.v']`; non-empty, no repeats. */
  targets: LayerRole[];
}
