import type { LayerRole } from './roles';
import { attentionWidths, FAMILIES, type Family, type ModelConfig } from './config';
import { gpt2 } from './architectures/gpt2';
import { gptNeox } from './architectures/gptNeox';
import { llama } from './architectures/llama';
import { qwen2 } from './architectures/qwen2';
import { qwen3 } from './architectures/qwen3';

/**
 * What one family's weights are called (Hugging Face module paths, without `.weight`/`.bias`).
 * The lab keeps the Hugging Face names, so a checkpoint it writes loads in `transformers`; it
 * holds every linear weight as `[in, out]` (GPT-2's Conv1D layout, what an untransposed matmul
 * wants) and transposes `nn.Linear`'s `[out, in]` on the way in and out of files.
 */
export interface ArchitectureNames {
  embed: string;
  /** Learned position table (GPT-2). */
  positionEmbed?: string;
  finalNorm: string;
  /** Output head, when not tied to the embedding. */
  head: string;
  /** Module path of block `layer`. */
  layer: (layer: number) => string;
  /** Within a block: the norms before attention and before the MLP. */
  norm1: string;
  norm2: string;
  /** Qwen3's per-head query and key RMSNorms. */
  qNorm?: string;
  kNorm?: string;
  /**
   * A fused q/k/v projection and how its output columns are laid out: `blocks` (GPT-2: all of q,
   * then all of k, then all of v) or `per-head` (GPT-NeoX: q, k, v of head 0, then of head 1, …).
   */
  qkv?: { name: string; layout: 'blocks' | 'per-head' };
  /** Separate projections, when not fused. */
  q?: string;
  k?: string;
  v?: string;
  o: string;
  /** MLP: `in` (up), `gate` (gated MLPs only), `out` (down). */
  mlpIn: string;
  mlpGate?: string;
  mlpOut: string;
}

export interface Architecture {
  family: Family;
  /** `architectures[0]` of its config.json, e.g. `LlamaForCausalLM`. */
  hubClass: string;
  names: ArchitectureNames;
  /** How linear weights lie in Hub files: Conv1D `[in, out]` (GPT-2) or nn.Linear `[out, in]`. */
  hubLinearLayout: 'in-out' | 'out-in';
  /** A name prefix that some files leave out (GPT-2's original checkpoints have no `transformer.`). */
  optionalPrefix?: string;
  /** Buffers some checkpoints carry that are not parameters (attention masks, rotary tables). */
  ignoredTensors: RegExp;
  /** The model's `config.json` → a `ModelConfig`; throws, naming the field, on a setting the lab does not implement. */
  fromHubConfig(json: Record<string, unknown>): ModelConfig;
  toHubConfig(config: ModelConfig): Record<string, unknown>;
}

export const ARCHITECTURES: Readonly<Record<Family, Architecture>> = {
  gpt2,
  llama,
  qwen2,
  qwen3,
  gpt_neox: gptNeox,
};

export function architectureOf(config: Pick<ModelConfig, 'family'>): Architecture {
  const architecture = ARCHITECTURES[config.family];
  if (!architecture) throw new Error(`unknown model family "${String(config.family)}"`);
  return architecture;
}

/** One linear layer of a block: its weight (`[in, out]`), its bias if any, and the roles it holds. */
export interface LinearLayer {
  layer: number;
  weight: string;
  bias?: string;
  shape: [number, number];
  roles: LayerRole[];
}

/** The linear layers of block `layer`, in the order the block runs them. */
export function blockLinears(config: ModelConfig, layer: number): LinearLayer[] {
  const n = architectureOf(config).names;
  const p = n.layer(layer);
  const { q, kv } = attentionWidths(config);
  const C = config.dModel;
  const F = config.ffnDim;
  const linear = (
    path: string,
    shape: [number, number],
    roles: LayerRole[],
    bias: boolean,
  ): LinearLayer => ({
    layer,
    weight: `${p}.${path}.weight`,
    ...(bias ? { bias: `${p}.${path}.bias` } : {}),
    shape,
    roles,
  });
  const layers: LinearLayer[] = [];
  if (n.qkv) {
    layers.push(
      linear(n.qkv.name, [C, q + 2 * kv], ['attn.q', 'attn.k', 'attn.v'], config.bias.qkv),
    );
  } else {
    layers.push(
      linear(n.q as string, [C, q], ['attn.q'], config.bias.qkv),
      linear(n.k as string, [C, kv], ['attn.k'], config.bias.qkv),
      linear(n.v as string, [C, kv], ['attn.v'], config.bias.qkv),
    );
  }
  layers.push(linear(n.o, [q, C], ['attn.o'], config.bias.o));
  if (config.gatedMlp) {
    if (!n.mlpGate) throw new Error(`${config.family}: a gated MLP needs a gate projection`);
    layers.push(linear(n.mlpGate, [C, F], ['mlp.gate'], config.bias.mlp));
  }
  layers.push(
    linear(n.mlpIn, [C, F], ['mlp.in'], config.bias.mlp),
    linear(n.mlpOut, [F, C], ['mlp.out'], config.bias.mlp),
  );
  return layers;
}

/** Every block's linear layers, block by block. */
export function linearLayers(config: ModelConfig): LinearLayer[] {
  return Array.from({ length: config.nLayers }, (_, l) => blockLinears(config, l)).flat();
}

/** The roles this model's blocks have (GPT-2 and GPT-NeoX have no `mlp.gate`). */
export function modelRoles(config: ModelConfig): LayerRole[] {
  return blockLinears(config, 0).flatMap((linear) => linear.roles);
}

/**
 * Where role `role` of block `layer` lives: the weight, its full output width, and the column of
 * that weight holding each of the role's output columns (an identity unless the weight is fused).
 */
export interface RoleLocation {
  weight: string;
  bias?: string;
  /** `[in, out]` of the role's own matrix. */
  shape: [number, number];
  /** Output width of the whole (possibly fused) weight. */
  width: number;
  columns: Int32Array;
}

export function roleLocation(config: ModelConfig, layer: number, role: LayerRole): RoleLocation {
  const linear = blockLinears(config, layer).find((l) => l.roles.includes(role));
  if (!linear) {
    throw new Error(
      `${config.family} models have no ${role} layer (they have ${modelRoles(config).join(', ')})`,
    );
  }
  const [inFeatures, width] = linear.shape;
  const { q, kv } = attentionWidths(config);
  const part = linear.roles.indexOf(role);
  const out = linear.roles.length === 1 ? width : part === 0 ? q : kv;
  const columns = new Int32Array(out);
  const layout = architectureOf(config).names.qkv?.layout;
  for (let j = 0; j < out; j++) {
    if (linear.roles.length === 1) columns[j] = j;
    else if (layout === 'per-head') {
      // GPT-NeoX views the fused output as [heads, 3·headDim]: q, k, v of each head side by side.
      const d = config.headDim;
      columns[j] = Math.floor(j / d) * 3 * d + part * d + (j % d);
    } else columns[j] = part === 0 ? j : q + (part - 1) * kv + j;
  }
  return { weight: linear.weight, bias: linear.bias, shape: [inFeatures, out], width, columns };
}

/** The family a `config.json` declares (`model_type`), or an error naming the supported ones. */
export function familyOf(json: Record<string, unknown>): Family {
  const type = json.model_type ?? 'gpt2';
  if (!(FAMILIES as readonly unknown[]).includes(type)) {
    throw new Error(
      `config.json: model_type "${String(type)}" is not supported (the lab runs ${FAMILIES.join(', ')})`,
    );
  }
  return type as Family;
}

/** `config.json` → the lab's model config, refusing settings the lab does not implement. */
export function modelConfigFromHub(json: Record<string, unknown>): ModelConfig {
  return architectureOf({ family: familyOf(json) }).fromHubConfig(json);
}
