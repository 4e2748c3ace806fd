import type { LoraSettings } from '../config/schema';
import { adapterSpecs } from './lora';
import { fromHuggingFaceConfig, toHuggingFaceConfig, type ModelConfig } from './config';
import { GPT } from './gpt';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';
import { weightSpecs } from './weights';

/** A model as files: `model.safetensors` + `config.json`, loadable by Hugging Face GPT2LMHeadModel. */
export interface CheckpointFiles {
  safetensors: Uint8Array;
  configJson: string;
}

export async function saveCheckpoint(
  model: GPT,
  metadata: Record<string, string> = {},
): Promise<CheckpointFiles> {
  const values = await model.readValues();
  const tensors = new Map<string, NamedTensor>();
  for (const spec of weightSpecs(model.config)) {
    tensors.set(spec.name, { shape: spec.shape, data: values.get(spec.name) as Float32Array });
  }
  return {
    safetensors: writeSafetensors(tensors, { format: 'pt', ...metadata }),
    configJson: JSON.stringify(toHuggingFaceConfig(model.config), null, 2) + '\n',
  };
}

export function checkpointValues(files: CheckpointFiles): {
  config: ModelConfig;
  values: Map<string, Float32Array>;
} {
  const config = fromHuggingFaceConfig(JSON.parse(files.configJson) as Record<string, unknown>);
  const { tensors } = readSafetensors(files.safetensors);
  const values = new Map<string, Float32Array>();
  for (const spec of weightSpecs(config)) {
    const tensor = tensors.get(spec.name);
    if (!tensor) throw new Error(`checkpoint: missing weight "${spec.name}"`);
    if (tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new Error(
        `checkpoint: "${spec.name}" has shape [${tensor.shape}], expected [${spec.shape}]`,
      );
    }
    values.set(spec.name, tensor.data);
  }
  return { config, values };
}

export function loadCheckpoint(files: CheckpointFiles): GPT {
  const { config, values } = checkpointValues(files);
  return GPT.fromValues(config, values);
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
  const { tensors, metadata } = readSafetensors(bytes);
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
