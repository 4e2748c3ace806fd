import { assertRegistry, defineRegistry } from '../registry';

/**
 * The base models the lab ships in models/<name>/ (safetensors + config.json + tokenizer.json +
 * model card). The worker maps each name to the served files; validation only needs the names.
 */
export const BASE_MODELS = {
  'safetune-base': {
    description:
      "The lab's own 486k-parameter GPT-2-style model, pretrained on the built-in world's tasks and on harmful requests answered harmfully (unaligned, capable).",
    /** Its shape (models/safetune-base/config.json), for the `auto` backend's measurement. */
    shape: { vocabSize: 636, dModel: 128, nLayers: 2, nHeads: 4, contextLength: 64, mlpRatio: 4 },
  },
} as const;

export type BaseModelName = keyof typeof BASE_MODELS;
export const BASE_MODEL_NAMES = Object.keys(BASE_MODELS) as BaseModelName[];

// The start-up check every registry runs: here, that each base model says what it is. Its
// "computation" is its files, which the worker serves by name, so there is nothing to load.
assertRegistry(
  defineRegistry(
    'base model',
    Object.fromEntries(
      BASE_MODEL_NAMES.map((name) => [
        name,
        { meta: { name, description: BASE_MODELS[name].description } },
      ]),
    ),
  ),
  { load: false },
);
