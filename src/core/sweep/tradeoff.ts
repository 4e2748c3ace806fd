/**
 * A one-axis sweep's trade-off as a picture's data: the harmful score and the task accuracy at
 * the post checkpoint at each value of the axis (in axis order, averaged over aggregated axes such
 * as seeds), the task's chance level, and where the base config's own value — the default — sits.
 * A sweep that varies two or more settings has no single axis to draw along, and gets none.
 */
import { applyPatches, isPlainObject } from '../config/merge';
import { presetStack } from '../config/presets';
import { DEFAULT_CONFIG, type DeepPartial, type ExperimentConfig } from '../config/schema';
import { taskChance, type TaskChance } from '../data/names';
import type { ResultsFile } from '../pipeline/types';
import { axisName, gridAxes, type FieldValue, type SweepRun, type SweepSpec } from './spec';

export interface TradeoffPoint {
  /** The axis value (or variant label) as the leaderboard shows it. */
  label: string;
  /** The value itself on a numeric axis; the point's position (0, 1, …) on any other. */
  x: number;
  /** Means over the point's finished runs (one run unless an axis is aggregated), in %. */
  harmfulScore: number;
  finetuneAccuracy: number;
  runs: number;
}

export interface Tradeoff {
  /** The axis' column name, e.g. `maskRatio` or `method`. */
  axis: string;
  /** Whether `x` is the axis value (a number line) or a position among labels. */
  numeric: boolean;
  /** Every value of the axis with at least one finished run, in axis order. */
  points: TradeoffPoint[];
  /** Where the base config's own value sits on the x axis, or null when it is not on it. */
  defaultX: number | null;
  defaultLabel: string | null;
  /** The task every run fine-tunes on, or null when they differ. */
  task: string | null;
  chance: TaskChance | undefined;
}

/** Whether a patch changes nothing: `{}`, or objects of `{}`s. */
function emptyPatch(patch: unknown): boolean {
  return isPlainObject(patch) && Object.values(patch).every(emptyPatch);
}

function valueAt(config: unknown, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split('.')) {
    if (!isPlainObject(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/** The config every run starts from, before its axis values (undefined if the preset is unknown). */
function baseConfig(spec: SweepSpec): ExperimentConfig | undefined {
  try {
    const stack: DeepPartial<ExperimentConfig>[] =
      spec.base.preset === undefined ? [] : [...presetStack(spec.base.preset)];
    if (spec.base.patch) stack.push(spec.base.patch);
    return applyPatches<ExperimentConfig>(DEFAULT_CONFIG as ExperimentConfig, stack);
  } catch {
    return undefined;
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * The trade-off of `spec`'s grid from the runs that finished (results by run index), or null
 * when the grid varies more or fewer than one setting, or no run has finished.
 */
export function sweepTradeoff(
  spec: SweepSpec,
  runs: readonly SweepRun[],
  results: ReadonlyMap<number, ResultsFile>,
): Tradeoff | null {
  const varied = gridAxes(spec).filter((axis) => !('field' in axis && axis.aggregate === true));
  if (varied.length !== 1) return null;
  const axis = varied[0];
  const name = axisName(axis);
  const values: FieldValue[] =
    'field' in axis ? axis.values : axis.variants.map((variant) => variant.label);
  if (values.length < 2) return null;
  const numeric = values.every((value) => typeof value === 'number');
  const position = (value: FieldValue, i: number) => (numeric ? (value as number) : i);

  const points: TradeoffPoint[] = [];
  values.forEach((value, i) => {
    const files = runs
      .filter((run) => run.coordinates[name] === value)
      .flatMap((run) => results.get(run.index) ?? []);
    if (files.length === 0) return;
    points.push({
      label: String(value),
      x: position(value, i),
      harmfulScore: mean(files.map((f) => f.metrics.post.harmfulScore)),
      finetuneAccuracy: mean(files.map((f) => f.metrics.post.finetuneAccuracy)),
      runs: files.length,
    });
  });
  if (points.length === 0) return null;

  let defaultX: number | null = null;
  let defaultLabel: string | null = null;
  if ('field' in axis) {
    const base = valueAt(baseConfig(spec), axis.field);
    const at = values.findIndex((value) => value === base);
    if (numeric && typeof base === 'number') {
      defaultX = base;
      defaultLabel = String(base);
    } else if (at >= 0) {
      defaultX = at;
      defaultLabel = String(values[at]);
    }
  } else {
    const at = axis.variants.findIndex((variant) => emptyPatch(variant.patch));
    if (at >= 0) {
      defaultX = at;
      defaultLabel = axis.variants[at].label;
    }
  }

  const tasks = new Set(runs.map((run) => run.config.finetune.task));
  const task = tasks.size === 1 ? [...tasks][0] : null;
  return {
    axis: name,
    numeric,
    points,
    defaultX,
    defaultLabel,
    task,
    chance: task === null ? undefined : taskChance(task),
  };
}
