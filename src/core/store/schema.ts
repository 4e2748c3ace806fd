/**
 * The database layout. Weights and their metadata live in separate object stores so the Cache
 * panel lists stages without loading a single weight; the two are always written, deleted and
 * cleared in one transaction, so neither exists without the other.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import type { CachedStage, CheckpointSummary, RunRecord, StageSummary } from './types';

/** Bump on every layout change, and add a step to `upgradeLabSchema`. */
export const DB_VERSION = 2;
export const DEFAULT_DB_NAME = 'safetune-lab';

export interface StoredStageBytes {
  key: string;
  /** The safetensors file, exactly as given to `putStage`. */
  bytes: Uint8Array;
}

export interface LabSchema extends DBSchema {
  /** Stage metadata, keyed by stage key. */
  stages: {
    key: string;
    value: StageSummary;
    indexes: { createdAt: number; stage: CachedStage };
  };
  /** Stage weights, keyed by the same stage key. */
  stageBytes: { key: string; value: StoredStageBytes };
  /** Training checkpoints' summaries (version 2), keyed by stage key. */
  checkpoints: {
    key: string;
    value: CheckpointSummary;
    indexes: { savedAt: number };
  };
  /** The checkpoints' state (weights, optimizer, data position), keyed by the same stage key. */
  checkpointData: { key: string; value: { key: string; entry: Record<string, unknown> } };
  /** Finished runs, keyed by run id. */
  runs: {
    key: string;
    value: RunRecord;
    indexes: { createdAt: number; configHash: string };
  };
}

/** Each step brings a database from version `step - 1` to `step`; they run in order. */
export function upgradeLabSchema(db: IDBPDatabase<LabSchema>, oldVersion: number): void {
  if (oldVersion < 1) {
    const stages = db.createObjectStore('stages', { keyPath: 'key' });
    stages.createIndex('createdAt', 'createdAt');
    stages.createIndex('stage', 'stage');
    db.createObjectStore('stageBytes', { keyPath: 'key' });
    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('createdAt', 'createdAt');
    runs.createIndex('configHash', 'configHash');
  }
  if (oldVersion < 2) {
    const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'key' });
    checkpoints.createIndex('savedAt', 'savedAt');
    db.createObjectStore('checkpointData', { keyPath: 'key' });
  }
}
