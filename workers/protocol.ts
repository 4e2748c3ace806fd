import type {
  SyntheticTrainingOptions,
  SyntheticTrainingReport,
} from '../src/core/bench/syntheticTraining';
import type { ModelBenchOptions, ModelBenchReport } from '../src/core/bench/modelBench';
import type { GenerateRequest, GenerateResult } from '../src/core/generation/tryModel';
import type { PipelineEvent, ResultsFile } from '../src/core/pipeline/types';
import type { JudgeRequest, JudgeResult } from '../src/core/metrics/judgeSamples';
import type { BackendChoice, BackendInfo } from '../src/core/runtime/backend';

/** Progress of a long worker call, delivered through a comlink-proxied callback. */
export type LabEvent =
  | { type: 'step'; stage: string; step: number; totalSteps: number; loss: number; ms: number }
  | { type: 'log'; message: string }
  /** Bytes of a Hub model's weight files received (`totalBytes` null while unknown). */
  | { type: 'download'; file: string; loadedBytes: number; totalBytes: number | null };

export type ProgressCallback = (event: LabEvent) => void;

/** What the worker exposes through comlink (see workers/lab.worker.ts). */
export interface LabWorkerApi {
  init(backend: BackendChoice): Promise<BackendInfo>;
  trainSynthetic(
    options: SyntheticTrainingOptions,
    onProgress?: ProgressCallback,
  ): Promise<SyntheticTrainingReport>;
  /** The real-size benchmark (`npm run bench -- --real-size`): one LoRA step and greedy decoding on a random model. */
  benchModel(options: ModelBenchOptions, onProgress?: ProgressCallback): Promise<ModelBenchReport>;
  /**
   * Validates `config` (field-path errors in the rejection message, one per line) and runs the
   * whole pipeline, re-using cached stages; resolves to the results file.
   */
  runExperiment(
    config: unknown,
    onEvent?: (event: PipelineEvent) => void,
    /** Where a Hub `model.base` comes from (default https://huggingface.co; the CLI passes $HF_ENDPOINT). */
    endpoint?: string,
  ): Promise<ResultsFile>;
  /**
   * Loads a model (built-in name, or Hub repo `owner/name[@revision]` from `endpoint`, cached in
   * the browser) and generates greedily; download progress arrives as `download` events.
   */
  generate(
    request: GenerateRequest,
    endpoint: string,
    onProgress?: ProgressCallback,
  ): Promise<GenerateResult>;
  /**
   * Judges (prompt, output) pairs with one judge (`lab judge`); a classifier's files come from
   * `endpoint` (cached in the browser), reported as `download` events.
   */
  judge(
    request: JudgeRequest,
    endpoint: string,
    onProgress?: ProgressCallback,
  ): Promise<JudgeResult>;
  /** Cancels the call in progress; it rejects with a CancelledError message "cancelled". */
  cancel(): void;
  memory(): { numTensors: number; numBytes: number; backend: string };
  /**
   * Test-only (tests/e2e/device-loss.spec.ts): destroys tfjs's WebGPU device, as a driver reset
   * would lose it (`destroy`, the default), or raises the GPU's out-of-memory error on it. The
   * call in progress then rejects with a DeviceFailureError message ("the GPU device was lost …;
   * the run stopped — retry on wasm"), and so does every later call. Returns false when the
   * worker runs no WebGPU device.
   */
  debugLoseDevice(how?: 'destroy' | 'out-of-memory'): boolean;
}
