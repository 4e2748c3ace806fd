/**
 * The builder's run on the page's worker: why Run cannot start now, the cost check of a config
 * from outside, starting a run (monitored, remembered for a reload, its results shown and saved),
 * retrying it on wasm after a lost GPU, and resuming the run a previous page left unfinished.
 * Sweeps, searches and Try boxes take the worker through the same session (`LabSession.hold`);
 * their runs come through `runOnWorker` and `finishedElsewhere`.
 */
import { untrack } from 'svelte';
import {
  builtInParameters,
  canonicalJSON,
  configHash,
  DEFAULT_CONFIG,
  describeCost,
  needsConfirmation,
  runCost,
  validateConfig,
} from '../core/config';
import type { ExperimentConfig } from '../core/config';
import { DEFAULT_HUB_ENDPOINT, isRepoSpec } from '../core/hub/repo';
import { downloadingJudges } from '../core/metrics/judgeNames';
import type { PipelineEvent, ResultsFile } from '../core/pipeline/types';
import type { BackendName } from '../core/runtime/backend';
import type { CheckpointSummary } from '../core/store';
import type { RunStatus } from '../components/RunMonitor.svelte';
import { probeFor } from './backendMemory';
import {
  describeHubRun,
  hubFailureAdvice,
  hubRunFacts,
  type HubFailureAdvice,
  type HubRunFacts,
} from './hubRun';
import type { ConfigDraft } from './configDraft.svelte';
import type { HubSetting } from './hubSetting.svelte';
import {
  checkpointOf,
  forgetActiveRun,
  readActiveRun,
  rememberActiveRun,
  type ActiveRun,
} from './interruptedRun';
import { type LabSession, type WorkerUse } from './labSession.svelte';
import type { ModelOption } from './modelChoices';
import { RunProgress, stageElapsed } from './runProgress.svelte';
import type { SavedRuns } from './savedRuns.svelte';
import type { ShownResults } from './shownResults.svelte';
import { holdScreenAwake } from './wakeLock';
import { errorText } from '../core/errors';
import { estimateStageSeconds } from '../core/config/duration';
import { runSpeeds } from './runSpeeds.svelte';
import type { StageName } from './runProgress.svelte';

/** Why Run waits, by what holds the worker. */
const BUSY_REASONS: Record<WorkerUse, string> = {
  run: 'A run is in progress.',
  sweep: 'A sweep is in progress (see Sweeps and leaderboard).',
  shard: 'A workshop shard is in progress (see Workshop).',
  attack: 'An attacker search is in progress (see Attacker search and robustness).',
  try: 'A model is being tried (see Try the model).',
};

export interface RunControllerParts {
  session: LabSession;
  hub: HubSetting;
  draft: ConfigDraft;
  saved: SavedRuns;
  shown: ShownResults;
  /** The model choices the page knows (built-in, then the curated Hub ones). */
  models: () => readonly ModelOption[];
}

export class RunController {
  readonly #parts: RunControllerParts;
  /** The config (canonical JSON) whose cost the user last accepted: it does not ask again. */
  #acceptedCost: string | null = null;
  /** The config of the last run started, for "Retry on wasm" after a lost GPU. */
  #lastRun: ExperimentConfig | null = null;

  /** The monitor's state of the last run started, or null before the first. */
  progress = $state<RunProgress | null>(null);
  /** The last run's estimated seconds per stage before it ran (`runSpeeds`), when known. */
  stageEstimate = $state.raw<Record<StageName, number> | null>(null);
  /**
   * The monitor's per-stage estimate for the overall ETA: the one from before the run, else, once
   * the run's first training steps are done, one from their pace (a first-step measurement).
   */
  readonly etaEstimate = $derived.by((): Record<StageName, number> | null => {
    if (this.stageEstimate) return this.stageEstimate;
    const run = this.progress;
    const config = this.#lastRun;
    if (!run || !config) return null;
    const stage = run.stages.find(
      (s): s is typeof s & { name: 'alignment' | 'finetune' } =>
        (s.name === 'alignment' || s.name === 'finetune') &&
        (s.status === 'running' || s.status === 'done') &&
        s.done - (s.resumedAt ?? 0) > 0,
    );
    if (!stage) return null;
    const steps = stage.done - (stage.resumedAt ?? 0);
    const speed = runSpeeds.fromFirstSteps(
      config,
      steps * config[stage.name].batchSize,
      stageElapsed(stage, this.now),
    );
    return speed ? estimateStageSeconds(config, speed) : null;
  });
  status = $state<RunStatus>('running');
  error = $state<string | null>(null);
  /** The clock the monitor reads (ETA, elapsed), ticking while a run is in progress. */
  now = $state(performance.now());
  wakeNote = $state<string | null>(null);
  /**
   * A run waiting for the user to accept its estimated cost: a large config from outside, or a Hub
   * model on a backend without a GPU (`HubRunFacts.slow`).
   */
  costCheck = $state.raw<{ config: ExperimentConfig; title: string; lines: string[] } | null>(null);
  /** What to do next after the last run failed to download from the Hub, or null. */
  advice = $state<HubFailureAdvice | null>(null);
  /** A run the previous page left unfinished (a reload, a closed tab), offered for Resume. */
  interrupted = $state<{ run: ActiveRun; checkpoint: CheckpointSummary | undefined } | null>(null);
  /** Set once a config from the URL (if any) is in place, so the first worker uses its backend. */
  ready = $state(false);

  /** What holds the worker, in Run's words, or null while it is free. */
  readonly busyReason = $derived.by(() => {
    const busy = this.#parts.session.busy;
    return busy === null ? null : BUSY_REASONS[busy];
  });
  /** Why Run cannot start now, or null. */
  readonly blockedReason = $derived.by(() => {
    if (this.busyReason !== null) return this.busyReason;
    const { draft, hub } = this.#parts;
    if (draft.errors.length > 0) {
      const first = draft.errors[0];
      const more = draft.errors.length > 1 ? ` (and ${draft.errors.length - 1} more)` : '';
      return `Fix the config first: ${first.path}: ${first.message}${more}.`;
    }
    if (isRepoSpec(draft.value.model.base) && hub.problem !== null) {
      return `Fix the Hub endpoint first: ${hub.problem}.`;
    }
    return null;
  });
  /** What the builder's run on a Hub base model needs, before it starts; null for a built-in base. */
  readonly hubFacts = $derived.by(() => {
    const config = this.#parts.draft.config;
    return config === null ? null : this.#hubFactsOf(config);
  });
  /** A run, a sweep or a search is training: the builder and imported configs wait. */
  readonly training = $derived.by(() => {
    const busy = this.#parts.session.busy;
    return busy !== null && busy !== 'try';
  });

  /** Create it while a component initializes: its effects live as long as that component. */
  constructor(parts: RunControllerParts) {
    this.#parts = parts;
    const { session, draft } = parts;

    // Start (or switch) the worker as soon as the backend choice changes, so the page shows what
    // the run will use before it starts; not while a script drives the lab with its own.
    $effect(() => {
      const backend = draft.backend;
      if (!this.ready || session.busy !== null || session.stoodDown || backend === null) return;
      untrack(() => {
        // A failure is shown by the backend panel (session.error); the run retries the start.
        session.use(backend, probeFor(draft.value) ?? null).catch(() => undefined);
      });
    });

    // Leaving the page during a run loses the work since its last checkpoint: the browser asks.
    $effect(() => {
      if (!this.training) return;
      const warn = (event: BeforeUnloadEvent) => {
        event.preventDefault();
        // Older browsers show the dialog only when returnValue is set.
        event.returnValue = '';
      };
      window.addEventListener('beforeunload', warn);
      return () => window.removeEventListener('beforeunload', warn);
    });
  }

  /**
   * The endpoint a run of `toRun` downloads its base model from. A built-in base downloads
   * nothing, so an invalid setting only stops runs that need it.
   */
  endpointFor(toRun: ExperimentConfig): string {
    const { hub } = this.#parts;
    if (hub.endpoint !== null) return hub.endpoint;
    const usesHub =
      isRepoSpec(toRun.model.base) ||
      Object.values(toRun.data).some((source) => source !== null) ||
      downloadingJudges(toRun.evaluation.judges).length > 0;
    if (usesHub) {
      throw new Error(`the Hub endpoint setting is invalid: ${hub.problem ?? 'unknown problem'}`);
    }
    return DEFAULT_HUB_ENDPOINT;
  }

  /** One run of a sweep or a search, on the worker that sweep or search holds. */
  runOnWorker = (
    toRun: ExperimentConfig,
    onEvent: (event: PipelineEvent) => void,
  ): Promise<ResultsFile> => this.#parts.session.run(toRun, onEvent, this.endpointFor(toRun));

  /** A sweep's or a search's finished run: shown (as `source`) and saved with the others. */
  async finishedElsewhere(finished: ResultsFile, source: string): Promise<void> {
    const { shown, saved } = this.#parts;
    shown.show(finished, source);
    saved.finishedRuns += 1;
    await saved.save(finished);
  }

  /**
   * The Run button's path: a config from outside whose estimated cost passes the threshold is
   * shown with the estimate first (`costCheck`), and runs once accepted.
   */
  request(toRun: ExperimentConfig): void {
    let title: string | null = null;
    const lines: string[] = [];
    if (this.#parts.draft.fromOutside) {
      const cost = runCost(toRun, this.#parametersOf(toRun.model.base));
      if (needsConfirmation(cost)) {
        title = 'A large config from a link or a file:';
        lines.push(describeCost(cost));
      }
    }
    const facts = this.#hubFactsOf(toRun);
    if (facts?.slow) {
      title = `A Hub model on ${facts.backend} (no GPU) trains slowly:`;
      lines.push(...describeHubRun(facts));
    }
    if (title !== null && canonicalJSON(toRun) !== this.#acceptedCost) {
      this.costCheck = { config: toRun, title, lines };
      return;
    }
    void this.#start(toRun);
  }

  acceptCost(): void {
    if (!this.costCheck) return;
    const toRun = this.costCheck.config;
    this.#acceptedCost = canonicalJSON(toRun);
    this.costCheck = null;
    void this.#start(toRun);
  }

  /** Runs the config of the last run again on `backend` (after the GPU was lost). */
  retryOn(backend: BackendName): void {
    const last = this.#lastRun;
    if (!last) return;
    void this.#start({ ...last, runtime: { ...last.runtime, backend } }, () => {
      this.#parts.draft.value.runtime.backend = backend;
    });
  }

  cancel(): void {
    this.#parts.session.cancel();
  }

  /** The failed run's way back: the builder's base model becomes the built-in one (no download). */
  useBuiltInModel(): void {
    this.#parts.draft.value.model.base = DEFAULT_CONFIG.model.base;
  }

  /** The run the last page left unfinished, with its newest checkpoint (if one was written). */
  async findInterrupted(): Promise<void> {
    const lost = readActiveRun();
    if (!lost) return;
    const checked = validateConfig(lost.config, this.#parts.draft.ctx);
    if (!checked.ok) {
      forgetActiveRun();
      return;
    }
    let checkpoints: CheckpointSummary[] = [];
    try {
      checkpoints = await (await this.#parts.saved.store()).listCheckpoints();
    } catch {
      // Without the list the notice still offers to run it again (finished stages are cached).
    }
    if (this.#parts.session.busy !== 'run') {
      this.interrupted = {
        run: { ...lost, config: checked.config },
        checkpoint: checkpointOf(lost, checkpoints),
      };
    }
  }

  resumeInterrupted(): void {
    if (!this.interrupted) return;
    // A plain copy: the notice's state is a proxy, which cannot be posted to the worker.
    const toResume = $state.snapshot(this.interrupted.run.config) as ExperimentConfig;
    this.interrupted = null;
    this.#parts.draft.openShared(toResume);
    void this.#start(toResume);
  }

  dismissInterrupted(): void {
    this.interrupted = null;
    forgetActiveRun();
  }

  #hubFactsOf(toRun: ExperimentConfig): HubRunFacts | null {
    const repo = toRun.model.base.split('@')[0].toLowerCase();
    const option = this.#parts.models().find((o) => o.spec.toLowerCase() === repo);
    const chosen = toRun.runtime.backend;
    const backend = chosen === 'auto' ? (this.#parts.session.info?.backend ?? null) : chosen;
    return hubRunFacts(toRun, option, backend, runSpeeds.estimate(toRun, backend ?? undefined));
  }

  /** The base model's parameters, when the page knows them before downloading anything. */
  #parametersOf(base: string): number | null {
    const repo = base.split('@')[0];
    const option = this.#parts.models().find((o) => o.spec === repo);
    return builtInParameters(base) ?? option?.parameters ?? null;
  }

  /**
   * Runs `toRun` holding the worker, after `prepare` (once the worker is held); refused, with
   * nothing done, while anything else holds it.
   */
  #start(toRun: ExperimentConfig, prepare?: () => void): Promise<boolean> {
    const { session, saved, shown } = this.#parts;
    return session.hold('run', async () => {
      prepare?.();
      this.#lastRun = toRun;
      const speed = runSpeeds.speedFor(toRun, session.info?.backend);
      this.stageEstimate = speed ? estimateStageSeconds(toRun, speed) : null;
      // Remembered until the run ends, so that a reload can offer to resume it.
      this.interrupted = null;
      rememberActiveRun({
        config: $state.snapshot(toRun) as ExperimentConfig,
        configHash: await configHash(toRun),
        startedAt: Date.now(),
      });
      this.status = 'running';
      this.error = null;
      this.advice = null;
      const run = new RunProgress(performance.now(), toRun.finetune.task);
      this.progress = run;
      this.now = performance.now();
      const tick = setInterval(() => (this.now = performance.now()), 500);
      const wake = await holdScreenAwake();
      this.wakeNote = wake.note;
      try {
        const finished = await session.run(
          toRun,
          (event) => run.apply(event, performance.now()),
          this.endpointFor(toRun),
        );
        this.status = 'done';
        shown.show(finished, 'This run');
        // The results panel may be screens away from Run (a phone's bar, a long page).
        shown.reveal();
        await saved.save(finished);
      } catch (error) {
        const text = errorText(error);
        this.status = /cancelled/i.test(text) ? 'cancelled' : 'failed';
        this.error = this.status === 'cancelled' ? null : text;
        this.advice = hubFailureAdvice(this.error, toRun.model.base);
        run.halt(performance.now());
      } finally {
        forgetActiveRun();
        clearInterval(tick);
        saved.finishedRuns += 1;
        this.now = performance.now();
        await wake.release();
      }
    });
  }
}
