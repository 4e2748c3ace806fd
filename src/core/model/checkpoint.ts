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
