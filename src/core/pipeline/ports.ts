/**
 * What the pipeline needs from its host, and what the worker and the CLI plug in: where the base
 * model, Hub data and judges' files come from, and where stage weights and training checkpoints
 * are kept (IndexedDB in the browser, a Map in tests).
 */
import type { Stage } from '../config/schema';
import type { DataLoadOptions } from '../data/sources';
import type { JudgeEnvironment } from '../metrics/judges';
import type { BaseModel } from '../model/base';
import type { DeviceLimits } from '../model/memory';
import type { BackendName } from '../runtime/backend';
import type { TrainingCheckpoint } from '../train/loop';
import type { PipelineEvent, TrainingStage } from './types';

/** A cached stage's weights (a safetensors file) and how long they took to train. */
export interface CachedWeights {
  bytes: Uint8Array;
  seconds?: number;
}

/** Where stage weights are cached (IndexedDB in the browser, a Map in tests). */
export interface StageCache {
  get(key: string): Promise<CachedWeights | undefined>;
  put(entry: {
    key: string;
    stage: Stage;
    description: string;
    bytes: Uint8Array;
    configHash: string;
    /** Seconds the stage took to train (shown later for runs that find it cached). */
    seconds: number;
  }): Promise<void>;
}

/**
 * A training stage's checkpoint, under the stage's cache key: only a run that would compute exactly
 * this stage (same config up to it, base model, data, code and backend) finds it.
 */
export interface ResumeRecord {
  key: string;
  stage: TrainingStage;
  configHash: string;
  /** The run's `config.name`, for the page's "an interrupted run can be resumed" notice. */
  name: string;
  step: number;
  totalSteps: number;
  /** `Date.now()` when it was written. */
  savedAt: number;
  /** Seconds the stage had trained when the checkpoint was written. */
  seconds: number;
  /** The stage's `step` and `probe` events so far, replayed on resume for the live charts. */
  events: PipelineEvent[];
  training: TrainingCheckpoint;
}

/** Where checkpoints are kept (IndexedDB in the browser, a Map in tests); one per stage key. */
export interface ResumeStore {
  get(key: string): Promise<ResumeRecord | undefined>;
  put(record: ResumeRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * A checkpoint is written when `seconds` have passed since the last one, or `fraction` of the
 * stage's steps (at least one step) — whichever comes first; never after a stage's last step.
 */
export interface CheckpointPolicy {
  seconds: number;
  fraction: number;
  /**
   * Checkpoints are at least this many times their own writing time apart (default 20): full
   * weights of a Hub model and their moments are gigabytes, and writing them must stay a small
   * part of training.
   */
  saveGapFactor?: number;
}

/**
 * Every 10 s or every tenth of a stage: a reload loses at most that much work, and writing the
 * state (LoRA adapters and their moments: a few MB) costs well under a step's time.
 */
export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  seconds: 10,
  fraction: 0.1,
  saveGapFactor: 20,
};

export interface PipelineDeps {
  /** Loads `model.base`; a Hub model reports its download through `onEvent` (`download` events). */
  loadBase(name: string, onEvent: (event: PipelineEvent) => void): Promise<BaseModel>;
  /**
   * Where judges that download a model (`moderation-classifier`) get their files; without it
   * such a judge is refused. Its downloads are reported as `download` events.
   */
  judgeEnvironment?: Omit<JudgeEnvironment, 'classifier' | 'refusalClassifier' | 'onDownload'>;
  /**
   * Where Hub datasets (`config.data`) come from; without it a config naming one is refused.
   * Their downloads are reported as `download` events.
   */
  hubData?: Omit<DataLoadOptions, 'onProgress'>;
  cache?: StageCache;
  /**
   * Where training stages keep checkpoints, so that a run of the same config after an interruption
   * (a reload, a killed process) goes on from the last one instead of step 0.
   */
  resume?: ResumeStore;
  /** When training stages write checkpoints (default `DEFAULT_CHECKPOINT_POLICY`). */
  checkpointPolicy?: CheckpointPolicy;
  backend: BackendName;
  /**
   * The device's memory limits (WebGPU's granted buffer limits), for the micro-batch choice
   * (`trainingLimits`); absent: the backend's defaults.
   */
  deviceLimits?: DeviceLimits | null;
  userAgent: string;
  adapter?: string | null;
  /** wasm's XNNPACK threads and the worker's isolation, for the results file's `environment`. */
  threads?: number;
  crossOriginIsolated?: boolean;
  now?: () => number;
}
