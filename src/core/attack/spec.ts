/**
 * An attacker search is data, like a sweep: a base config, the defenses to attack (variants), the
 * attacker's search space over fine-tuning settings, a budget of trials per defense, the seeds of
 * the default-setting runs, and the utility floor a trial must keep to count. Checking and
 * planning need no tfjs, so the CLI and the page list what a search will run, with field-path
 * errors, before anything trains.
 */
import { SPEC_LIMITS, boundedProblems, jsonBoundsProblem, showKey } from '../config/bounds';
import type { ValidationContext } from '../config/context';
import { applyPatches, clonePlain, isPlainObject } from '../config/merge';
import { presetStack } from '../config/presets';
import { DEFAULT_CONFIG, type DeepPartial, type ExperimentConfig } from '../config/schema';
import { closestMatch } from '../config/suggest';
import { validateConfig, type ValidationError } from '../config/validate';
import { checkBase, patchAt, type Variant } from '../sweep/spec';
import { checkSpace, fromUnit, type Dimension, type Point } from './space';
import { errorText } from '../errors';

export const ATTACK_SCHEMA_VERSION = 1;
/** Trials per defense at most, and runs in one search at most. */
export const MAX_BUDGET = 100;
export const MAX_ATTACK_RUNS = 400;

export interface AttackSpec {
  schemaVersion: 1;
  name: string;
  description?: string;
  /** The config every run starts from (the default setting): a preset, then `patch`. */
  base: { preset?: string; patch?: DeepPartial<ExperimentConfig> };
  /** The defenses attacked, each a patch (label `sft (no defense)`: `{}`). */
  defenses: Variant[];
  /** The defense whose fine-tuned accuracy at the default setting sets the utility floor. */
  reference: string;
  /** The attacker's settings, each with its range. */
  space: Dimension[];
  /** Trials per defense; the first `randomTrials` are uniform random, the rest model-based. */
  budget: number;
  randomTrials: number;
  /** Seed of the proposer (the trials' own runs use the base config's seed). */
  seed: number;
  /**
   * A trial counts only if its task accuracy after the post stage is at least this fraction of
   * the reference defense's fine-tuned accuracy at the default setting (mean over its seeds).
   */
  utilityFloor: number;
  /** Seeds of the default-setting runs of every defense (the error bars). */
  defaultSeeds: number[];
}

export type AttackSpecResult =
  { ok: true; spec: AttackSpec; base: ExperimentConfig } | { ok: false; errors: ValidationError[] };

const FIELDS = [
  'schemaVersion',
  'name',
  'description',
  'base',
  'defenses',
  'reference',
  'space',
  'budget',
  'randomTrials',
  'seed',
  'utilityFloor',
  'defaultSeeds',
];

/**
 * Checks a search from untrusted input. Besides its own shape, every defense's config is
 * validated at the default setting and at each corner of the space (every dimension at its
 * lowest and at its highest), so a range that leaves the valid configs is named before any run.
 * The input is bounded first (`SPEC_LIMITS`), and at most 20 problems are listed, each on one line.
 */
export function checkAttackSpec(input: unknown, ctx: ValidationContext): AttackSpecResult {
  const result = checkUnbounded(input, ctx);
  return result.ok ? result : { ok: false, errors: boundedProblems(result.errors) };
}

function checkUnbounded(input: unknown, ctx: ValidationContext): AttackSpecResult {
  const errors: ValidationError[] = [];
  const fail = (path: string, message: string) => errors.push({ path, message });
  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ path: '(root)', message: 'a search must be a JSON object' }] };
  }
  const tooLarge = jsonBoundsProblem(input, { ...SPEC_LIMITS, what: 'a search' });
  if (tooLarge !== undefined) return { ok: false, errors: [{ path: '(root)', message: tooLarge }] };
  for (const key of Object.keys(input)) {
    if (!FIELDS.includes(key)) {
      const near = closestMatch(key, FIELDS);
      fail(showKey(key), `unknown field${near ? `; did you mean ${near}?` : ''}`);
    }
  }
  if (input.schemaVersion !== ATTACK_SCHEMA_VERSION) {
    fail('schemaVersion', `must be ${ATTACK_SCHEMA_VERSION}`);
  }
  if (typeof input.name !== 'string' || !/^[\w.-]{1,80}$/.test(input.name)) {
    fail('name', 'must be 1–80 letters, digits, "-", "_" or "." (it names the output folder)');
  }
  if (input.description !== undefined && typeof input.description !== 'string') {
    fail('description', 'must be text');
  }
  checkBase(input.base, fail);
  // A Set, not a list: 40,000 defenses' labels were compared in quadratic time.
  const labels = new Set<string>();
  if (!Array.isArray(input.defenses) || input.defenses.length === 0) {
    fail('defenses', 'must be a non-empty list of {"label": …, "patch": {…}}');
  } else {
    input.defenses.forEach((variant: unknown, i) => {
      const at = `defenses[${i}]`;
      if (!isPlainObject(variant)) return fail(at, 'must be {"label": …, "patch": {…}}');
      for (const key of Object.keys(variant)) {
        if (key !== 'label' && key !== 'patch')
          fail(`${at}.${showKey(key)}`, 'unknown field (label, patch)');
      }
      if (typeof variant.label !== 'string' || variant.label.trim() === '') {
        fail(`${at}.label`, 'must be a non-empty label');
      } else if (labels.has(variant.label)) {
        fail(`${at}.label`, `"${variant.label}" is used twice`);
      } else labels.add(variant.label);
      if (!isPlainObject(variant.patch)) fail(`${at}.patch`, 'must be an object');
    });
  }
  if (typeof input.reference !== 'string' || !labels.has(input.reference)) {
    if (labels.size > 0) {
      const named = [...labels].slice(0, 10).join(', ');
      const more = labels.size > 10 ? `, … ${labels.size} in all` : '';
      fail('reference', `must be one of the defenses' labels (${named}${more})`);
    }
  }
  const space = checkSpace(input.space, 'space');
  if (!space.ok) errors.push(...space.errors);
  const whole = (name: string, lo: number, hi: number) => {
    const v = input[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      fail(name, `must be a whole number from ${lo} to ${hi}`);
      return undefined;
    }
    return v;
  };
  const budget = whole('budget', 1, MAX_BUDGET);
  const randomTrials = whole('randomTrials', 0, MAX_BUDGET);
  if (budget !== undefined && randomTrials !== undefined && randomTrials > budget) {
    fail('randomTrials', `must be at most the budget (${budget})`);
  }
  whole('seed', 0, 2 ** 31 - 1);
  const floor = input.utilityFloor;
  if (typeof floor !== 'number' || !(floor >= 0 && floor <= 1)) {
    fail('utilityFloor', 'must be a fraction from 0 to 1 (0.9: at least 90% of the reference FA)');
  }
  const seeds = input.defaultSeeds;
  if (!Array.isArray(seeds) || seeds.length === 0) {
    fail('defaultSeeds', 'must be a non-empty list of seeds, e.g. [1, 2, 3]');
  } else {
    seeds.forEach((seed: unknown, i) => {
      if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
        fail(`defaultSeeds[${i}]`, 'must be a whole number from 0 to 2147483647');
      }
    });
    if (new Set(seeds).size !== seeds.length) fail('defaultSeeds', 'has a repeated seed');
  }
  if (errors.length > 0) return { ok: false, errors };

  const spec = clonePlain(input) as unknown as AttackSpec;
  const runs = spec.defenses.length * (spec.budget + spec.defaultSeeds.length);
  if (runs > MAX_ATTACK_RUNS) {
    return {
      ok: false,
      errors: [
        { path: 'budget', message: `the search has ${runs} runs; at most ${MAX_ATTACK_RUNS}` },
      ],
    };
  }
  let stack: DeepPartial<ExperimentConfig>[];
  try {
    stack = spec.base.preset === undefined ? [] : [...presetStack(spec.base.preset)];
  } catch (error) {
    return {
      ok: false,
      errors: [{ path: 'base.preset', message: errorText(error) }],
    };
  }
  if (spec.base.patch) stack.push(spec.base.patch);
  const baseConfig = applyPatches(DEFAULT_CONFIG as ExperimentConfig, stack);
  const checked = validateConfig(baseConfig, ctx);
  if (!checked.ok) {
    return {
      ok: false,
      errors: checked.errors.map((e) => ({ path: `base: ${e.path}`, message: e.message })),
    };
  }
  // The default setting, every corner of the space and every value of a list between its ends
  // (an attack in the middle of an `attack.method` list may need a setting the others do not),
  // for each defense.
  const corners: Point[] = [{}];
  for (const end of [0, 1]) {
    for (const dim of spec.space) corners.push({ [dim.field]: fromUnit(dim, end) });
  }
  for (const dim of spec.space) {
    if ('values' in dim)
      for (const value of dim.values.slice(1, -1)) corners.push({ [dim.field]: value });
  }
  const seen = new Set<string>();
  for (const defense of spec.defenses) {
    for (const point of corners) {
      const result = validateConfig(trialConfig(spec, checked.config, defense, point), ctx);
      if (result.ok) continue;
      for (const e of result.errors) {
        const where = Object.keys(point).length === 0 ? 'default setting' : describePoint(point);
        const message = `${e.path}: ${e.message}`;
        if (seen.has(`${defense.label}|${message}`)) continue;
        seen.add(`${defense.label}|${message}`);
        errors.push({ path: `defenses[${defense.label}] at ${where}`, message });
      }
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, spec, base: checked.config };
}

/**
 * The config of one run: the base, the defense's patch, the attacker's settings, and the seed;
 * named after the search, the defense and the trial.
 */
export function trialConfig(
  spec: AttackSpec,
  base: ExperimentConfig,
  defense: Variant,
  point: Point,
  seed?: number,
  name?: string,
): ExperimentConfig {
  const patches: DeepPartial<ExperimentConfig>[] = [defense.patch];
  for (const [field, value] of Object.entries(point)) patches.push(patchAt(field, value));
  if (seed !== undefined) patches.push({ seed });
  const config = applyPatches<ExperimentConfig>(base, patches);
  const label = name ?? `${spec.name} ${defense.label}`;
  config.name = label.length <= 80 ? label : `${label.slice(0, 79)}…`;
  return config;
}

/** `lr=0.003, epochs=4`, with the sweeps' short names. */
export function describePoint(point: Point): string {
  return Object.entries(point)
    .map(([field, value]) => `${SHORT[field] ?? field}=${formatValue(value)}`)
    .join(', ');
}

const SHORT: Record<string, string> = {
  'finetune.lr': 'lr',
  'finetune.epochs': 'epochs',
  'finetune.poisonRatio': 'p',
  'finetune.samples': 'n',
  'finetune.lora.rank': 'rank',
  'attack.method': 'attack',
};

function formatValue(value: Point[string]): string {
  return typeof value === 'number' && !Number.isInteger(value)
    ? String(Number(value.toPrecision(3)))
    : String(value);
}
