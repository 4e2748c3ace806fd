/**
 * How fast runs go in this browser, per base model and backend: learnt from every finished run
 * (the speed per training row and per evaluation generation, `core/config/duration.ts`) and kept
 * in localStorage, so every preset, sweep and search can say how long it will take before it runs.
 * Until this browser has finished a run of that model, the shipped example's speed (a 2-core laptop
 * on wasm) stands in for the built-in model, and the estimate says so.
 */
import {
  estimateSeconds,
  formatDuration,
  REAL_SIZE_WASM_RUN,
  scaledWasmSpeed,
  speedFromFirstSteps,
  speedOf,
  type RunSpeed,
  type TimedRun,
} from '../core/config/duration';
import type { ExperimentConfig } from '../core/config';
import { browserStorage } from './browserStorage';
import type { ModelOption } from './modelChoices';

const KEY = 'safetune-lab.run-speed';

export interface DurationEstimate {
  seconds: number;
  /** `about 2 min on this machine (from your last safetune-base run on wasm)`. */
  text: string;
  /** The speed's origin, in words: `on this machine (from your last safetune-base run on wasm)`. */
  where: string;
  /** For a narrow place (the phone's Run bar): `about 2 min (your last run here)`. */
  short: string;
  /**
   * Where the speed came from: this browser's runs, the shipped example's, or (a Hub model on
   * wasm) the real-size run's scaled by the model's parameters.
   */
  source: 'this-machine' | 'example' | 'scaled';
}

function isSpeed(value: unknown): value is RunSpeed {
  if (!value || typeof value !== 'object') return false;
  const speed = value as Record<string, unknown>;
  return ['trainSecondsPerRow', 'evalSecondsPerGeneration', 'postSeconds'].every(
    (key) => typeof speed[key] === 'number' && Number.isFinite(speed[key]) && speed[key] >= 0,
  );
}

export class RunSpeeds {
  /** The speeds kept in storage, read once (estimates run in every render of a sweep's grid). */
  #speeds = $state.raw<Record<string, unknown>>({});
  #reference = $state.raw<{ base: string; backend: string; speed: RunSpeed } | null>(null);
  /** Parameters of the models the page lists (a Hub model's scaled speed needs its size). */
  #parameters = $state.raw<Readonly<Record<string, number>>>({});
  readonly #store: () => Storage | undefined;

  constructor(store: () => Storage | undefined = browserStorage) {
    this.#store = store;
    try {
      const parsed = JSON.parse(store()?.getItem(KEY) ?? '{}') as unknown;
      if (parsed && typeof parsed === 'object') this.#speeds = parsed as Record<string, unknown>;
    } catch {
      // A damaged record is read as no speeds kept.
    }
  }

  /** Learns the speed of a finished run (nothing when it cannot tell: cached stages). */
  remember(run: TimedRun & { environment: { backend: string } }): void {
    const speed = speedOf(run);
    if (!speed) return;
    const all = { ...this.#speeds, [`${run.config.model.base}|${run.environment.backend}`]: speed };
    this.#speeds = all;
    try {
      this.#store()?.setItem(KEY, JSON.stringify(all));
    } catch {
      // A full or blocked storage only means estimating from the example meanwhile.
    }
  }

  /** The shipped example: the stand-in speed for its model until this browser has its own. */
  useReference(run: (TimedRun & { environment: { backend: string } }) | null): void {
    const speed = run ? speedOf(run) : null;
    this.#reference = speed
      ? { base: run!.config.model.base, backend: run!.environment.backend, speed }
      : null;
  }

  /** The page's model list, once loaded: the sizes a Hub model's scaled speed is read from. */
  knowModels(options: readonly ModelOption[]): void {
    this.#parameters = Object.fromEntries(
      options.flatMap((o) =>
        o.parameters === undefined ? [] : [[o.spec.toLowerCase(), o.parameters] as const],
      ),
    );
  }

  /** The speed `config`'s model has shown on `backend` here, else the example's for its model. */
  speedFor(config: ExperimentConfig, backend?: string): RunSpeed | null {
    return this.#found(config, backend)?.speed ?? null;
  }

  /** Where the speed for `config` on `backend` comes from, in words, with the speed. */
  #found(
    config: ExperimentConfig,
    backend?: string,
  ): { speed: RunSpeed; where: string; short: string; source: DurationEstimate['source'] } | null {
    const base = config.model.base;
    const on = backend ?? config.runtime.backend;
    const own = this.#speeds[`${base}|${on}`];
    if (isSpeed(own)) {
      const where = `on this machine (from your last ${base} run on ${on})`;
      return { speed: own, where, short: '(your last run here)', source: 'this-machine' };
    }
    const reference = this.#reference;
    if (reference && reference.base === base) {
      const where = `on a 2-core laptop on ${reference.backend} (the example run's speed; yours is measured by your first run)`;
      return {
        speed: reference.speed,
        where,
        short: "(the example run's speed)",
        source: 'example',
      };
    }
    // A Hub model of known size on wasm: the real-size run's speed, scaled. On a GPU nothing
    // measured here says how fast; the run's first steps do. Before `auto` has chosen, the
    // estimate is wasm's, said as such.
    const repo = base.split('@')[0].toLowerCase();
    const parameters = Object.hasOwn(this.#parameters, repo) ? this.#parameters[repo] : undefined;
    if (parameters === undefined || (on !== 'wasm' && on !== 'auto')) return null;
    const measured = "a 135M model's measured run, scaled to this size";
    const where =
      on === 'wasm'
        ? `on one wasm thread of a 2-core laptop (${measured}; yours is measured by your first run)`
        : `if it runs on wasm, one thread of a 2-core laptop (${measured}); a WebGPU GPU is faster`;
    return {
      speed: scaledWasmSpeed(parameters),
      where,
      short: on === 'wasm' ? '(scaled from a 135M run)' : '(on wasm, scaled from a 135M run)',
      source: 'scaled',
    };
  }

  /**
   * A run's speed from its first `steps` training steps of `rows` rows each, taken in `seconds`:
   * for a run nothing measured before. Evaluation and post keep the proportions of the example
   * run (the built-in model) or of the real-size run (a Hub model).
   */
  fromFirstSteps(config: ExperimentConfig, rows: number, seconds: number): RunSpeed | null {
    if (!(rows > 0) || !(seconds > 0)) return null;
    const reference = this.#reference;
    const like =
      reference && reference.base === config.model.base
        ? reference.speed
        : REAL_SIZE_WASM_RUN.speed;
    return speedFromFirstSteps(seconds / rows, like);
  }

  /**
   * How long `config` will take on `backend` (the worker's, else the config's own), or null when
   * nothing here has run that model.
   */
  estimate(config: ExperimentConfig, backend?: string): DurationEstimate | null {
    const found = this.#found(config, backend);
    if (!found) return null;
    const seconds = estimateSeconds(config, found.speed);
    const about = formatDuration(seconds);
    return {
      seconds,
      text: `${about} ${found.where}`,
      where: found.where,
      short: `${about} ${found.short}`,
      source: found.source,
    };
  }

  /**
   * Many runs one after another: the sum of their estimates, an upper bound (stages they share
   * are trained once). Null when any of them has no estimate.
   */
  estimateAll(configs: readonly ExperimentConfig[], backend?: string): DurationEstimate | null {
    const each = configs.map((config) => this.estimate(config, backend));
    if (each.length === 0 || each.some((one) => one === null)) return null;
    const known = each as DurationEstimate[];
    const seconds = known.reduce((sum, one) => sum + one.seconds, 0);
    const example = known.find((one) => one.source === 'example');
    const { where, source } = example ?? known[0];
    const text = `at most ${formatDuration(seconds)} ${where}`;
    return { seconds, text, where, short: `at most ${formatDuration(seconds)}`, source };
  }
}

/** The page's one record of run speeds. */
export const runSpeeds = new RunSpeeds();
