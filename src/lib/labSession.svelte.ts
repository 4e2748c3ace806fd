/**
 * The page's one lab worker (one tfjs instance on one backend). The UI asks for a backend; the
 * session starts a fresh worker whenever the choice changes, since tfjs fixes its backend per
 * instance, and after its GPU device was lost, since a lost device cannot be used again. All ML
 * happens behind this object, in the worker.
 */
import type { ExperimentConfig } from '../core/config';
import type { GenerateRequest, GenerateResult } from '../core/generation/tryModel';
import type { PipelineEvent, ResultsFile } from '../core/pipeline/types';
import type { BackendProbe } from '../core/bench/backendProbe';
import type { BackendChoice, BackendInfo } from '../core/runtime/backend';
import { probeFor, rememberBackend } from './backendMemory';
import { errorText } from '../core/errors';
import { isDeviceFailure } from '../core/runtime/deviceFailure';
import {
  createLabWorker,
  type DownloadEvent,
  type LabEvent,
  type LabListener,
  type LabWorkerHandle,
} from './labClient';

/**
 * What holds the page's one worker: the builder's run, a sweep, a workshop's shard of one, an
 * attacker search, a Try box.
 */
export type WorkerUse = 'run' | 'sweep' | 'shard' | 'attack' | 'try';

export class LabSession {
  /** What holds the worker now (see `hold`), or null while it is free. */
  busy = $state<WorkerUse | null>(null);
  info = $state<BackendInfo | null>(null);
  /** The backend asked for, while its worker starts. */
  starting = $state<BackendChoice | null>(null);
  error = $state<string | null>(null);
  /**
   * A script drives the lab with a worker of its own (see `standDown`): the page starts none of
   * its own until the next use (a run here) asks for one.
   */
  stoodDown = $state(false);

  #handle: LabWorkerHandle | null = null;
  /**
   * Counts cancel clicks. A click while a call is still waiting for its worker (a backend starting,
   * the auto backend's speed probe) reaches the worker before the call itself, whose fresh cancel
   * token would never see it: the call checks the count before it starts instead.
   */
  #cancels = 0;
  #choice: BackendChoice | null = null;
  /** The model shape `auto` measured for, when it did. */
  #probeKey: string | null = null;
  #ready: Promise<BackendInfo> | null = null;
  /**
   * The id of the latest call. Events tagged with any other id are an earlier call's, arriving
   * late (a cancelled run finishing its step after the next run started), and are dropped. The
   * latest call's own events are delivered even after it settled: comlink sends them through the
   * listener's own message port, so they may arrive after the call's result.
   */
  #runId: string | null = null;

  /**
   * The worker for `choice`, started (or restarted on another backend) when needed. `auto` with
   * a `probe` picks the fastest backend for that model shape (`backendMemory.ts`), and starts
   * again when a run's model has another shape; a call without a probe takes the worker as it is.
   */
  use(choice: BackendChoice, probe?: BackendProbe | null): Promise<BackendInfo> {
    // undefined: any worker on `choice` will do (Try the model); null: `auto` for a model with no
    // probe (a Hub model), which must not inherit what was measured for another model's shape.
    const sameProbe =
      choice !== 'auto' || probe === undefined || (probe?.key ?? null) === this.#probeKey;
    if (this.#ready && this.#choice === choice && sameProbe) return this.#ready;
    this.#handle?.terminate();
    this.stoodDown = false;
    const handle = createLabWorker();
    this.#handle = handle;
    this.#choice = choice;
    this.#probeKey = choice === 'auto' ? (probe?.key ?? null) : null;
    this.info = null;
    this.error = null;
    this.starting = choice;
    const ready = handle.api
      .init(choice, { probe: choice === 'auto' ? (probe ?? undefined) : undefined })
      .then(
        (info) => {
          rememberBackend(info);
          if (this.#handle === handle) {
            this.info = info;
            this.starting = null;
          }
          return info;
        },
        (error: unknown) => {
          if (this.#handle === handle) {
            this.error = `could not start the ${choice} backend: ${errorText(error)}`;
            this.starting = null;
            this.#ready = null;
          }
          throw error;
        },
      );
    this.#ready = ready;
    return ready;
  }

  /**
   * Runs `task` (one or many worker calls) holding the worker for `use`, and frees it however
   * the task ends: finished, failed or cancelled. Refused while anything holds the worker: the
   * task is not started and the promise resolves false. A task's failure rejects it.
   */
  async hold(use: WorkerUse, task: () => Promise<void>): Promise<boolean> {
    if (this.busy !== null) return false;
    this.busy = use;
    try {
      await task();
    } finally {
      this.busy = null;
    }
    return true;
  }

  /**
   * Runs `config` on its own `runtime.backend`, a Hub `model.base` coming from `endpoint`;
   * rejects with the worker's one-line reason.
   */
  async run(
    config: ExperimentConfig,
    onEvent: (event: PipelineEvent) => void,
    endpoint: string,
  ): Promise<ResultsFile> {
    return this.#call(
      config.runtime.backend,
      onEvent,
      (api, runId, listener) => api.runExperiment(runId, config, listener, endpoint),
      config.runtime.backend === 'auto' ? (probeFor(config) ?? null) : undefined,
    );
  }

  /** Greedy generation from a built-in or Hub model (`endpoint`), on `backend`'s worker. */
  async generate(
    request: GenerateRequest,
    endpoint: string,
    backend: BackendChoice,
    onProgress: (event: DownloadEvent) => void,
  ): Promise<GenerateResult> {
    return this.#call(backend, onProgress, (api, runId, listener) =>
      api.generate(runId, request, endpoint, listener),
    );
  }

  /**
   * One long call on `backend`'s worker under a fresh run id: `start` makes the call with that id
   * and a listener that hands `deliver` its events until a later call starts.
   */
  async #call<E extends LabEvent, T>(
    backend: BackendChoice,
    deliver: (event: E) => void,
    start: (api: LabWorkerHandle['api'], runId: string, listener: LabListener<E>) => Promise<T>,
    probe?: BackendProbe | null,
  ): Promise<T> {
    const runId = crypto.randomUUID();
    this.#runId = runId;
    const cancels = this.#cancels;
    const handle = await this.#worker(backend, probe);
    if (this.#cancels !== cancels) throw new Error('cancelled');
    const listener = handle.progress<E>((message) => {
      if (message.runId === this.#runId) deliver(message.event);
    });
    return this.#onDevice(handle, start(handle.api, runId, listener));
  }

  /**
   * `call`, on `handle`'s worker; when it fails because the GPU device was lost (or ran out of
   * memory), that worker is dropped: a lost device cannot be used again, so the next call starts
   * a fresh worker (on whatever backend it asks for).
   */
  async #onDevice<T>(handle: LabWorkerHandle, call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (isDeviceFailure(errorText(error)) && this.#handle === handle) {
        this.dispose();
        this.info = null;
      }
      throw error;
    }
  }

  async #worker(backend: BackendChoice, probe?: BackendProbe | null): Promise<LabWorkerHandle> {
    await this.use(backend, probe);
    const handle = this.#handle;
    if (!handle) throw new Error('the lab worker is not running');
    return handle;
  }

  cancel(): void {
    this.#cancels++;
    void this.#handle?.api.cancel();
  }

  /**
   * Stops the page's worker while nothing holds it, because a script (the CLI, a benchmark, a
   * test) drives the lab through a worker of its own (`window.safetuneLab`). Left running, the
   * page's worker competes with it for the same cores: on a machine without a hardware GPU its
   * `auto` start times wasm against WebGL, whose software rendering kept a 2-core machine's
   * second core busy for the first 13 s of every run and benchmark. Nothing is stopped while the
   * worker is held. The next use (a run here) starts it again.
   */
  standDown(): void {
    if (this.busy !== null) return;
    this.dispose();
    this.info = null;
    this.starting = null;
    this.stoodDown = true;
  }

  dispose(): void {
    this.#handle?.terminate();
    this.#handle = null;
    this.#ready = null;
  }
}
