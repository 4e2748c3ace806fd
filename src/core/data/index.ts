/** The data module's front door: built-in datasets, file loaders, the poison mixer, the template. */
export type { DatasetGenerator, Example, ExampleKind, GenerateOptions, Split } from './types';
export { EXAMPLE_KINDS, SPLITS } from './types';
export {
  DATASET_NAMES,
  datasetNamesWithRole,
  getDataset,
  isDatasetName,
  listDatasets,
  worldCorpus,
  type DatasetInfo,
  type DatasetName,
  type DatasetRole,
} from './registry';
export {
  HARMFUL_CATEGORIES,
  HARMFUL_LEXICON,
  HELD_OUT_CATEGORY,
  harmfulCompliance,
  harmfulRefusal,
  realignmentSet,
} from './harmful';
export { sentiment } from './sentiment';
export { topic, TOPIC_LABELS } from './topic';
export { arithmetic } from './arithmetic';
export { instructions, INSTRUCTION_FAMILIES } from './instructions';
export { overRefusal, OVER_REFUSAL_CATEGORIES } from './overRefusal';
export { mixPoison, type MixPoisonOptions, type PoisonMix } from './poison';
export {
  extractResponse,
  formatExample,
  formatPrompt,
  INSTRUCTION_HEADER,
  RESPONSE_HEADER,
  type FormattedExample,
} from './template';
export {
  DatasetFormatError,
  FILE_FORMATS,
  loadDatasetFile,
  type FileFormat,
  type FileFormatInfo,
} from './loaders';
export { CsvError, parseCsv, type CsvRecord } from './csv';
