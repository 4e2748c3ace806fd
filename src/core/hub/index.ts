export { CacheStorageHubFileCache, HUB_CACHE_NAME, MemoryHubFileCache } from './cache';
export type { HubFileCache } from './cache';
export { HubError } from './errors';
export type { HubErrorKind } from './errors';
export {
  CONFIG_FILE,
  GENERATION_CONFIG_FILE,
  TOKENIZER_CONFIG_FILE,
  TOKENIZER_FILE,
  WEIGHTS_FILE,
  WEIGHTS_INDEX_FILE,
  loadHubModelFiles,
} from './fetchFiles';
export type { HubFileRecord, HubLoadOptions, HubLoadProgress, HubModelFiles } from './fetchFiles';
export {
  DEFAULT_HUB_ENDPOINT,
  DEFAULT_REVISION,
  fileUrl,
  formatRepoSpec,
  isRepoSpec,
  parseRepoSpec,
} from './repo';
export type { RepoRef } from './repo';
export { eosIdsOf } from './model';
export { baseModelFromHubFiles, hubModelIdentity, loadHubBaseModel } from './base';
export { checkModelFits } from './guard';
