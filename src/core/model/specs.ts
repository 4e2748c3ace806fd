import { LAYER_ROLES, type LayerRole } from './roles';
import { architectureOf, blockLinears, linearLayers } from './architecture';
import { resolveModelConfig, type ModelConfig, type ModelConfigInput } from './config';

/**
 * The model's parameters as data — names, shapes, initialisation — without tfjs, so the page can
 * count a model's parameters (the curated list) without loading the tensor library.
 */
export interface WeightSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'zeros' | 'ones';
  std?: number;
}

/**
 * The model's parameters in a fixed order (embeddings, then block by block: first norm, attention,
 * second norm, MLP; then the final norm and an untied head) with GPT-2's initialisation: N(0, 0.02),
 * residual projections scaled by 1/√(2·nLayers), norms 1, biases 0.
 */
export function weightSpecs(input: ModelConfigInput): WeightSpec[] {
  const config = resolveModelConfig(input);
  const specs: WeightSpec[] = [...outerSpecs(config, 'before')];
  for (let l = 0; l < config.nLayers; l++) specs.push(...blockSpecs(config, l));
  specs.push(...outerSpecs(config, 'after'));
  return specs;
}

/** A spec and how many of its kind the model has: `nLayers` for a block's, 1 for the rest. */
export interface WeightSpecGroup {
  /** Block 0's spec standing for every block's, or the one spec outside the blocks. */
  spec: WeightSpec;
  count: number;
}

/**
 * `weightSpecs` with block 0 standing for every block: what sizes are counted from (the parameter
 * count, the memory estimate), in time and memory that do not grow with the depth.
 */
export function weightSpecGroups(input: ModelConfigInput): WeightSpecGroup[] {
  const config = resolveModelConfig(input);
  const once = (spec: WeightSpec) => ({ spec, count: 1 });
  return [
    ...outerSpecs(config, 'before').map(once),
    ...blockSpecs(config, 0).map((spec) => ({ spec, count: config.nLayers })),
    ...outerSpecs(config, 'after').map(once),
  ];
}

/** The embeddings (`before` the blocks), or the final norm and an untied head (`after`). */
function outerSpecs(config: ModelConfig, where: 'before' | 'after'): WeightSpec[] {
  const n = architectureOf(config).names;
  const { vocabSize: V, dModel: C } = config;
  const std = 0.02;
  if (where === 'after') {
    return [
      ...normSpecs(config, n.finalNorm, C),
      ...(config.tiedEmbeddings
        ? []
        : [{ name: `${n.head}.weight`, shape: [V, C], init: 'normal' as const, std }]),
    ];
  }
  const specs: WeightSpec[] = [{ name: `${n.embed}.weight`, shape: [V, C], init: 'normal', std }];
  if (config.positions === 'learned') {
    if (!n.positionEmbed) throw new Error(`${config.family}: learned positions need a table`);
    specs.push({
      name: `${n.positionEmbed}.weight`,
      shape: [config.contextLength, C],
      init: 'normal',
      std: 0.01,
    });
  }
  return specs;
}

function normSpecs(config: ModelConfig, path: string, width: number): WeightSpec[] {
  return [
    { name: `${path}.weight`, shape: [width], init: 'ones' },
    ...(config.norm === 'layernorm'
      ? [{ name: `${path}.bias`, shape: [width], init: 'zeros' as const }]
      : []),
  ];
}

/** Block `l`'s parameters: first norm, attention (with q/k norms), second norm, MLP. */
function blockSpecs(config: ModelConfig, l: number): WeightSpec[] {
  const n = architectureOf(config).names;
  const C = config.dModel;
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * config.nLayers);
  const p = n.layer(l);
  const linears = blockLinears(config, l);
  const linear = (roles: LayerRole[]): WeightSpec[] =>
    linears
      .filter((layer) => layer.roles.some((role) => roles.includes(role)))
      .flatMap((layer) => {
        const residual = layer.roles.includes('attn.o') || layer.roles.includes('mlp.out');
        return [
          {
            name: layer.weight,
            shape: layer.shape,
            init: 'normal' as const,
            std: residual ? residualStd : std,
          },
          ...(layer.bias
            ? [{ name: layer.bias, shape: [layer.shape[1]], init: 'zeros' as const }]
            : []),
        ];
      });
  const specs = [
    ...normSpecs(config, `${p}.${n.norm1}`, C),
    ...linear(['attn.q', 'attn.k', 'attn.v']),
  ];
  if (config.qkNorm) {
    specs.push(
      ...normSpecs(config, `${p}.${n.qNorm as string}`, config.headDim),
      ...normSpecs(config, `${p}.${n.kNorm as string}`, config.headDim),
    );
  }
  specs.push(
    ...linear(['attn.o']),
    ...normSpecs(config, `${p}.${n.norm2}`, C),
    ...linear(['mlp.gate', 'mlp.in', 'mlp.out']),
  );
  return specs;
}

/** Number of parameters (the tied head counted once), from one block's weights times the depth. */
export function parameterCount(input: ModelConfigInput): number {
  return weightSpecGroups(input).reduce(
    (sum, { spec, count }) => sum + count * spec.shape.reduce((a, b) => a * b, 1),
    0,
  );
}

/** Names of the linear weight matrices that hold any of `roles`, block by block. */
export function linearWeightNames(
  input: ModelConfigInput,
  roles: readonly LayerRole[] = LAYER_ROLES,
): string[] {
  return linearLayers(resolveModelConfig(input))
    .filter((layer) => layer.roles.some((role) => roles.includes(role)))
    .map((layer) => layer.weight);
}

/**
 * Weight decay applies to matrices (linear weights, embeddings, LoRA's A and B), not to biases or
 * LayerNorm gains (as nanoGPT; Hugging Face's Trainer decays LoRA matrices too).
 */
export const isDecayed = (name: string, shape: readonly number[]) =>
  shape.length === 2 && (name.endsWith('.weight') || /\.lora_[AB]$/.test(name));
