import type {
  SyntheticTrainingOptions,
  SyntheticTrainingReport,
} from '../src/core/bench/syntheticTraining';
import type { PipelineEvent, ResultsFile } from '../src/core/pipeline/types';
import type { BackendChoice, BackendInfo } from '../src/core/runtime/backend';

/** Progress of a long worker call, delivered through a comlink-proxied callback. */
export type LabEvent =
  | { type: 'step'; stage: string; step: number; totalSteps: number; loss: number; ms: number }
  | { type: 'log'; message: string };

export type ProgressCallback = (event: LabEvent) => void;

/** What the worker exposes through comlink (see workers/lab.worker.ts). */
export interface LabWorkerApi {
  init(backend: BackendChoice): Promise<BackendInfo>;
  trainSynthetic(
    options: SyntheticTrainingOptions,
    onProgress?: ProgressCallback,
  ): Promise<SyntheticTrainingReport>;
  /**
   * Validates `config` (field-path errors in the rejection message, one per line) and runs the
   * whole pipeline, re-using cached stages; resolves to the results file.
   */
  runExperiment(config: unknown, onEvent?: (event: PipelineEvent) => void): Promise<ResultsFile>;
  /** Cancels the call in progress; it rejects with a CancelledError message "cancelled". */
  cancel(): void;
  memory(): { numTensors: number; numBytes: number; backend: string };
}
