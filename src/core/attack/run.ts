/**
 * Runs an attacker search: first every defense at the default setting on each default seed (the
 * reference defense's fine-tuned accuracy there sets the utility floor), then, defense by
 * defense, `budget` trials proposed one at a time from the trials so far. A trial's score is the
 * harmful score after the post stage, or nothing when its task accuracy is under the floor (or
 * the run failed). `runOne` is the browser worker on the page and headless Chromium from the CLI;
 * both keep one stage cache, so a defense's alignment is trained once for all its trials.
 *
 * Resuming: the same file proposes the same trials from the same outcomes, so `known` (results
 * already at hand: the CLI's files, the page's saved runs) replays an interrupted search up to
 * where it stopped, and the search goes on with the trial that was next.
 */
import type { ValidationContext } from '../config/context';
import type { ExperimentConfig } from '../config/schema';
import { validateConfig } from '../config/validate';
import type { ResultsFile } from '../pipeline/types';
import { hashString } from '../random';
import type { Variant } from '../sweep/spec';
import { proposeTrial, type Observed } from './proposer';
import { inSpace, type Dimension, type Point } from './space';
import { trialConfig, type AttackSpec } from './spec';
import { errorText } from '../errors';

export type TrialKind = 'default' | 'random' | 'tpe';

/** One run of the search, as planned. */
export interface AttackRun {
  defense: string;
  kind: TrialKind;
  /** Trial number within the defense (0-based), or the seed's position for a default run. */
  index: number;
  seed: number;
  /** The attacker's settings (empty for the default setting). */
  point: Point;
  config: ExperimentConfig;
}

export interface TrialOutcome {
  run: AttackRun;
  results?: ResultsFile;
  error?: string;
  /** Post-stage harmful score and task accuracy, in percent. */
  harmfulScore?: number;
  finetuneAccuracy?: number;
  /** Task accuracy at or above the floor (false when failed). */
  feasible: boolean;
}

export interface AttackOutcome {
  spec: AttackSpec;
  /** The seed every trial runs on (the base config's). */
  baseSeed: number;
  /** The reference defense's fine-tuned accuracy at the default setting (mean over seeds). */
  referenceAccuracy: number | null;
  /** The accuracy a trial must reach: utilityFloor × referenceAccuracy. */
  floorAccuracy: number | null;
  runs: TrialOutcome[];
  /** Stopped before the end (cancel). */
  stopped: boolean;
  /** The defenses searched, in the spec's order: all of them, or a shard's (`hooks.defenses`). */
  defenses: string[];
}

export interface AttackHooks {
  /**
   * What completes each run's config (method parameters' defaults, as a saved run's config has
   * them), so `known` finds runs by their canonical config: the lab's (`src/core/lab.ts`).
   */
  ctx: ValidationContext;
  known?: (run: AttackRun) => Promise<ResultsFile | undefined>;
  onRunStart?: (run: AttackRun, position: number, total: number) => void;
  onRunEnd?: (outcome: TrialOutcome, so: AttackOutcome) => void;
  stopped?: () => boolean;
  /**
   * The defenses to search (a shard's, `--shard i/n`); absent: every one. A defense's whole search
   * runs here, as its trials are proposed from its own history. The reference defense's
   * default-setting runs run whatever the list: the utility floor every trial is judged by is
   * theirs (so every shard runs them, and a merge folds the copies).
   */
  defenses?: readonly string[];
}

/** Numbers proposed in a continuous range, kept to 3 significant digits (readable configs). */
export function roundPoint(point: Point): Point {
  const out: Point = {};
  for (const [field, value] of Object.entries(point)) {
    out[field] =
      typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(3)) : value;
  }
  return out;
}

/**
 * How many runs the search makes in all; with `defenses` (a shard's), how many that shard makes:
 * its defenses' searches and the reference's default runs.
 */
export function attackRunCount(spec: AttackSpec, defenses?: readonly string[]): number {
  if (defenses === undefined)
    return spec.defenses.length * (spec.defaultSeeds.length + spec.budget);
  const searched = spec.defenses.filter((d) => defenses.includes(d.label));
  if (searched.length === 0) return 0;
  const reference = searched.some((d) => d.label === spec.reference) ? 0 : spec.defaultSeeds.length;
  return searched.length * (spec.defaultSeeds.length + spec.budget) + reference;
}

/**
 * The file a run's results are kept in, inside a search's `runs/` folder:
 * `vaccine-default-seed1.json`, `vaccine-trial03.json`. The same name on every machine, so a
 * search resumes (and shards merge) from copied folders.
 */
export function attackRunFileName(
  run: Pick<AttackRun, 'defense' | 'kind' | 'index' | 'seed'>,
): string {
  const what =
    run.kind === 'default'
      ? `default-seed${run.seed}`
      : `trial${String(run.index + 1).padStart(2, '0')}`;
  return `${slug(run.defense)}-${what}.json`;
}

function slug(label: string): string {
  return label.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '') || 'defense';
}

export async function runAttack(
  spec: AttackSpec,
  base: ExperimentConfig,
  runOne: (run: AttackRun) => Promise<ResultsFile>,
  hooks: AttackHooks,
): Promise<AttackOutcome> {
  const searched = (label: string) =>
    hooks.defenses === undefined || hooks.defenses.includes(label);
  const outcome: AttackOutcome = {
    spec,
    baseSeed: base.seed,
    referenceAccuracy: null,
    floorAccuracy: null,
    runs: [],
    stopped: false,
    defenses: spec.defenses.map((d) => d.label).filter(searched),
  };
  if (outcome.defenses.length === 0) return outcome;
  const total = attackRunCount(spec, hooks.defenses);
  const { ctx } = hooks;
  const execute = async (run: AttackRun): Promise<TrialOutcome | undefined> => {
    if (hooks.stopped?.()) {
      outcome.stopped = true;
      return undefined;
    }
    let results = await hooks.known?.(run);
    let error: string | undefined;
    if (!results) {
      hooks.onRunStart?.(run, outcome.runs.length, total);
      try {
        results = await runOne(run);
      } catch (e) {
        error = errorText(e);
        // A cancel ends the search; the run is not recorded as failed.
        if (hooks.stopped?.()) {
          outcome.stopped = true;
          return undefined;
        }
      }
    }
    const done: TrialOutcome = results
      ? {
          run,
          results,
          harmfulScore: results.metrics.post.harmfulScore,
          finetuneAccuracy: results.metrics.post.finetuneAccuracy,
          feasible: false,
        }
      : { run, error, feasible: false };
    outcome.runs.push(done);
    return done;
  };
  const settle = (done: TrialOutcome) => {
    done.feasible =
      done.finetuneAccuracy !== undefined &&
      outcome.floorAccuracy !== null &&
      done.finetuneAccuracy >= outcome.floorAccuracy;
    hooks.onRunEnd?.(done, outcome);
  };

  // 1. Every defense at the default setting, on each seed; the reference first (searched or not:
  // the floor is its).
  const ordered = [
    ...spec.defenses.filter((d) => d.label === spec.reference),
    ...spec.defenses.filter((d) => d.label !== spec.reference && searched(d.label)),
  ];
  const defaults: TrialOutcome[] = [];
  for (const defense of ordered) {
    for (const [i, seed] of spec.defaultSeeds.entries()) {
      const run = planned(ctx, spec, base, defense, 'default', i, {}, seed);
      const done = await execute(run);
      if (!done) return outcome;
      defaults.push(done);
      if (defense.label === spec.reference && i === spec.defaultSeeds.length - 1) {
        const accuracies = defaults
          .filter((d) => d.run.defense === spec.reference && d.results)
          .map((d) => (d.results as ResultsFile).metrics.finetuned.finetuneAccuracy);
        if (accuracies.length === 0) {
          throw new Error(
            `the reference defense "${spec.reference}" failed at the default setting on every ` +
              'seed, so there is no utility floor to search under',
          );
        }
        outcome.referenceAccuracy = mean(accuracies);
        outcome.floorAccuracy = spec.utilityFloor * outcome.referenceAccuracy;
        for (const d of defaults) settle(d);
      } else if (outcome.floorAccuracy !== null) settle(done);
    }
  }

  // 2. Each defense's trials, proposed from its own trials so far.
  for (const defense of ordered.filter((d) => searched(d.label))) {
    // The default setting at the trials' seed is a point the attacker has already seen, when
    // it lies in the space: the proposer starts from it (it is not counted in the budget).
    const history: Observed[] = [];
    const known = defaults.find((d) => d.run.defense === defense.label && d.run.seed === base.seed);
    const start = known ? defaultPoint(spec.space, known.run.config) : undefined;
    if (known && start) {
      history.push({
        point: start,
        score: known.feasible && known.harmfulScore !== undefined ? known.harmfulScore : null,
      });
    }
    const seeded = history.length;
    for (let t = 0; t < spec.budget; t++) {
      const proposal = proposeTrial(spec.space, history, {
        seed: proposerSeed(spec, defense.label),
        randomTrials: spec.randomTrials + seeded,
      });
      const point = roundPoint(proposal.point);
      const run = planned(ctx, spec, base, defense, proposal.proposer, t, point, base.seed);
      const done = await execute(run);
      if (!done) return outcome;
      settle(done);
      history.push({
        point,
        score: done.feasible && done.harmfulScore !== undefined ? done.harmfulScore : null,
      });
    }
  }
  return outcome;
}

/** The config's values on the space's fields, if every one lies in the space. */
export function defaultPoint(
  space: readonly Dimension[],
  config: ExperimentConfig,
): Point | undefined {
  const point: Point = {};
  for (const dim of space) {
    let value: unknown = config;
    for (const key of dim.field.split('.')) {
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') {
      return undefined;
    }
    point[dim.field] = value;
  }
  return inSpace(space, point) ? point : undefined;
}

function planned(
  ctx: ValidationContext,
  spec: AttackSpec,
  base: ExperimentConfig,
  defense: Variant,
  kind: TrialKind,
  index: number,
  point: Point,
  seed: number,
): AttackRun {
  const name =
    kind === 'default'
      ? `${spec.name} ${defense.label} default seed ${seed}`
      : `${spec.name} ${defense.label} trial ${index + 1}`;
  const config = trialConfig(spec, base, defense, point, seed, name);
  const checked = validateConfig(config, ctx);
  if (!checked.ok) {
    const problem = checked.errors[0];
    throw new Error(`${name}: ${problem.path}: ${problem.message}`);
  }
  return { defense: defense.label, kind, index, seed, point, config: checked.config };
}

/** Each defense gets its own proposer stream, fixed by the search's seed and its label. */
function proposerSeed(spec: AttackSpec, label: string): number {
  return hashString(`${spec.seed}:${label}`);
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
