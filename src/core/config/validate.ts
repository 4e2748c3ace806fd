/**
 * Validation of an `ExperimentConfig` from untrusted input (a file, a link, the UI), with one
 * error per problem, each naming its field path: `finetune.poisonRatio: must be between 0 and 1`.
 *
 * Missing fields. By default a config may be partial: every missing field (and every missing
 * method parameter) is filled from `DEFAULT_CONFIG` (or the parameter's declared default), so a
 * student can write `{ "schemaVersion": 2, "finetune": { "poisonRatio": 0.2 } }`. The returned
 * config is always complete, and it is what gets hashed and stored, so a run stays reproducible
 * even when the defaults are later re-tuned. With `{ strict: true }` missing fields are errors
 * instead: use it to check that a file is a complete config (e.g. one read back from a results
 * file). `schemaVersion` is required in both modes: it is what lets the lab read, migrate (version 1, see
 * `migrate.ts`) or refuse the file, so it is never guessed.
 *
 * Everything else is an error in both modes: unknown fields (with a "did you mean" for typos),
 * wrong types (no coercion of "0.1" to 0.1), non-integers where integers are required, values out
 * of `RANGES`, values outside `CHOICES`, and names not in the `ValidationContext`. An unsupported
 * `schemaVersion` is the only error reported for that input, since the rest of it follows another
 * schema.
 */
import type { ValidationContext } from './context';
import { HUB_SEGMENT, isRepoSpec, parseRepoSpec } from './repoSpec';
import {
  CONFIG_LIMITS,
  MAX_MESSAGE_CHARS,
  MAX_PATH_CHARS,
  MAX_PROBLEMS,
  MAX_SUGGEST_LENGTH,
  MORE_PATH,
  jsonBoundsProblem,
  moreProblems,
  oneLine,
  showKey,
  showName,
  sizeProblem,
} from './bounds';
import { clonePlain, isPlainObject } from './merge';
import { migrateConfigInput } from './migrate';
import {
  CHOICES,
  DATA_ROLES,
  DATASET_SOURCE_RANGES,
  DEFAULT_CONFIG,
  LAYER_ROLES,
  LORA_RANGES,
  MICRO_BATCH_RANGE,
  NAME_MAX_LENGTH,
  RANGES,
  SCHEMA_VERSION,
  STAGES,
} from './schema';
import type {
  ChoicePath,
  DataRole,
  DatasetSource,
  ExperimentConfig,
  LeafPath,
  LoraSettings,
  NumericPath,
  ParamSpec,
  RangeSpec,
  Stage,
} from './schema';
import { closestMatch } from './suggest';
import { errorText } from '../errors';

export interface ValidationError {
  /**
   * Dotted field path (`finetune.poisonRatio`), or `(root)` / `(json)` / `(url)` for the whole
   * input, or `(more)` for the line that counts the problems past the first `MAX_PROBLEMS`.
   */
  path: string;
  message: string;
}

export type ValidationResult =
  { ok: true; config: ExperimentConfig } | { ok: false; errors: ValidationError[] };

export interface ValidateOptions {
  /** Report missing fields and parameters as errors instead of filling in defaults. */
  strict?: boolean;
}

/** Pseudo-path of problems with the input as a whole. */
export const ROOT_PATH = '(root)';
/** Pseudo-path of text that is not JSON at all. */
export const JSON_PATH = '(json)';

/** Thrown where a config must be valid (presets, programmer-supplied configs). */
export class ConfigError extends Error {
  readonly errors: ValidationError[];
  constructor(what: string, errors: ValidationError[]) {
    super(`${what}:\n${formatErrors(errors)}`);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

/** One line per problem, `path: message`: the CLI's `validate` output. */
export function formatErrors(errors: readonly ValidationError[]): string {
  return errors.map((error) => `${error.path}: ${error.message}`).join('\n');
}

/**
 * Checks `input` (see the module comment). Its shape is bounded first (`CONFIG_LIMITS`: depth,
 * values, keys, items) by a walk that never recurses, so a hostile input is one `(root)` line,
 * never a stack overflow; at most `MAX_PROBLEMS` problems are listed, each on one short line.
 */
export function validateConfig(
  input: unknown,
  ctx: ValidationContext,
  options: ValidateOptions = {},
): ValidationResult {
  if (!isPlainObject(input)) {
    return {
      ok: false,
      errors: [
        {
          path: ROOT_PATH,
          message: oneLine(`must be a JSON object (got ${describe(input)})`, MAX_MESSAGE_CHARS),
        },
      ],
    };
  }
  const tooLarge = jsonBoundsProblem(input, CONFIG_LIMITS);
  if (tooLarge !== undefined) {
    return { ok: false, errors: [{ path: ROOT_PATH, message: tooLarge }] };
  }
  const run = new Run(ctx, options.strict ?? false);
  const given = migrateConfigInput(input, { fillDefaults: !run.strict });
  if (!Object.hasOwn(given, 'schemaVersion')) {
    run.fail('schemaVersion', `missing field (this lab reads schemaVersion ${SCHEMA_VERSION})`);
  } else if (typeof given.schemaVersion === 'number' && given.schemaVersion !== SCHEMA_VERSION) {
    const message = `unsupported schemaVersion ${given.schemaVersion} (this lab reads schemaVersions 1 to ${SCHEMA_VERSION})`;
    return { ok: false, errors: [{ path: 'schemaVersion', message }] };
  } else if (given.schemaVersion !== SCHEMA_VERSION) {
    run.fail(
      'schemaVersion',
      `must be the number ${SCHEMA_VERSION} (got ${describe(given.schemaVersion)})`,
    );
  }
  const config = checkObject(run, given, DEFAULT_CONFIG as unknown as Record<string, unknown>, '');
  if (!run.failed) checkAcrossFields(run, config as unknown as ExperimentConfig);
  if (run.failed) return { ok: false, errors: run.report() };
  // checkObject rebuilt the object field by field from DEFAULT_CONFIG's shape, checking each one.
  return { ok: true, config: config as unknown as ExperimentConfig };
}

/**
 * `validateConfig` on JSON text; text over `CONFIG_LIMITS.maxChars` (checked before parsing) and
 * a syntax error are reported at `(json)`, never thrown.
 */
export function validateConfigJSON(
  text: string,
  ctx: ValidationContext,
  options: ValidateOptions = {},
): ValidationResult {
  const tooLong = sizeProblem(text.length, CONFIG_LIMITS);
  if (tooLong !== undefined) return { ok: false, errors: [{ path: JSON_PATH, message: tooLong }] };
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const reason = oneLine(errorText(error), 300);
    return { ok: false, errors: [{ path: JSON_PATH, message: `not valid JSON (${reason})` }] };
  }
  return validateConfig(input, ctx, options);
}

/**
 * Problems with a context itself, e.g. a registry entry whose parameter default is outside its
 * own bounds; empty when sound. Registries call this at start-up.
 */
export function validationContextProblems(ctx: ValidationContext): string[] {
  const problems: string[] = [];
  for (const stage of STAGES) {
    for (const [method, specs] of Object.entries(ctx.methods[stage])) {
      for (const [param, spec] of Object.entries(specs)) {
        const where = `${stage} method '${method}', parameter '${param}'`;
        if (spec.type === 'enum' && spec.values.length === 0) {
          problems.push(`${where}: enum has no values`);
          continue;
        }
        if ((spec.type === 'number' || spec.type === 'integer') && spec.min !== undefined) {
          if (spec.max !== undefined && spec.min > spec.max) problems.push(`${where}: min > max`);
        }
        const problem = paramProblem(spec.default, spec);
        if (problem !== undefined) problems.push(`${where}: default ${problem}`);
      }
    }
  }
  for (const [attack, specs] of Object.entries(ctx.attacks)) {
    for (const [param, spec] of Object.entries(specs)) {
      const problem = paramProblem(spec.default, spec);
      if (problem !== undefined) {
        problems.push(`attack '${attack}', parameter '${param}': default ${problem}`);
      }
    }
  }
  return problems;
}

class Run {
  private readonly errors: ValidationError[] = [];
  /** Problems found past the first `MAX_PROBLEMS`: counted, their messages never built. */
  private unlisted = 0;
  constructor(
    readonly ctx: ValidationContext,
    readonly strict: boolean,
  ) {}
  get failed(): boolean {
    return this.errors.length > 0;
  }
  /** A problem at `path`; a message that costs something to build can come as a function. */
  fail(path: string, message: string | (() => string)): void {
    if (this.errors.length >= MAX_PROBLEMS) {
      this.unlisted += 1;
      return;
    }
    const text = typeof message === 'string' ? message : message();
    this.errors.push({
      path: oneLine(path, MAX_PATH_CHARS),
      message: oneLine(text, MAX_MESSAGE_CHARS),
    });
  }
  /** The problems, then one line counting those not listed. */
  report(): ValidationError[] {
    return this.unlisted === 0
      ? [...this.errors]
      : [...this.errors, { path: MORE_PATH, message: moreProblems(this.unlisted) }];
  }
}

type NamePath = Exclude<LeafPath<ExperimentConfig, string>, ChoicePath>;

/** Rules of the open-vocabulary string fields; each returns a message when the value is wrong. */
const NAME_RULES: Record<NamePath, (value: string, ctx: ValidationContext) => string | undefined> =
  {
    name: nameProblem,
    'model.base': (value, ctx) => baseModelProblem(value, ctx.models),
    'alignment.method': (value, ctx) =>
      unknownName(value, Object.keys(ctx.methods.alignment), 'alignment method'),
    'finetune.method': (value, ctx) =>
      unknownName(value, Object.keys(ctx.methods.finetune), 'fine-tuning method'),
    'finetune.task': (value, ctx) => unknownName(value, ctx.tasks, 'task'),
    'attack.method': (value, ctx) => unknownName(value, Object.keys(ctx.attacks), 'attack'),
    'post.method': (value, ctx) =>
      unknownName(value, Object.keys(ctx.methods.post), 'post-fine-tuning method'),
    'evaluation.classifier.model': (value) => repoProblem(value, 'classifier model'),
    'evaluation.refusalClassifier.model': (value) => repoProblem(value, 'refusal classifier model'),
  };

/** Array fields: each checks the whole array and returns the value to keep. */
const ARRAY_RULES: Record<string, (run: Run, value: unknown, path: string) => string[] | null> = {
  'evaluation.judges': (run, value, path) =>
    checkNameList(run, value, path, run.ctx.judges, 'judge'),
  'evaluation.classifier.harmfulLabels': (run, value, path) =>
    checkNameList(run, value, path, null, 'label'),
  'evaluation.refusalClassifier.refusalLabels': (run, value, path) =>
    checkNameList(run, value, path, null, 'label'),
  'post.layers': checkRoleList,
};

/**
 * A non-empty array of distinct layer roles (`<stage>.lora.targets`, `post.layers`), returned as
 * given; null when it is not an array.
 */
function checkRoleList(run: Run, value: unknown, path: string): string[] | null {
  if (!Array.isArray(value) || value.length === 0) {
    run.fail(
      path,
      `must be a non-empty array of layer roles (${LAYER_ROLES.join(', ')}) (got ${Array.isArray(value) ? 'an empty array' : describe(value)})`,
    );
    return null;
  }
  const seen = new Set<string>();
  value.forEach((role: unknown, i) => {
    if (typeof role !== 'string' || !(LAYER_ROLES as readonly string[]).includes(role)) {
      run.fail(`${path}[${i}]`, () =>
        typeof role === 'string'
          ? notOneOf(role, LAYER_ROLES)
          : `must be a layer role (got ${describe(role)})`,
      );
    } else if (seen.has(role)) {
      run.fail(`${path}[${i}]`, `'${role}' is listed twice`);
    }
    if (typeof role === 'string') seen.add(role);
  });
  return [...(value as string[])];
}

/** A non-empty array of distinct non-empty strings, each in `known` when it is given. */
function checkNameList(
  run: Run,
  value: unknown,
  path: string,
  known: readonly string[] | null,
  what: string,
): string[] | null {
  if (!Array.isArray(value) || value.length === 0) {
    run.fail(
      path,
      `must be a non-empty array of ${what} names (got ${Array.isArray(value) ? 'an empty array' : describe(value)})`,
    );
    return null;
  }
  // A Set, not indexOf: 40,000 labels took quadratic time.
  const seen = new Set<string>();
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      run.fail(`${path}[${i}]`, `must be a non-empty string (got ${describe(item)})`);
      return;
    }
    if (known !== null && !known.includes(item)) {
      run.fail(`${path}[${i}]`, () => unknownName(item, known, what) ?? '');
    } else if (seen.has(item)) run.fail(`${path}[${i}]`, `${showName(item)} is listed twice`);
    seen.add(item);
  });
  return [...(value as string[])];
}

/**
 * `data.<role>`: null (the built-in world's generator) or a Hub dataset `{ dataset, config,
 * train, eval, maxRows }`. Only `dataset` is required: the rest defaults to what the lab knows of
 * that dataset (`ctx.datasets`), and `maxRows` to its range's default; strict mode requires all.
 */
function checkDataSource(
  run: Run,
  value: unknown,
  path: string,
  role: DataRole,
): DatasetSource | null {
  if (value === null) return null;
  if (!isPlainObject(value)) {
    run.fail(
      path,
      `must be null (the built-in data) or an object { dataset, config, train, eval, maxRows } (got ${describe(value)})`,
    );
    return null;
  }
  const fields = ['dataset', 'config', 'train', 'eval', 'maxRows', 'files'];
  for (const key of Object.keys(value)) {
    if (!fields.includes(key))
      run.fail(`${path}.${showKey(key)}`, () => `unknown field${fieldHint(key, fields, path)}`);
  }
  const dataset = value.dataset;
  if (!Object.hasOwn(value, 'dataset')) {
    run.fail(`${path}.dataset`, 'missing field');
    return null;
  }
  if (typeof dataset !== 'string') {
    run.fail(`${path}.dataset`, `must be a string (got ${describe(dataset)})`);
    return null;
  }
  const problem = repoProblem(dataset, 'dataset');
  if (problem !== undefined) {
    run.fail(`${path}.dataset`, problem);
    return null;
  }
  const id = parseRepoSpec(dataset).repo;
  const info = run.ctx.datasets[id];
  if (info === undefined) {
    run.fail(
      `${path}.dataset`,
      `${unknownName(id, Object.keys(run.ctx.datasets), 'Hub dataset')}: the lab reads a dataset whose columns it knows`,
    );
    return null;
  }
  if (!info.roles.includes(role)) {
    run.fail(
      `${path}.dataset`,
      `${id} cannot play the ${role} role (it plays: ${info.roles.join(', ')})`,
    );
  }
  const text = (key: 'config' | 'train', fallback: string): string => {
    if (!Object.hasOwn(value, key)) {
      if (run.strict) run.fail(`${path}.${key}`, 'missing field');
      return fallback;
    }
    const given = value[key];
    if (typeof given === 'string' && HUB_SEGMENT.test(given)) return given;
    run.fail(
      `${path}.${key}`,
      `must be a ${key === 'config' ? 'config' : 'split'} name of letters, digits, '.', '_', '+' or '-' (got ${describe(given)})`,
    );
    return fallback;
  };
  const config = text('config', info.config);
  const train = text('train', info.train);
  let evalSplit: string | null = info.eval;
  if (!Object.hasOwn(value, 'eval')) {
    if (run.strict) run.fail(`${path}.eval`, 'missing field');
  } else if (value.eval === null) {
    evalSplit = null;
  } else if (typeof value.eval === 'string' && HUB_SEGMENT.test(value.eval)) {
    evalSplit = value.eval;
  } else {
    run.fail(
      `${path}.eval`,
      `must be a split name, or null for a held-out share of the train split (got ${describe(value.eval)})`,
    );
  }
  for (const [key, split] of [
    ['train', train],
    ['eval', evalSplit],
  ] as const) {
    if (split !== null && info.unlabeledSplits?.includes(split)) {
      run.fail(
        `${path}.${key}`,
        `the ${split} split of ${id} has no labels (its label column is -1); use ${[info.train, info.eval].filter((s) => s !== null).join(' or ')}`,
      );
    }
  }
  let maxRows = DATASET_SOURCE_RANGES.maxRows.default;
  if (!Object.hasOwn(value, 'maxRows')) {
    if (run.strict) run.fail(`${path}.maxRows`, 'missing field');
  } else {
    const problem = numberProblem(value.maxRows, DATASET_SOURCE_RANGES.maxRows);
    if (problem === undefined) maxRows = value.maxRows as number;
    else run.fail(`${path}.maxRows`, problem);
  }
  let files: DatasetSource['files'] = null;
  if (!Object.hasOwn(value, 'files')) {
    if (run.strict) run.fail(`${path}.files`, 'missing field');
  } else if (value.files !== null) {
    files = checkDatasetFiles(run, value.files, `${path}.files`, evalSplit !== null);
  }
  return { dataset, config, train, eval: evalSplit, maxRows, files };
}

/** `data.<role>.files`: `{ train: [paths], eval: [paths] | null }`, eval null exactly when the eval split is. */
function checkDatasetFiles(
  run: Run,
  value: unknown,
  path: string,
  hasEval: boolean,
): DatasetSource['files'] {
  if (!isPlainObject(value)) {
    run.fail(
      path,
      `must be null (the Hub's parquet conversion) or { train: [paths], eval: [paths] or null } (got ${describe(value)})`,
    );
    return null;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'train' && key !== 'eval') run.fail(`${path}.${showKey(key)}`, 'unknown field');
  }
  const list = (key: 'train' | 'eval'): string[] | null => {
    const given = value[key];
    if (key === 'eval' && (given === null || given === undefined)) {
      if (hasEval)
        run.fail(`${path}.eval`, "must list the eval split's parquet files (eval is set)");
      return null;
    }
    if (key === 'eval' && !hasEval) {
      run.fail(`${path}.eval`, 'must be null: eval is null');
      return null;
    }
    if (!Array.isArray(given) || given.length === 0) {
      run.fail(
        `${path}.${key}`,
        `must be a non-empty array of parquet file paths (got ${Array.isArray(given) ? 'an empty array' : describe(given)})`,
      );
      return [];
    }
    given.forEach((file: unknown, i) => {
      const ok =
        typeof file === 'string' &&
        file.endsWith('.parquet') &&
        !file.startsWith('/') &&
        !file.split('/').some((part) => part === '' || part === '.' || part === '..');
      if (!ok)
        run.fail(
          `${path}.${key}[${i}]`,
          `must be a relative path in the repo ending in .parquet (got ${describe(file)})`,
        );
    });
    return [...(given as string[])];
  };
  return { train: list('train') ?? [], eval: list('eval') };
}

/** A Hub repo id `owner/name[@revision]`. */
function repoProblem(value: string, what: string): string | undefined {
  if (!isRepoSpec(value))
    return `a ${what} is a Hub repo id owner/name[@revision] (got ${showName(value)})`;
  try {
    parseRepoSpec(value);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

/**
 * Optional fields: absent from `DEFAULT_CONFIG` and from a config that does not set them (so
 * adding one changes no existing config's canonical JSON or hash); checked when present.
 */
const OPTIONAL_RULES: Record<string, (run: Run, value: unknown, path: string) => unknown> = {
  'runtime.recompute': (run, value, path) => {
    if (typeof value !== 'boolean')
      run.fail(path, `must be true or false (got ${describe(value)})`);
    return value;
  },
  'model.thinking': (run, value, path) => {
    if (typeof value !== 'boolean')
      run.fail(path, `must be true or false (got ${describe(value)})`);
    return value;
  },
  'runtime.microBatch': (run, value, path) => {
    const { max } = MICRO_BATCH_RANGE;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      run.fail(
        path,
        `must be a positive integer (got ${typeof value === 'number' ? value : describe(value)})`,
      );
    } else if (value > max) {
      run.fail(path, `must be at most ${max}, the largest batch size (got ${value})`);
    }
    return value;
  },
};

/** The optional fields of the object at `prefix`, by key. */
function optionalKeys(prefix: string): string[] {
  return Object.keys(OPTIONAL_RULES)
    .filter((path) => path.slice(0, path.lastIndexOf('.')) === prefix)
    .map((path) => path.slice(path.lastIndexOf('.') + 1));
}

/** Every path of the config, for "did you mean" when a field is put in the wrong section. */
const ALL_PATHS: string[] = (() => {
  const paths: string[] = [];
  const visit = (value: unknown, prefix: string) => {
    if (!isPlainObject(value)) return;
    for (const [key, item] of Object.entries(value)) {
      const path = join(prefix, key);
      paths.push(path);
      visit(item, path);
    }
  };
  visit(DEFAULT_CONFIG, '');
  return [...paths, ...Object.keys(OPTIONAL_RULES)];
})();

function checkObject(
  run: Run,
  input: Record<string, unknown>,
  template: Record<string, unknown>,
  prefix: string,
): Record<string, unknown> {
  const optional = optionalKeys(prefix);
  const known = [...Object.keys(template), ...optional];
  for (const key of Object.keys(input)) {
    if (!known.includes(key))
      run.fail(join(prefix, showKey(key)), () => `unknown field${fieldHint(key, known, prefix)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(template)) {
    const path = join(prefix, key);
    if (path === 'schemaVersion') {
      out[key] = SCHEMA_VERSION; // checked up front
    } else if (key === 'params') {
      continue; // after the loop, once the method is known
    } else if (key === 'lora') {
      if (!Object.hasOwn(input, key)) {
        if (run.strict) run.fail(path, 'missing field');
        out[key] = clonePlain(fallback);
      } else out[key] = checkLora(run, input[key], path);
    } else if (prefix === 'data' && (DATA_ROLES as readonly string[]).includes(key)) {
      if (!Object.hasOwn(input, key)) {
        if (run.strict) run.fail(path, 'missing field');
        out[key] = clonePlain(fallback);
      } else out[key] = checkDataSource(run, input[key], path, key as DataRole);
    } else if (Object.hasOwn(ARRAY_RULES, path)) {
      if (!Object.hasOwn(input, key)) {
        if (run.strict) run.fail(path, 'missing field');
        out[key] = clonePlain(fallback);
      } else out[key] = ARRAY_RULES[path](run, input[key], path) ?? clonePlain(fallback);
    } else if (!Object.hasOwn(input, key)) {
      if (run.strict) run.fail(path, 'missing field');
      out[key] = clonePlain(fallback);
    } else {
      out[key] = checkValue(run, input[key], fallback, path);
    }
  }
  for (const key of optional) {
    if (Object.hasOwn(input, key))
      out[key] = OPTIONAL_RULES[join(prefix, key)](run, input[key], join(prefix, key));
  }
  if (Object.hasOwn(template, 'params')) {
    // The method as written: if it was wrong, `out.method` holds the default instead.
    const method = Object.hasOwn(input, 'method') ? input.method : out.method;
    out.params = checkParams(run, input, prefix as Stage | 'attack', method);
  }
  return out;
}

function checkValue(run: Run, value: unknown, fallback: unknown, path: string): unknown {
  if (isPlainObject(fallback)) {
    if (isPlainObject(value)) return checkObject(run, value, fallback, path);
    run.fail(path, `must be an object (got ${describe(value)})`);
  } else if (typeof fallback === 'number') {
    const problem = numberProblem(value, RANGES[path as NumericPath]);
    if (problem === undefined) return value;
    run.fail(path, problem);
  } else if (typeof fallback === 'string') {
    const problem = stringProblem(value, path, run.ctx);
    if (problem === undefined) return value;
    run.fail(path, problem);
  } else {
    throw new Error(`config schema: no rule for field ${path}`);
  }
  return clonePlain(fallback);
}

/** `<stage>.lora`: null, or `{ rank, alpha, targets }` with every field present. */
function checkLora(run: Run, value: unknown, path: string): LoraSettings | null {
  if (value === null) return null;
  if (!isPlainObject(value)) {
    run.fail(
      path,
      `must be null (full-weight training) or an object { rank, alpha, targets } (got ${describe(value)})`,
    );
    return null;
  }
  const known = Object.keys(LORA_RANGES).concat('targets');
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      run.fail(`${path}.${showKey(key)}`, () => `unknown field${fieldHint(key, known, path)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, range] of Object.entries(LORA_RANGES)) {
    if (!Object.hasOwn(value, key)) {
      run.fail(`${path}.${key}`, 'missing field');
      continue;
    }
    const problem = numberProblem(value[key], range);
    if (problem === undefined) out[key] = value[key];
    else run.fail(`${path}.${key}`, problem);
  }
  if (!Object.hasOwn(value, 'targets')) {
    run.fail(`${path}.targets`, 'missing field');
  } else {
    const roles = checkRoleList(run, value.targets, `${path}.targets`);
    if (roles !== null) out.targets = roles;
  }
  return out as unknown as LoraSettings;
}

/** Rules between fields. */
function checkAcrossFields(run: Run, config: ExperimentConfig): void {
  checkDataAcrossFields(run, config);
  checkPostAcrossFields(run, config);
  checkAttackAcrossFields(run, config);
}

/** What the attack leaves for the post method to act on (`refusal-ablation` edits full weights). */
function checkAttackAcrossFields(run: Run, config: ExperimentConfig): void {
  const supported = run.ctx.attackPostTargets?.[config.attack.method];
  if (supported && !supported.includes(config.post.target)) {
    run.fail(
      'post.target',
      `attack '${config.attack.method}' leaves no fine-tuning adapter (it edits the full weights); set post.target to ${supported.map((t) => `'${t}'`).join(' or ')}`,
    );
  }
}

/** The task's Hub dataset must be of the task `finetune.task` names; the built-in judge needs built-in harmful prompts. */
function checkDataAcrossFields(run: Run, config: ExperimentConfig): void {
  const task = config.data.task;
  if (task !== null) {
    const info = run.ctx.datasets[parseRepoSpec(task.dataset).repo];
    if (info?.task !== undefined && info.task !== config.finetune.task) {
      run.fail(
        'data.task.dataset',
        `${parseRepoSpec(task.dataset).repo} is a ${info.task} dataset but finetune.task is '${config.finetune.task}'; set finetune.task to '${info.task}'`,
      );
    }
  }
  const index = config.evaluation.judges.indexOf('keyword-moderation');
  if (index >= 0 && config.data.harmful !== null) {
    run.fail(
      `evaluation.judges[${index}]`,
      "remove 'keyword-moderation' (and keep or add 'refusal-keywords' or 'moderation-classifier'): it recognises harm only by the built-in world's placeholder steps (\"gather the forbidden supplies\"), which real answers to data.harmful's Hub prompts do not contain",
    );
  }
}

/** What `post.target` needs of the post method and of the fine-tuning stage. */
function checkPostAcrossFields(run: Run, config: ExperimentConfig): void {
  const { post, finetune } = config;
  const supported = run.ctx.postTargets?.[post.method];
  if (supported && !supported.includes(post.target)) {
    const what = post.target === 'adapter' ? 'the fine-tuning adapter' : 'merged weights';
    run.fail(
      'post.target',
      `post method '${post.method}' cannot act on ${what}; it acts on: ${supported.join(', ')}`,
    );
    return;
  }
  if (post.target !== 'adapter') return;
  if (finetune.lora === null) {
    run.fail(
      'post.target',
      "'adapter' needs a fine-tuning adapter, but finetune.lora is null (full-weight fine-tuning); use 'merged' or set finetune.lora",
    );
    return;
  }
  if (!post.layers.some((role) => finetune.lora?.targets.includes(role))) {
    run.fail(
      'post.layers',
      `${post.layers.join(', ')}: no adapted layer (finetune.lora.targets: ${finetune.lora.targets.join(', ')}) for post.target 'adapter'`,
    );
  }
}

function numberProblem(value: unknown, range: RangeSpec | undefined): string | undefined {
  if (range === undefined) throw new Error('config schema: numeric field without a RANGES entry');
  if (typeof value !== 'number') {
    return `must be ${range.integer ? 'an integer' : 'a number'} (got ${describe(value)})`;
  }
  if (!Number.isFinite(value)) return `must be a finite number (got ${value})`;
  if (range.integer && !Number.isInteger(value)) return `must be an integer (got ${value})`;
  if (value < range.min || value > range.max)
    return `must be between ${range.min} and ${range.max}`;
  return undefined;
}

function stringProblem(value: unknown, path: string, ctx: ValidationContext): string | undefined {
  if (typeof value !== 'string') return `must be a string (got ${describe(value)})`;
  if (Object.hasOwn(CHOICES, path)) {
    const { values } = CHOICES[path as ChoicePath];
    return (values as readonly string[]).includes(value) ? undefined : notOneOf(value, values);
  }
  const rule = NAME_RULES[path as NamePath];
  if (rule === undefined) throw new Error(`config schema: no rule for field ${path}`);
  return rule(value, ctx);
}

function checkParams(
  run: Run,
  stageInput: Record<string, unknown>,
  stage: Stage | 'attack',
  method: unknown,
): Record<string, unknown> {
  const path = `${stage}.params`;
  let given: Record<string, unknown> = {};
  if (!Object.hasOwn(stageInput, 'params')) {
    if (run.strict) run.fail(path, 'missing field');
  } else if (isPlainObject(stageInput.params)) {
    given = stageInput.params;
  } else {
    run.fail(path, `must be an object (got ${describe(stageInput.params)})`);
    return {};
  }
  const methods = stage === 'attack' ? run.ctx.attacks : run.ctx.methods[stage];
  // An unknown method has already been reported; its parameters cannot be judged.
  if (typeof method !== 'string' || !Object.hasOwn(methods, method)) return clonePlain(given);
  const specs = methods[method];
  const names = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (names.includes(key)) continue;
    run.fail(`${path}.${showKey(key)}`, () => {
      const suggestion = closestMatch(key, names);
      const hint =
        names.length === 0
          ? `${stage === 'attack' ? 'attack' : 'method'} '${method}' takes no parameters`
          : `${method} takes ${names.join(', ')}${suggestion ? `; did you mean ${suggestion}?` : ''}`;
      return `unknown parameter (${hint})`;
    });
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (!Object.hasOwn(given, name)) {
      if (run.strict)
        run.fail(`${path}.${name}`, `missing parameter (default: ${String(spec.default)})`);
      out[name] = spec.default;
      continue;
    }
    const problem = paramProblem(given[name], spec);
    if (problem !== undefined) run.fail(`${path}.${name}`, problem);
    out[name] = given[name];
  }
  return out;
}

function paramProblem(value: unknown, spec: ParamSpec): string | undefined {
  switch (spec.type) {
    case 'boolean':
      return typeof value === 'boolean'
        ? undefined
        : `must be true or false (got ${describe(value)})`;
    case 'enum':
      if (typeof value !== 'string') return `must be a string (got ${describe(value)})`;
      return spec.values.includes(value) ? undefined : notOneOf(value, spec.values);
    case 'number':
    case 'integer': {
      const integer = spec.type === 'integer';
      if (typeof value !== 'number') {
        return `must be ${integer ? 'an integer' : 'a number'} (got ${describe(value)})`;
      }
      if (!Number.isFinite(value)) return `must be a finite number (got ${value})`;
      if (integer && !Number.isInteger(value)) return `must be an integer (got ${value})`;
      const { min, max } = spec;
      const below = min !== undefined && value < min;
      const above = max !== undefined && value > max;
      if (!below && !above) return undefined;
      if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}`;
      return below ? `must be at least ${min}` : `must be at most ${max}`;
    }
  }
}

function nameProblem(value: string): string | undefined {
  const length = [...value].length;
  if (length > NAME_MAX_LENGTH) {
    return `must be at most ${NAME_MAX_LENGTH} characters (got ${length})`;
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // A newline in the label would break the one-line-per-item output of the CLI.
    if (code < 0x20 || code === 0x7f) return 'must not contain control characters such as newlines';
  }
  return undefined;
}

/**
 * A built-in model name, or a Hugging Face Hub repo `owner/name[@revision]` (anything with a
 * slash is read as a repo id; whether it exists is only known when it is downloaded).
 */
function baseModelProblem(value: string, known: readonly string[]): string | undefined {
  if (!isRepoSpec(value)) {
    const problem = unknownName(value, known, 'base model');
    return problem && `${problem}; a Hub model is a repo id owner/name[@revision]`;
  }
  try {
    parseRepoSpec(value);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

function unknownName(value: string, known: readonly string[], what: string): string | undefined {
  if (known.includes(value)) return undefined;
  if (known.length === 0) return `unknown ${what} ${showName(value)} (none is registered)`;
  const suggestion = closestMatch(value, known);
  const hint = suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
  return `unknown ${what} ${showName(value)} (known: ${known.join(', ')}${hint})`;
}

function notOneOf(value: string, values: readonly string[]): string {
  const suggestion = closestMatch(value, values);
  const hint = suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
  const got = value.length <= MAX_SUGGEST_LENGTH ? JSON.stringify(value) : showKey(value);
  return `must be one of ${values.map((v) => `'${v}'`).join(', ')} (got ${got}${hint})`;
}

/** "(did you mean poisonRatio?)" for a typo of a sibling, or the full path if it lives elsewhere. */
function fieldHint(key: string, siblings: readonly string[], prefix: string): string {
  if (key.length > MAX_SUGGEST_LENGTH) return '';
  const sibling = closestMatch(key, siblings);
  if (sibling !== undefined) return ` (did you mean ${sibling}?)`;
  const elsewhere = ALL_PATHS.filter((path) => {
    const last = path.slice(path.lastIndexOf('.') + 1);
    return last.toLowerCase() === key.toLowerCase() && path !== join(prefix, last);
  });
  return elsewhere.length === 0 ? '' : ` (did you mean ${elsewhere.join(' or ')}?)`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}
