import type { DataRole, ExperimentConfig } from '../config/schema';
import type { DataProvenance } from '../data/sources';
import type { Checkpoint, CheckpointMetrics } from '../metrics/checkpoints';
import type { PruneLayerReport } from '../prune/report';
import type { BackendName } from '../runtime/backend';

// The results file's contract reads in one place; these types live with their owners.
export { CHECKPOINTS } from '../metrics/checkpoints';
export type { Checkpoint, CheckpointMetrics } from '../metrics/checkpoints';
export type { DataProvenance } from '../data/sources';
export type { PruneLayerReport } from '../prune/report';

export interface StageRecord {
  name: 'alignment' | 'finetune' | 'post' | 'evaluation';
  cached: boolean;
  seconds: number;
  /** For a cached stage: the seconds it took when it was trained, if the cache recorded them. */
  trainedSeconds?: number;
  /** Optimizer steps (training stages), generations (evaluation). */
  steps?: number;
  tokens?: number;
  /**
   * A training stage that went on from a checkpoint of an interrupted run: the step it resumed at
   * (its `seconds` then include the time trained before the interruption).
   */
  resumedAtStep?: number;
  /**
   * A training stage whose steps accumulated gradients over micro-batches: the rows of each
   * forward/backward pass (absent: the whole batch in one pass).
   */
  microBatch?: number;
  /**
   * A training stage that recomputed block activations in the backward pass: how many of the
   * first blocks kept theirs (absent: every block did, or the run recomputed none).
   */
  storedBlocks?: number;
}

export interface SampleRecord {
  checkpoint: Checkpoint;
  set: 'harmful' | 'benign' | 'helpfulness' | 'task' | 'overRefusal';
  prompt: string;
  output: string;
  judgedHarmful: boolean;
  refused: boolean;
  correct?: boolean;
  /** Harmful prompts judged by more than one judge: each judge's harmful verdict, by name. */
  verdicts?: Record<string, boolean>;
}

/** One judge's scores on a checkpoint's harmful prompts (percentages). */
export interface JudgeScores {
  harmfulScore: number;
  harmfulRefusalRate: number;
  /**
   * Mean graded score in [0, 100], StrongREJECT-style (0: every attack failed, 100: every one
   * succeeded), for a judge that grades each answer (the classifiers: the moderation
   * classifier's probability of harm, the refusal classifier's 1 − probability of a refusal).
   * Optional: absent for keyword judges and in files written before it.
   */
  gradedScore?: number;
}

/** How far two judges agree on a checkpoint's harmful prompts (Cohen's kappa on the harmful verdicts). */
export interface JudgeAgreement {
  checkpoint: Checkpoint;
  judges: [string, string];
  n: number;
  agree: number;
  /** Observed agreement po (null when n = 0). */
  observed: number | null;
  /** Chance agreement pe from the marginals (null when n = 0). */
  expected: number | null;
  /** Null when undefined: no samples, or both judges gave one and the same verdict throughout. */
  kappa: number | null;
  /** How many answers each judge called harmful (a judge at 0 or n makes κ 0 or undefined). */
  harmful: [number, number];
  disagreementCount: number;
  /** The first disagreeing samples (at most `MAX_DISAGREEMENTS`), with each judge's verdict. */
  disagreements: { prompt: string; output: string; harmful: [boolean, boolean] }[];
}

/** The judges of a run, each one's scores per checkpoint, and their agreement (results `judges`). */
export interface JudgesReport {
  /** `evaluation.judges`: the first is the primary judge, whose verdicts are the metrics. */
  names: string[];
  /** What each judge was beyond its name (a classifier's model, labels, file hashes). */
  details: Record<string, Record<string, unknown>>;
  scores: Record<Checkpoint, Record<string, JudgeScores>>;
  agreement: JudgeAgreement[];
}

/** The results file, `schemaVersion: 1` — a contract (ARCHITECTURE.md). */
export interface ResultsFile {
  schemaVersion: 1;
  configHash: string;
  config: ExperimentConfig;
  environment: {
    backend: BackendName;
    userAgent: string;
    labVersion: string;
    adapter?: string | null;
    /** wasm's XNNPACK threads (optional, absent from earlier files and other backends). */
    threads?: number;
    /** Whether the worker was cross-origin isolated (optional, absent from earlier files). */
    crossOriginIsolated?: boolean;
  };
  stages: StageRecord[];
  metrics: Record<Checkpoint, CheckpointMetrics>;
  samples: SampleRecord[];
  prune?: PruneLayerReport[];
  /** Each judge's scores and their agreement (optional: files before judges had none). */
  judges?: JudgesReport;
  /** The Hub datasets the run read, by role (absent when every role used the built-in data). */
  data?: Partial<Record<DataRole, DataProvenance>>;
}

/** Typed progress events from a run, in order (Piston's protocol idea). */
export type PipelineEvent =
  | { type: 'stage-start'; stage: StageRecord['name']; totalSteps: number; cached: boolean }
  | {
      type: 'step';
      stage: 'alignment' | 'finetune';
      step: number;
      totalSteps: number;
      loss: number;
      lr: number;
    }
  | {
      type: 'probe';
      stage: 'finetune';
      step: number;
      harmfulScore: number;
      finetuneAccuracy: number;
    }
  | { type: 'eval-progress'; checkpoint: Checkpoint; done: number; total: number }
  /** The post method's progress, in its own units (Wanda: calibration passes, then matrices). */
  | { type: 'post-progress'; done: number; total: number }
  | { type: 'stage-end'; stage: StageRecord['name']; record: StageRecord }
  | { type: 'metrics'; checkpoint: Checkpoint; metrics: CheckpointMetrics }
  /**
   * A Hub base model's weight files arriving (`model.base` `owner/name@rev`): bytes so far, and the
   * total while known (null before every file's length is known). Not sent for cached files.
   */
  | {
      type: 'download';
      repo: string;
      file: string;
      loadedBytes: number;
      totalBytes: number | null;
    }
  /** A training stage wrote a checkpoint after `step` steps: a reload or a killed run goes on from here. */
  | { type: 'checkpoint'; stage: TrainingStage; step: number; totalSteps: number }
  /**
   * A training stage goes on from the checkpoint of an interrupted run, after `step` steps. The
   * stage's earlier `step` and `probe` events follow (replayed), then its remaining steps.
   */
  | { type: 'resumed'; stage: TrainingStage; step: number; totalSteps: number }
  /**
   * How a training stage about to train splits its batches: `rows` per forward/backward pass
   * (`batchSize`: one pass), chosen from the memory estimate or by `runtime.microBatch`, with the
   * estimated peak of a step on the run's backend, and why it may not fit when it may not.
   */
  | {
      type: 'micro-batch';
      stage: TrainingStage;
      rows: number;
      /** Blocks that keep their activations, of `blocks`, when the others are recomputed. */
      storedBlocks?: number;
      blocks?: number;
      batchSize: number;
      chosen: 'auto' | 'config';
      backend: BackendName;
      stepBytes: number;
      problem?: string;
    }
  | { type: 'log'; message: string };

/** The stages that train, and so write checkpoints. */
export type TrainingStage = 'alignment' | 'finetune';
