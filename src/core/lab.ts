/**
 * The composition root: the one place that knows every registry (methods, attacks, data sets, judges,
 * base models, Hub datasets) and builds from them what a config may name. The page, the worker
 * and the CLI import the validation context from here; `config/` knows only its own schema.
 *
 * It reads the registries' names-only parts (methods without their computations, `data/names.ts`,
 * `model/bases.ts`, `metrics/judgeNames.ts`, `data/hub/catalog.ts`), so importing it loads no tfjs.
 * The start-up check runs when this module loads: a registry entry whose parameter default is
 * outside its own range would otherwise fail only later, mid-run.
 */
import type { ValidationContext } from './config/context';
import { checkPresets, PRESETS, resolvePresetIn, type Preset } from './config/presets';
import type { ExperimentConfig } from './config/schema';
import { validationContextProblems } from './config/validate';
import { HUB_DATASET_INFO } from './data/hub/catalog';
import { datasetNamesWithRole } from './data/names';
import { attackParams, attackPostTargets } from './methods/attack/registry';
import { methodsByStage, postTargetsByMethod } from './methods/registry';
import { JUDGE_NAMES } from './metrics/judgeNames';
import { BASE_MODEL_NAMES } from './model/bases';

/** Everything a config may name in this lab. */
export const DEFAULT_VALIDATION_CONTEXT: ValidationContext = {
  methods: methodsByStage(),
  postTargets: postTargetsByMethod(),
  attacks: attackParams(),
  attackPostTargets: attackPostTargets(),
  tasks: datasetNamesWithRole('task'),
  models: BASE_MODEL_NAMES,
  judges: JUDGE_NAMES,
  datasets: HUB_DATASET_INFO,
};

/**
 * The complete, validated config of preset `name` in this lab. Throws an `Error` naming the valid
 * presets for an unknown name, and a `ConfigError` listing every problem if the merged config is
 * invalid.
 */
export function resolvePreset(
  name: string,
  options: { presets?: readonly Preset[]; ctx?: ValidationContext } = {},
): ExperimentConfig {
  return resolvePresetIn(options.ctx ?? DEFAULT_VALIDATION_CONTEXT, name, options.presets);
}

// The start-up check: the registries agree with themselves, and every built-in preset resolves.
const problems = validationContextProblems(DEFAULT_VALIDATION_CONTEXT);
if (problems.length > 0) {
  throw new Error(`the lab's registries are inconsistent:\n${problems.join('\n')}`);
}
checkPresets(PRESETS, DEFAULT_VALIDATION_CONTEXT);
