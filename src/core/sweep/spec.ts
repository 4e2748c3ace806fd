/**
 * A sweep is data: a base config (a preset and/or a patch) and axes whose cartesian product is
 * the grid of runs. An axis either varies one config field (`finetune.poisonRatio`,
 * `post.params.threshold`, …) over values, or names whole variants (e.g. one per defense, each a
 * patch that may touch several stages). Expanding and validating needs no tfjs, so the CLI and
 * the page both list a sweep's runs, with field-path errors, before anything trains.
 */
import { SPEC_LIMITS, boundedProblems, jsonBoundsProblem, showKey } from '../config/bounds';
import type { ValidationContext } from '../config/context';
import { applyPatches, clonePlain, isPlainObject } from '../config/merge';
import { presetStack } from '../config/presets';
import { DEFAULT_CONFIG, type DeepPartial, type ExperimentConfig } from '../config/schema';
import { closestMatch } from '../config/suggest';
import { validateConfig, type ValidationError } from '../config/validate';
import { errorText } from '../errors';

/**
 * Version 2 added `seeds` (repeat every point on these seeds) and an axis' `aggregate: true`
 * (the leaderboard shows mean ± standard deviation over that axis instead of one row per value).
 * A version-1 file reads as before.
 */
export const SWEEP_SCHEMA_VERSION = 2;
/** Runs in one sweep at most: a typo in an axis should not queue a week of training. */
export const MAX_SWEEP_RUNS = 200;

export type FieldValue = number | string | boolean;

export interface FieldAxis {
  /** Dotted config path, e.g. `finetune.lr` or `post.params.threshold`. */
  field: string;
  values: FieldValue[];
  /** Repeats, not settings: the leaderboard aggregates over this axis (mean ± std, n). */
  aggregate?: boolean;
}

export interface Variant {
  /** Shown in the leaderboard's method column, e.g. `vaccine`. */
  label: string;
  patch: DeepPartial<ExperimentConfig>;
}

export interface VariantAxis {
  /** The axis' column name, e.g. `method`. */
  name: string;
  variants: Variant[];
}

export type SweepAxis = FieldAxis | VariantAxis;

export interface SweepSpec {
  schemaVersion: 1 | 2;
  name: string;
  description?: string;
  /** The config every run starts from: a preset's config, then `patch` over it. */
  base: { preset?: string; patch?: DeepPartial<ExperimentConfig> };
  axes: SweepAxis[];
  /**
   * Every grid point on each of these seeds (version 2): shorthand for a last axis
   * `{ field: 'seed', values: seeds, aggregate: true }`.
   */
  seeds?: number[];
}

/** The axes a grid is expanded over: `axes`, then the `seeds` shorthand as an aggregated axis. */
export function gridAxes(spec: SweepSpec): SweepAxis[] {
  return spec.seeds === undefined
    ? spec.axes
    : [...spec.axes, { field: 'seed', values: [...spec.seeds], aggregate: true }];
}

/** Column names of the axes the leaderboard aggregates over (e.g. `seed`). */
export function aggregatedAxisNames(spec: SweepSpec): string[] {
  return gridAxes(spec)
    .filter((axis) => 'field' in axis && axis.aggregate === true)
    .map(axisName);
}

/** One point of the grid: its coordinates, by axis, and its complete, validated config. */
export interface SweepRun {
  index: number;
  /** Axis name (field path or variant axis name) → value or variant label, in axis order. */
  coordinates: Record<string, FieldValue>;
  config: ExperimentConfig;
}

export type SweepResult =
  { ok: true; spec: SweepSpec; runs: SweepRun[] } | { ok: false; errors: ValidationError[] };

/** Short column names for the fields sweeps vary most. */
const SHORT_NAMES: Record<string, string> = {
  'finetune.poisonRatio': 'p',
  'finetune.lr': 'lr',
  'finetune.epochs': 'epochs',
  'finetune.samples': 'n',
  'post.maskRatio': 'maskRatio',
  'attack.method': 'attack',
};

export function axisName(axis: SweepAxis): string {
  if (!('field' in axis)) return axis.name;
  // checkAxes names an axis before its field is known to be a string: an object there (one
  // without a prototype cannot become a key) or "__proto__" must not reach the lookup.
  const field: unknown = axis.field;
  if (typeof field !== 'string') return field as string;
  return Object.hasOwn(SHORT_NAMES, field) ? SHORT_NAMES[field] : field;
}

/**
 * Checks a sweep from untrusted input and expands it into validated runs. Every problem is one
 * error with a path: `axes[0].values[2]: …` for the sweep's own shape, and
 * `runs[5] (method=vaccine, p=0.1): finetune.lr: …` for a run whose config is invalid. The input
 * is bounded first (`SPEC_LIMITS`), and at most 20 problems are listed, each on one line.
 */
export function expandSweep(input: unknown, ctx: ValidationContext): SweepResult {
  const result = expandChecked(input, ctx);
  return result.ok ? result : { ok: false, errors: boundedProblems(result.errors) };
}

function expandChecked(input: unknown, ctx: ValidationContext): SweepResult {
  const errors: ValidationError[] = [];
  const fail = (path: string, message: string) => errors.push({ path, message });
  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ path: '(root)', message: 'a sweep must be a JSON object' }] };
  }
  const tooLarge = jsonBoundsProblem(input, { ...SPEC_LIMITS, what: 'a sweep' });
  if (tooLarge !== undefined) return { ok: false, errors: [{ path: '(root)', message: tooLarge }] };
  const known = ['schemaVersion', 'name', 'description', 'base', 'axes', 'seeds'];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      const near = closestMatch(key, known);
      fail(showKey(key), `unknown field${near ? `; did you mean ${near}?` : ''}`);
    }
  }
  const version = input.schemaVersion;
  if (version !== 1 && version !== SWEEP_SCHEMA_VERSION) {
    fail('schemaVersion', `must be ${SWEEP_SCHEMA_VERSION} (or 1, without seeds)`);
  }
  const seeds = checkSeeds(input.seeds, version === 1, fail);
  if (typeof input.name !== 'string' || !/^[\w.-]{1,80}$/.test(input.name)) {
    fail('name', 'must be 1–80 letters, digits, "-", "_" or "." (it names the output folder)');
  }
  if (input.description !== undefined && typeof input.description !== 'string') {
    fail('description', 'must be text');
  }
  const base = checkBase(input.base, fail);
  const axes = checkAxes(input.axes, version === 1, fail);
  if (
    axes !== undefined &&
    seeds !== undefined &&
    // `axes` may still hold entries checkAxes refused (a number, null): only objects are asked.
    axes.some((axis) => isPlainObject(axis) && 'field' in axis && axis.field === 'seed')
  ) {
    fail('seeds', 'the axes already vary seed; use one or the other');
  }
  if (
    base === undefined ||
    axes === undefined ||
    errors.some((e) => /^(base|axes|seeds)/.test(e.path))
  ) {
    return { ok: false, errors };
  }

  const total = [...axes, ...(seeds ? [{ field: 'seed', values: seeds }] : [])].reduce(
    (n, axis) => n * axisLength(axis),
    1,
  );
  if (total > MAX_SWEEP_RUNS) {
    return {
      ok: false,
      errors: [{ path: 'axes', message: `the grid has ${total} runs; at most ${MAX_SWEEP_RUNS}` }],
    };
  }
  const spec: SweepSpec = {
    schemaVersion: version === 1 ? 1 : SWEEP_SCHEMA_VERSION,
    name: String(input.name),
    ...(typeof input.description === 'string' ? { description: input.description } : {}),
    base,
    axes,
    ...(seeds ? { seeds } : {}),
  };
  const grid = gridAxes(spec);
  let stack: DeepPartial<ExperimentConfig>[];
  try {
    stack = base.preset === undefined ? [] : [...presetStack(base.preset)];
  } catch (error) {
    fail('base.preset', messageOf(error));
    return { ok: false, errors };
  }
  if (base.patch) stack.push(base.patch);

  const runs: SweepRun[] = [];
  // A mistake in the base or a variant breaks many runs the same way: report it once, with a count.
  const runErrors = new Map<string, { error: ValidationError; more: number }>();
  let index = 0;
  for (const point of gridPoints(grid)) {
    const patches = [...stack];
    const coordinates: Record<string, FieldValue> = {};
    point.forEach((choice, a) => {
      const axis = grid[a];
      if ('field' in axis) {
        const value = axis.values[choice];
        coordinates[axisName(axis)] = value;
        patches.push(patchAt(axis.field, value));
      } else {
        const variant = axis.variants[choice];
        coordinates[axis.name] = variant.label;
        patches.push(variant.patch);
      }
    });
    const merged = applyPatches(DEFAULT_CONFIG as ExperimentConfig, patches);
    merged.name = runName(spec.name, coordinates);
    const result = validateConfig(merged, ctx);
    if (result.ok) runs.push({ index, coordinates, config: result.config });
    else {
      for (const e of result.errors) {
        const message = `${e.path}: ${e.message}`;
        const seen = runErrors.get(message);
        if (seen) seen.more += 1;
        else {
          const path = `runs[${index}] (${describeCoordinates(coordinates)})`;
          runErrors.set(message, { error: { path, message }, more: 0 });
        }
      }
    }
    index += 1;
  }
  for (const { error, more } of runErrors.values()) {
    errors.push(
      more > 0 ? { ...error, message: `${error.message} (and ${more} more runs)` } : error,
    );
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, spec, runs };
}

/** `method=vaccine, p=0.1`. */
export function describeCoordinates(coordinates: Record<string, FieldValue>): string {
  return Object.entries(coordinates)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(', ');
}

/** A run's config name: the sweep's name and its coordinates, within the 80-character limit. */
function runName(sweep: string, coordinates: Record<string, FieldValue>): string {
  const name = `${sweep} ${Object.values(coordinates).map(String).join(' ')}`;
  return name.length <= 80 ? name : `${name.slice(0, 79)}…`;
}

/** Checks a sweep's or a search's `base`: a preset name and/or a config patch. */
export function checkBase(
  value: unknown,
  fail: (path: string, message: string) => void,
): SweepSpec['base'] | undefined {
  if (!isPlainObject(value)) {
    fail('base', 'must be an object with "preset" (a preset name) and/or "patch" (a config patch)');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'preset' && key !== 'patch')
      fail(`base.${showKey(key)}`, 'unknown field (preset, patch)');
  }
  if (value.preset !== undefined && typeof value.preset !== 'string') {
    fail('base.preset', 'must be a preset name');
  }
  if (value.patch !== undefined && !isPlainObject(value.patch)) {
    fail('base.patch', 'must be an object (a partial config)');
  }
  return clonePlain(value) as SweepSpec['base'];
}

function checkSeeds(
  value: unknown,
  versionOne: boolean,
  fail: (path: string, message: string) => void,
): number[] | undefined {
  if (value === undefined) return undefined;
  if (versionOne) {
    fail('seeds', `needs schemaVersion ${SWEEP_SCHEMA_VERSION}`);
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) {
    fail('seeds', 'must be a non-empty list of seeds, e.g. [1, 2, 3]');
    return undefined;
  }
  value.forEach((seed: unknown, i) => {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
      fail(`seeds[${i}]`, 'must be a whole number from 0 to 2147483647');
    }
  });
  if (new Set(value).size !== value.length) fail('seeds', 'has a repeated seed');
  return [...(value as number[])];
}

function checkAxes(
  value: unknown,
  versionOne: boolean,
  fail: (path: string, message: string) => void,
): SweepAxis[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    fail('axes', 'must be a non-empty list of axes');
    return undefined;
  }
  const names = new Set<string>();
  value.forEach((axis: unknown, a) => {
    const at = `axes[${a}]`;
    if (!isPlainObject(axis)) {
      fail(at, 'must be {"field": …, "values": […]} or {"name": …, "variants": […]}');
      return;
    }
    if ('field' in axis) {
      if (typeof axis.field !== 'string' || !/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(axis.field)) {
        fail(`${at}.field`, 'must be a dotted config path, e.g. finetune.poisonRatio');
      }
      if (!Array.isArray(axis.values) || axis.values.length === 0) {
        fail(`${at}.values`, 'must be a non-empty list');
      } else {
        axis.values.forEach((v: unknown, i) => {
          if (!['number', 'string', 'boolean'].includes(typeof v)) {
            fail(`${at}.values[${i}]`, 'must be a number, text or true/false');
          }
        });
        if (new Set(axis.values.map((v) => JSON.stringify(v))).size !== axis.values.length) {
          fail(`${at}.values`, 'has a repeated value');
        }
      }
      if (axis.aggregate !== undefined) {
        if (versionOne) fail(`${at}.aggregate`, `needs schemaVersion ${SWEEP_SCHEMA_VERSION}`);
        else if (typeof axis.aggregate !== 'boolean') fail(`${at}.aggregate`, 'must be true/false');
      }
      for (const key of Object.keys(axis)) {
        if (key !== 'field' && key !== 'values' && key !== 'aggregate')
          fail(`${at}.${showKey(key)}`, 'unknown field (field, values, aggregate)');
      }
    } else if ('variants' in axis) {
      if (typeof axis.name !== 'string' || axis.name.trim() === '') {
        fail(`${at}.name`, 'must name the axis, e.g. "method"');
      }
      if (!Array.isArray(axis.variants) || axis.variants.length === 0) {
        fail(`${at}.variants`, 'must be a non-empty list');
      } else {
        const labels = new Set<string>();
        axis.variants.forEach((variant: unknown, i) => {
          const vat = `${at}.variants[${i}]`;
          if (!isPlainObject(variant)) {
            fail(vat, 'must be {"label": …, "patch": {…}}');
            return;
          }
          if (typeof variant.label !== 'string' || variant.label.trim() === '') {
            fail(`${vat}.label`, 'must be a non-empty label');
          } else if (labels.has(variant.label)) {
            fail(`${vat}.label`, `"${variant.label}" is used twice`);
          } else labels.add(variant.label);
          if (!isPlainObject(variant.patch)) fail(`${vat}.patch`, 'must be an object');
        });
      }
    } else {
      fail(at, 'must have "field" and "values", or "name" and "variants"');
      return;
    }
    const name = axisName(axis as unknown as SweepAxis);
    if (typeof name === 'string') {
      if (names.has(name)) fail(at, `axis "${name}" appears twice`);
      names.add(name);
    }
  });
  return clonePlain(value) as SweepAxis[];
}

function axisLength(axis: SweepAxis): number {
  return 'field' in axis ? axis.values.length : axis.variants.length;
}

/** Every combination of axis indices, the last axis varying fastest. */
function* gridPoints(axes: readonly SweepAxis[]): Generator<number[]> {
  const lengths = axes.map(axisLength);
  const point = lengths.map(() => 0);
  for (;;) {
    yield [...point];
    let a = axes.length - 1;
    while (a >= 0 && ++point[a] === lengths[a]) point[a--] = 0;
    if (a < 0) return;
  }
}

/** `{ finetune: { lr: 0.001 } }` from `finetune.lr`, 0.001. */
export function patchAt(path: string, value: FieldValue): DeepPartial<ExperimentConfig> {
  const keys = path.split('.');
  let patch: Record<string, unknown> = { [keys[keys.length - 1]]: value };
  for (let i = keys.length - 2; i >= 0; i--) patch = { [keys[i]]: patch };
  return patch as DeepPartial<ExperimentConfig>;
}

function messageOf(error: unknown): string {
  return errorText(error);
}
