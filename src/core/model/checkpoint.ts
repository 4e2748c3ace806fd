import type { LoraSettings } from './roles';
import { architectureOf, linearLayers, modelConfigFromHub } from './architecture';

export { familyOf, modelConfigFromHub } from './architecture';
import { hubConfigRangeProblem, modelConfigProblems, type ModelConfig } from './config';
import { LanguageModel } from './languageModel';
import { adapterSpecs } from './lora';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';
import { weightSpecs } from './weights';

/**
 * A `config.json` from outside → the lab's model config: `modelConfigFromHub` after every number
 * is checked against its sane range (`hubConfigRangeProblem`), and what the family derived from
 * them (a head width, a rotary width) checked as a buildable model. Each refusal is one line
 * starting `config.json:`. The memory guard and the downloads trust what this returns.
 */
export function checkedHubConfig(json: Record<string, unknown>): ModelConfig {
  const problem = hubConfigRangeProblem(json);
  if (problem !== null) throw new Error(problem);
  const config = modelConfigFromHub(json);
  const derived = modelConfigProblems(config, 'config.json');
  if (derived.length > 0) throw new Error(derived[0]);
  return config;
}

/**
 * A model as files: `model.safetensors` + `config.json` in the family's own Hugging Face layout
 * (names, `[out, in]` linear weights where the family uses nn.Linear), so `transformers` loads it.
 */
export interface CheckpointFiles {
  safetensors: Uint8Array;
  configJson: string;
}

/** Names of the weights the lab holds as `[in, out]` but the family's files hold as `[out, in]`. */
function transposedNames(config: ModelConfig): Set<string> {
  if (architectureOf(config).hubLinearLayout === 'in-out') return new Set();
  return new Set(linearLayers(config).map((layer) => layer.weight));
}

function transpose(data: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) out[j * rows + i] = data[i * columns + j];
  }
  return out;
}

/** A file tensor matched to the lab weight it becomes, found and checked before any is decoded. */
interface MatchedTensor {
  fileName: string;
  tensor: NamedTensor;
  /** The file holds it as `[out, in]`: `[rows, columns]` to transpose. */
  transposeFrom: [number, number] | null;
}

/**
 * Every lab weight's file tensor (one file or all shards): names found with or without the
 * family's optional prefix, a tied head's duplicate and known buffers skipped. Anything missing,
 * misshapen or unexpected is an error naming the tensor, thrown before a single value is decoded.
 */
function matchHubTensors(
  config: ModelConfig,
  tensors: ReadonlyMap<string, NamedTensor>,
): Map<string, MatchedTensor> {
  const architecture = architectureOf(config);
  const transposed = transposedNames(config);
  const prefix = architecture.optionalPrefix;
  const lookup = (name: string): [string, NamedTensor] | undefined => {
    const direct = tensors.get(name);
    if (direct) return [name, direct];
    if (prefix && name.startsWith(prefix)) {
      const short = name.slice(prefix.length);
      const found = tensors.get(short);
      if (found) return [short, found];
    }
    return undefined;
  };
  const found = weightSpecs(config).map((spec) => {
    const entry = lookup(spec.name);
    if (!entry) throw new Error(`checkpoint: missing weight "${spec.name}"`);
    return { spec, fileName: entry[0], tensor: entry[1] };
  });
  const unexpected = unexpectedTensors(config, tensors, new Set(found.map((f) => f.fileName)));
  if (unexpected.length > 0) {
    const shown = unexpected
      .slice(0, 3)
      .map((name) => `"${name}"`)
      .join(', ');
    throw new Error(
      `checkpoint: ${unexpected.length} tensor(s) a ${config.family} model does not have: ${shown}${unexpected.length > 3 ? ', …' : ''}`,
    );
  }
  const matched = new Map<string, MatchedTensor>();
  for (const { spec, fileName, tensor } of found) {
    const flip = transposed.has(spec.name);
    const expected = flip ? [spec.shape[1], spec.shape[0]] : spec.shape;
    if (tensor.shape.join(',') !== expected.join(',')) {
      throw new Error(
        `checkpoint: "${fileName}" has shape [${tensor.shape}], expected [${expected}]`,
      );
    }
    matched.set(spec.name, {
      fileName,
      tensor,
      transposeFrom: flip ? [expected[0], expected[1]] : null,
    });
  }
  return matched;
}

/**
 * The lab's values of one matched tensor: decoded (for a lazy tensor, now), checked finite, and
 * transposed. A NaN or an infinity in a weight would surface as a NaN loss far from its cause.
 */
function labValues({ fileName, tensor, transposeFrom }: MatchedTensor): Float32Array {
  const data = tensor.data;
  for (let i = 0; i < data.length; i++) {
    // x − x is 0 for every finite x, NaN for NaN and ±Infinity.
    if (data[i] - data[i] !== 0) {
      throw new Error(
        `checkpoint: ${JSON.stringify(fileName)} holds ${data[i]} at index ${i}; a weight must be a finite number`,
      );
    }
  }
  return transposeFrom ? transpose(data, transposeFrom[0], transposeFrom[1]) : data;
}

/**
 * The lab's weight values from a checkpoint's tensors (one file or all shards), every one at
 * once, nn.Linear weights transposed to `[in, out]`; the errors of `matchHubTensors`. With
 * `consume`, each file tensor is dropped from the caller's map once converted, so a model's
 * gigabytes are not held twice.
 */
export function valuesFromHubTensors(
  config: ModelConfig,
  tensors: ReadonlyMap<string, NamedTensor>,
  options: { consume?: boolean } = {},
): Map<string, Float32Array> {
  const matched = matchHubTensors(config, tensors);
  const values = new Map<string, Float32Array>();
  for (const [name, match] of matched) {
    values.set(name, labValues(match));
    if (options.consume) (tensors as Map<string, NamedTensor>).delete(match.fileName);
  }
  if (options.consume) (tensors as Map<string, NamedTensor>).clear();
  return values;
}

function unexpectedTensors(
  config: ModelConfig,
  tensors: ReadonlyMap<string, NamedTensor>,
  used: ReadonlySet<string>,
): string[] {
  const architecture = architectureOf(config);
  const head = `${architecture.names.head}.weight`;
  return [...tensors.keys()].filter(
    (name) =>
      !used.has(name) &&
      !architecture.ignoredTensors.test(name) &&
      !(config.tiedEmbeddings && name === head),
  );
}

/** The lab's values as the family's file tensors (nn.Linear weights back to `[out, in]`). */
export function hubTensorsFromValues(
  config: ModelConfig,
  values: ReadonlyMap<string, Float32Array>,
): Map<string, NamedTensor> {
  const transposed = transposedNames(config);
  const tensors = new Map<string, NamedTensor>();
  for (const spec of weightSpecs(config)) {
    const data = values.get(spec.name);
    if (!data) throw new Error(`checkpoint: missing weight "${spec.name}"`);
    if (transposed.has(spec.name)) {
      const [inFeatures, outFeatures] = spec.shape;
      tensors.set(spec.name, {
        shape: [outFeatures, inFeatures],
        data: transpose(data, inFeatures, outFeatures),
      });
    } else tensors.set(spec.name, { shape: spec.shape, data });
  }
  return tensors;
}

export async function saveCheckpoint(
  model: LanguageModel,
  metadata: Record<string, string> = {},
): Promise<CheckpointFiles> {
  return checkpointFiles(model.config, await model.readValues(), metadata);
}

export function checkpointFiles(
  config: ModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  metadata: Record<string, string> = {},
): CheckpointFiles {
  return {
    safetensors: writeSafetensors(hubTensorsFromValues(config, values), {
      format: 'pt',
      ...metadata,
    }),
    configJson: JSON.stringify(architectureOf(config).toHubConfig(config), null, 2) + '\n',
  };
}

export function checkpointValues(files: CheckpointFiles): {
  config: ModelConfig;
  values: Map<string, Float32Array>;
} {
  const config = checkedHubConfig(JSON.parse(files.configJson) as Record<string, unknown>);
  const { tensors } = readSafetensors(files.safetensors, 'model.safetensors');
  return { config, values: valuesFromHubTensors(config, tensors) };
}

/** Metadata key that marks a safetensors file as a LoRA adapter (not a full model). */
const ADAPTER_KIND = 'lora-adapter';

/** A LoRA adapter as a safetensors file: its matrices (`…attn.q.lora_A`, `[in, rank]`) and its settings in the metadata. */
export function writeAdapter(
  config: ModelConfig,
  settings: LoraSettings,
  values: ReadonlyMap<string, Float32Array>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const spec of adapterSpecs(config, settings)) {
    const data = values.get(spec.name);
    if (!data) throw new Error(`adapter: missing matrix "${spec.name}"`);
    tensors.set(spec.name, { shape: spec.shape, data });
  }
  return writeSafetensors(tensors, {
    format: 'pt',
    ...metadata,
    'safetune.kind': ADAPTER_KIND,
    'safetune.lora': JSON.stringify(settings),
  });
}

/** The matrices of an adapter file written by `writeAdapter` for these settings; throws if it is anything else. */
export function readAdapter(
  config: ModelConfig,
  settings: LoraSettings,
  bytes: Uint8Array,
): Map<string, Float32Array> {
  const { tensors, metadata } = readSafetensors(bytes, 'adapter.safetensors');
  if (metadata['safetune.kind'] !== ADAPTER_KIND) {
    throw new Error('adapter: the file is not a LoRA adapter (no safetune.kind metadata)');
  }
  const values = new Map<string, Float32Array>();
  for (const spec of adapterSpecs(config, settings)) {
    const tensor = tensors.get(spec.name);
    if (!tensor) throw new Error(`adapter: missing matrix "${spec.name}"`);
    if (tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new Error(
        `adapter: "${spec.name}" has shape [${tensor.shape}], expected [${spec.shape}]`,
      );
    }
    values.set(spec.name, tensor.data);
  }
  return values;
}
