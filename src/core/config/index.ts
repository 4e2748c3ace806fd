/** The experiment config: schema and defaults, validation, presets, hashing and share links. */
export {
  BACKENDS,
  CHOICES,
  CLASSIFIER_DTYPES,
  CLASSIFIER_INPUTS,
  DATA_ROLES,
  DATASET_SOURCE_RANGES,
  DEFAULT_CLASSIFIER,
  DEFAULT_CONFIG,
  DEFAULT_REFUSAL_CLASSIFIER,
  defaultConfig,
  LAYER_ROLES,
  LORA_RANGES,
  NAME_MAX_LENGTH,
  POST_TARGETS,
  RANGES,
  SCHEDULES,
  SCHEMA_VERSION,
  STAGES,
} from './schema';
export type {
  AlignmentConfig,
  Backend,
  ChoicePath,
  ChoiceSpec,
  ClassifierSettings,
  DataConfig,
  DataRole,
  DatasetSource,
  DeepPartial,
  EvaluationConfig,
  ExperimentConfig,
  FinetuneConfig,
  LayerRole,
  LeafPath,
  LoraSettings,
  NumericPath,
  ParamSpec,
  PostConfig,
  PostTarget,
  RefusalClassifierSettings,
  RangeSpec,
  Schedule,
  Stage,
  StageTraining,
} from './schema';
export { migrateConfigInput, SCHEMA_V1_DEFAULTS, V3_POST_LAYER_GROUPS } from './migrate';
export type { ValidationContext } from './context';
export {
  ConfigError,
  JSON_PATH,
  ROOT_PATH,
  formatErrors,
  validateConfig,
  validateConfigJSON,
  validationContextProblems,
} from './validate';
export type { ValidateOptions, ValidationError, ValidationResult } from './validate';
export { PRESETS, checkPresets, listPresets, presetStack, resolvePresetIn } from './presets';
export type { Preset, PresetNeed } from './presets';
export { PRESET_NEED_LABELS } from './presets';
export { canonicalJSON, configHash, sha256Hex, stageKey, stageKeyMaterial } from './canonical';
export type { SharedPostField, StageKeyContext } from './canonical';
export type { StageKeyMaterial } from './canonical';
export {
  MAX_LINK_CHARS,
  URL_PATH,
  decodeConfigFromUrl,
  encodeConfigForUrl,
  encodeJSONForUrl,
  inflateUrlPayload,
} from './url';
export { applyPatches, clonePlain, deepFreeze, deepMerge, isPlainObject } from './merge';
export { closestMatch, editDistance } from './suggest';
export { CONFIRM_WORK, builtInParameters, describeCost, needsConfirmation, runCost } from './cost';
export type { RunCost } from './cost';
