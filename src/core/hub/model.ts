import { hubWeightSource, modelConfigFromHub } from '../model/checkpoint';
import type { ModelConfig } from '../model/config';
import { LanguageModel } from '../model/languageModel';
import { parameterCount } from '../model/weights';
import type { HubModelFiles } from './fetchFiles';

/** A Hub model ready to run: the model, what its files say about stopping, and its chat template. */
export interface LoadedHubModel {
  model: LanguageModel;
  config: ModelConfig;
  parameters: number;
  /** Generation stops after any of these (`generation_config.json`'s `eos_token_id`, else `config.json`'s). */
  eosIds: number[];
  /** `tokenizer_config.json`'s `chat_template`, when the model has one. */
  chatTemplate: string | null;
}

function ids(value: unknown): number[] | null {
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    return value as number[];
  }
  return null;
}

/** The end-of-sequence ids, as `transformers`' `generate` reads them. */
export function eosIdsOf(
  configJson: Record<string, unknown>,
  generationConfig: Record<string, unknown> | null,
): number[] {
  return ids(generationConfig?.eos_token_id) ?? ids(configJson.eos_token_id) ?? [];
}

/**
 * The model described by downloaded Hub files. Throws one-line errors naming what is wrong: an
 * unsupported `model_type` or setting (`config.json: …`), a missing, misshapen or unexpected
 * tensor (`checkpoint: …`), before any weight is decoded.
 *
 * The weights are decoded one at a time, each straight into its tf tensor, and taken out of
 * `files.tensors` as they go, so the model is built holding the file bytes, the tensors made so far
 * and one weight's floats, and afterwards `files` holds no weights: build once per load.
 */
export function modelFromHubFiles(files: HubModelFiles): LoadedHubModel {
  const config = modelConfigFromHub(files.configJson);
  const model = LanguageModel.fromValues(config, hubWeightSource(config, files.tensors));
  const template = files.tokenizerConfig?.chat_template;
  return {
    model,
    config,
    parameters: parameterCount(config),
    eosIds: eosIdsOf(files.configJson, files.generationConfig),
    chatTemplate: typeof template === 'string' ? template : null,
  };
}
