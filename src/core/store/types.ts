/** What the lab keeps in IndexedDB: each stage's output weights, and finished runs. */

/** The pipeline stages whose output weights are cached. */
export const CACHED_STAGES = ['alignment', 'finetune', 'post'] as const;
export type CachedStage = (typeof CACHED_STAGES)[number];

/** Everything about a cached stage except its weights. */
export interface StageInfo {
  /**
   * `stageKey` (config/canonical.ts): SHA-256 of everything that determined the weights (the
   * config's stage material, the base model's hash, `CORE_SOURCE_HASH`, the backend, and the Hub
   * data files' hash when the stage reads any); the pipeline computes it, the store treats it as
   * an opaque id. `labVersion` and `backend` below are shown beside it.
   */
  key: string;
  stage: CachedStage;
  /** ms since the epoch (`Date.now()`). */
  createdAt: number;
  labVersion: string;
  backend: string;
  configHash?: string;
  /** One line for the Cache panel, e.g. "fine-tuned, p = 0.1, 200 steps". */
  description: string;
  meta?: Record<string, unknown>;
}

/** What `putStage` takes: the weights as a safetensors file. */
export interface StageInput extends StageInfo {
  bytes: Uint8Array;
}

/** A row of the Cache panel: `listStages` never loads the weights themselves. */
export interface StageSummary extends StageInfo {
  sizeBytes: number;
  /** Lower-case hex SHA-256 of the weights, checked on every `getStage`. */
  sha256: string;
}

/** A cached stage with its weights, verified against `sha256`. */
export interface StageEntry extends StageSummary {
  bytes: Uint8Array;
}

/** A finished run for the runs table: its config and its results file. */
export interface RunRecord {
  id: string;
  /** ms since the epoch; `listRuns` sorts on it, newest first. */
  createdAt: number;
  name: string;
  configHash: string;
  config: unknown;
  results: unknown;
}

/** `navigator.storage` as far as the browser tells: a field is undefined when it cannot. */
export interface StorageEstimateInfo {
  usage?: number;
  quota?: number;
  persisted?: boolean;
}

/**
 * A training stage's checkpoint as the Resume notice lists it (`listCheckpoints`), without the
 * state itself. Keyed by the stage key: only a run computing exactly that stage continues it.
 */
export interface CheckpointSummary {
  key: string;
  stage: 'alignment' | 'finetune';
  configHash: string;
  /** The run's `config.name`. */
  name: string;
  step: number;
  totalSteps: number;
  /** ms since the epoch (`Date.now()`); `listCheckpoints` sorts on it, newest first. */
  savedAt: number;
}

/** A checkpoint with its state (the pipeline's `ResumeRecord`; opaque to the store). */
export interface CheckpointEntry extends CheckpointSummary {
  [field: string]: unknown;
}
