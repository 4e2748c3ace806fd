/**
 * The lab worker's contract (workers/lab.worker.ts; the page reaches it through comlink,
 * src/lib/labClient.ts).
 *
 * Events: everything a worker call reports is one `LabEvent` — the pipeline's `PipelineEvent`s
 * plus the synthetic benchmark's `bench-step`. Each long call says which members it sends
 * (`runExperiment` the pipeline's, `generate` and `judge` `download`s naming their repo,
 * `trainSynthetic` `bench-step`s, `benchModel` `log`s), so a consumer's `switch` over what it
 * receives ends in a `never` default: an event added here fails to compile where it is unhandled.
 *
 * Run ids: the caller names each long call with a `runId` (its first argument) and may pass a
 * listener (a comlink-proxied callback). The listener only accepts a `LabMessage`, so every event
 * crosses the boundary tagged `{ runId, event }` with that call's id: the page drops an earlier
 * call's events once a later call started (a cancelled run's late steps). Events travel on the
 * listener's own message port, so the last ones may arrive after the call's result.
 */
import type {
  SyntheticTrainingOptions,
  SyntheticTrainingReport,
} from '../src/core/bench/syntheticTraining';
import type { ModelBenchOptions, ModelBenchReport } from '../src/core/bench/modelBench';
import type { ProductPeak, ProductPeakOptions } from '../src/core/bench/productPeak';
import type { GenerateRequest, GenerateResult } from '../src/core/generation/tryModel';
import type { PipelineEvent, ResultsFile } from '../src/core/pipeline/types';
import type { JudgeRequest, JudgeResult } from '../src/core/metrics/judgeSamples';
import type { BackendProbe } from '../src/core/bench/backendProbe';
import type { BackendChoice, BackendInfo } from '../src/core/runtime/backend';

/** One step of the synthetic training benchmark (`trainSynthetic`), timed. */
export interface BenchStepEvent {
  type: 'bench-step';
  step: number;
  totalSteps: number;
  loss: number;
  ms: number;
}

/** Everything a worker call reports. */
export type LabEvent = PipelineEvent | BenchStepEvent;

/** A Hub repo's files arriving (`totalBytes` null while unknown). */
export type DownloadEvent = Extract<LabEvent, { type: 'download' }>;
export type LogEvent = Extract<LabEvent, { type: 'log' }>;

/** An event as it crosses from the worker: tagged with the id its call was started with. */
export interface LabMessage<E extends LabEvent = LabEvent> {
  runId: string;
  event: E;
}

/** Where a long call's events go (proxied with `LabWorkerHandle.progress`). */
export type LabListener<E extends LabEvent = LabEvent> = (message: LabMessage<E>) => void;

/** What `init` may be told besides the backend. */
export interface LabInitOptions {
  probe?: BackendProbe;
  threads?: number;
}

/** What the worker exposes through comlink (see workers/lab.worker.ts). */
export interface LabWorkerApi {
  /**
   * Starts `backend`; `auto` with a `probe` times the candidates on that model shape (or takes
   * the choice the page remembered for it), without one it uses the quick small-model check.
   * `threads`: wasm's XNNPACK threads when the worker is cross-origin isolated (1 to 8; the page's
   * `createLabWorker` passes a default from its own core count, `defaultWasmThreads`).
   */
  init(backend: BackendChoice, options?: LabInitOptions): Promise<BackendInfo>;
  trainSynthetic(
    runId: string,
    options: SyntheticTrainingOptions,
    onMessage?: LabListener<BenchStepEvent>,
  ): Promise<SyntheticTrainingReport>;
  /**
   * The best rate of one large plain product on the started backend (`npm run bench`'s
   * `peakGflopsPerSecond`, the denominator of `fractionOfPeak`).
   */
  productPeak(options?: ProductPeakOptions): Promise<ProductPeak>;
  /** The real-size benchmark (`npm run bench -- --real-size`): one LoRA step and greedy decoding on a random model. */
  benchModel(
    runId: string,
    options: ModelBenchOptions,
    onMessage?: LabListener<LogEvent>,
  ): Promise<ModelBenchReport>;
  /**
   * Validates `config` (field-path errors in the rejection message, one per line) and runs the
   * whole pipeline, re-using cached stages; resolves to the results file.
   */
  runExperiment(
    runId: string,
    config: unknown,
    onMessage?: LabListener<PipelineEvent>,
    /** Where a Hub `model.base` comes from (default https://huggingface.co; the CLI passes $HF_ENDPOINT). */
    endpoint?: string,
  ): Promise<ResultsFile>;
  /**
   * Loads a model (built-in name, or Hub repo `owner/name[@revision]` from `endpoint`, cached in
   * the browser) and generates greedily; download progress arrives as `download` events, whose
   * `repo` is the model asked for (a checkpoint's: its run's `model.base`).
   */
  generate(
    runId: string,
    request: GenerateRequest,
    endpoint: string,
    onMessage?: LabListener<DownloadEvent>,
  ): Promise<GenerateResult>;
  /**
   * Judges (prompt, output) pairs with one judge (`lab judge`); a classifier's files come from
   * `endpoint` (cached in the browser), reported as `download` events of its model repo.
   */
  judge(
    runId: string,
    request: JudgeRequest,
    endpoint: string,
    onMessage?: LabListener<DownloadEvent>,
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
