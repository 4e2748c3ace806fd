export { MAX_CHECKPOINTS, openLabStore, type LabStore } from './labStore';
export { StoreError, formatBytes, isQuotaError, toStoreError, type StoreErrorKind } from './errors';
export { sha256OfBytes } from './integrity';
export { DB_VERSION, DEFAULT_DB_NAME } from './schema';
export { estimateStorage, requestPersistentStorage } from './storage';
export {
  CACHED_STAGES,
  type CachedStage,
  type CheckpointEntry,
  type CheckpointSummary,
  type RunRecord,
  type StageEntry,
  type StageInfo,
  type StageInput,
  type StageSummary,
  type StorageEstimateInfo,
} from './types';
