/**
 * The results-file contract (ARCHITECTURE.md, "Results file", `schemaVersion: 1`) as a check on
 * untrusted data: a file read back from disk, an import in the UI, or what the worker handed the
 * CLI. One `path: message` line per problem, like config validation.
 *
 * Readers are forward-compatible: fields the contract does not name (e.g. `prune`, a sample's
 * `set`) are not problems; missing or ill-typed contract fields are. The optional extras that are
 * checked are a prune report's `maskGrid`, because the page decodes it into a heatmap, its
 * `projection` (SafeLoRA, SafeMERGE), because the page charts it, and its `maskOverlap`, because
 * the page shows it.
 */
import {
  MAX_MESSAGE_CHARS,
  MAX_PATH_CHARS,
  MAX_PROBLEMS,
  MORE_PATH,
  RESULTS_LIMITS,
  jsonBoundsProblem,
  moreProblems,
  oneLine,
  showKey,
} from '../config/bounds';
import { canonicalJSON, sha256Hex } from '../config/canonical';
import { isPlainObject } from '../config/merge';
import { SCHEMA_VERSION } from '../config/schema';
import { decodeMaskGrid, type MaskGrid } from '../prune/maskGrid';
import { BACKENDS } from '../runtime/backend';
import { CHECKPOINTS, type CheckpointMetrics, type StageRecord } from './types';
import { errorText } from '../errors';

export const RESULTS_SCHEMA_VERSION = 1;

/** The five scores every checkpoint reports, each a percentage in [0, 100]. */
export const METRIC_NAMES = [
  'harmfulScore',
  'harmfulRefusalRate',
  'benignRefusalRate',
  'benignHelpfulness',
  'finetuneAccuracy',
] as const satisfies readonly (keyof CheckpointMetrics)[];

/** Scores a checkpoint reports only where their set was evaluated (versioned additions). */
export const OPTIONAL_METRIC_NAMES = [
  'overRefusalRate',
] as const satisfies readonly (keyof CheckpointMetrics)[];

export const STAGE_NAMES = [
  'alignment',
  'finetune',
  'post',
  'evaluation',
] as const satisfies readonly StageRecord['name'][];

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Every way `value` breaks the results-file contract; empty when it keeps it. Its shape is bounded
 * first (`RESULTS_LIMITS`, by a walk that never recurses); at most `MAX_PROBLEMS` problems are
 * listed, then one `(more)` line counting the rest, each on one line.
 */
export async function resultsFileProblems(value: unknown): Promise<string[]> {
  const problems: string[] = [];
  let unlisted = 0;
  const fail = (path: string, message: string) => {
    if (problems.length >= MAX_PROBLEMS) unlisted += 1;
    else problems.push(`${oneLine(path, MAX_PATH_CHARS)}: ${oneLine(message, MAX_MESSAGE_CHARS)}`);
  };
  if (!isPlainObject(value)) {
    return [oneLine(`(root): must be a JSON object (got ${describe(value)})`, MAX_MESSAGE_CHARS)];
  }
  const tooLarge = jsonBoundsProblem(value, RESULTS_LIMITS);
  if (tooLarge !== undefined) return [`(root): ${tooLarge}`];
  if (value.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    // Another version follows another schema: checking the rest against this one means nothing.
    return [
      oneLine(
        `schemaVersion: must be ${RESULTS_SCHEMA_VERSION} (got ${describe(value.schemaVersion)})`,
        MAX_MESSAGE_CHARS,
      ),
    ];
  }

  const { config, configHash } = value;
  if (!isPlainObject(config)) {
    fail('config', `must be an object (got ${describe(config)})`);
  } else if (
    typeof config.schemaVersion !== 'number' ||
    !Number.isInteger(config.schemaVersion) ||
    config.schemaVersion < 1 ||
    config.schemaVersion > SCHEMA_VERSION
  ) {
    // Files written before LoRA (version 1), before Hub data and judges (version 2), before
    // post.layers named roles (version 3) or before the refusal classifier, the over-refusal
    // evaluation and the attack registry (version 4) carry that version's config, hashed as
    // written; all are readable.
    fail(
      'config.schemaVersion',
      `must be ${Array.from({ length: SCHEMA_VERSION - 1 }, (_, i) => i + 1).join(', ')} or ${SCHEMA_VERSION} (got ${describe(config.schemaVersion)})`,
    );
  }
  if (typeof configHash !== 'string' || !HASH_PATTERN.test(configHash)) {
    fail('configHash', `must be 64 lower-case hex digits (got ${describe(configHash)})`);
  } else if (isPlainObject(config)) {
    const actual = await hashOfConfig(config);
    if (actual.error !== undefined) fail('config', actual.error);
    else if (actual.hash !== configHash) {
      fail('configHash', `is not the SHA-256 of the canonical config (that is ${actual.hash})`);
    }
  }

  const environment = value.environment;
  if (!isPlainObject(environment)) {
    fail('environment', `must be an object (got ${describe(environment)})`);
  } else {
    if (!(BACKENDS as readonly unknown[]).includes(environment.backend)) {
      fail(
        'environment.backend',
        `must be one of ${BACKENDS.join(', ')} (got ${describe(environment.backend)})`,
      );
    }
    for (const field of ['userAgent', 'labVersion'] as const) {
      if (typeof environment[field] !== 'string' || environment[field] === '') {
        fail(
          `environment.${field}`,
          `must be a non-empty string (got ${describe(environment[field])})`,
        );
      }
    }
    const adapter = environment.adapter;
    if (adapter !== undefined && adapter !== null && typeof adapter !== 'string') {
      fail('environment.adapter', `must be a string or null (got ${describe(adapter)})`);
    }
    const threads = environment.threads;
    if (threads !== undefined && !(Number.isInteger(threads) && (threads as number) >= 1)) {
      fail('environment.threads', `must be a positive integer (got ${describe(threads)})`);
    }
    const isolated = environment.crossOriginIsolated;
    if (isolated !== undefined && typeof isolated !== 'boolean') {
      fail('environment.crossOriginIsolated', `must be a boolean (got ${describe(isolated)})`);
    }
  }

  if (!Array.isArray(value.stages)) {
    fail('stages', `must be an array (got ${describe(value.stages)})`);
  } else {
    value.stages.forEach((stage: unknown, i) => {
      const at = `stages[${i}]`;
      if (!isPlainObject(stage)) return fail(at, `must be an object (got ${describe(stage)})`);
      if (!(STAGE_NAMES as readonly unknown[]).includes(stage.name)) {
        fail(
          `${at}.name`,
          `must be one of ${STAGE_NAMES.join(', ')} (got ${describe(stage.name)})`,
        );
      }
      if (typeof stage.cached !== 'boolean') {
        fail(`${at}.cached`, `must be a boolean (got ${describe(stage.cached)})`);
      }
      if (!isFiniteNumber(stage.seconds) || stage.seconds < 0) {
        fail(`${at}.seconds`, `must be a number ≥ 0 (got ${describe(stage.seconds)})`);
      }
      if (
        stage.trainedSeconds !== undefined &&
        (!isFiniteNumber(stage.trainedSeconds) || stage.trainedSeconds < 0)
      ) {
        fail(
          `${at}.trainedSeconds`,
          `must be a number ≥ 0 when present (got ${describe(stage.trainedSeconds)})`,
        );
      }
      // Optional whole numbers: the step a stage resumed at, the rows per pass, the stored blocks.
      for (const [field, least] of [
        ['resumedAtStep', 1],
        ['microBatch', 1],
        ['storedBlocks', 0],
      ] as const) {
        const n = stage[field];
        if (n !== undefined && (!Number.isInteger(n) || (n as number) < least)) {
          fail(`${at}.${field}`, `must be an integer ≥ ${least} when present (got ${describe(n)})`);
        }
      }
    });
  }

  const metrics = value.metrics;
  if (!isPlainObject(metrics)) {
    fail('metrics', `must be an object (got ${describe(metrics)})`);
  } else {
    for (const checkpoint of CHECKPOINTS) {
      const scores = metrics[checkpoint];
      if (!isPlainObject(scores)) {
        fail(`metrics.${checkpoint}`, `must be an object (got ${describe(scores)})`);
        continue;
      }
      for (const metric of METRIC_NAMES) {
        const score = scores[metric];
        if (!isFiniteNumber(score) || score < 0 || score > 100) {
          fail(
            `metrics.${checkpoint}.${metric}`,
            `must be a number between 0 and 100 (got ${describe(score)})`,
          );
        }
      }
      // Optional (config schemaVersion 5 on): absent where no over-refusal prompt was evaluated.
      for (const metric of OPTIONAL_METRIC_NAMES) {
        const score = scores[metric];
        if (score !== undefined && (!isFiniteNumber(score) || score < 0 || score > 100)) {
          fail(
            `metrics.${checkpoint}.${metric}`,
            `must be a number between 0 and 100 when present (got ${describe(score)})`,
          );
        }
      }
    }
  }

  if (!Array.isArray(value.samples)) {
    fail('samples', `must be an array (got ${describe(value.samples)})`);
  } else {
    value.samples.forEach((sample: unknown, i) => {
      const at = `samples[${i}]`;
      if (!isPlainObject(sample)) return fail(at, `must be an object (got ${describe(sample)})`);
      if (!(CHECKPOINTS as readonly unknown[]).includes(sample.checkpoint)) {
        fail(
          `${at}.checkpoint`,
          `must be one of ${CHECKPOINTS.join(', ')} (got ${describe(sample.checkpoint)})`,
        );
      }
      for (const field of ['prompt', 'output'] as const) {
        if (typeof sample[field] !== 'string') {
          fail(`${at}.${field}`, `must be a string (got ${describe(sample[field])})`);
        }
      }
      if (typeof sample.judgedHarmful !== 'boolean') {
        fail(`${at}.judgedHarmful`, `must be a boolean (got ${describe(sample.judgedHarmful)})`);
      }
    });
  }
  if (Array.isArray(value.prune)) {
    value.prune.forEach((report: unknown, i) => {
      if (!isPlainObject(report)) return;
      const at = `prune[${i}]`;
      if (report.projection !== undefined) {
        const problem = projectionProblem(report.projection);
        if (problem) fail(`${at}.projection`, problem);
      }
      if (report.maskOverlap !== undefined) {
        const problem = maskOverlapProblem(report.maskOverlap);
        if (problem) fail(`${at}.maskOverlap`, problem);
      }
      if (report.maskGrid === undefined) return;
      const shape = report.shape;
      if (!Array.isArray(shape) || shape.length !== 2 || !shape.every(isPositiveInteger)) {
        return fail(`${at}.shape`, `must be two positive whole numbers (got ${describe(shape)})`);
      }
      if (!isPlainObject(report.maskGrid)) {
        return fail(`${at}.maskGrid`, `must be an object (got ${describe(report.maskGrid)})`);
      }
      const decoded = decodeMaskGrid(report.maskGrid as unknown as MaskGrid, [shape[0], shape[1]]);
      if (!decoded.ok) fail(`${at}.maskGrid`, decoded.reason);
    });
  }
  if (value.judges !== undefined) judgesProblems(value.judges, fail);
  return unlisted === 0 ? problems : [...problems, `${MORE_PATH}: ${moreProblems(unlisted)}`];
}

/**
 * The optional `judges` report, which the page renders: names, per-checkpoint scores in [0, 100],
 * and agreements whose kappa is a number in [−1, 1] or null.
 */
function judgesProblems(judges: unknown, fail: (path: string, message: string) => void): void {
  if (!isPlainObject(judges)) return fail('judges', `must be an object (got ${describe(judges)})`);
  const names = judges.names;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    fail('judges.names', `must be a non-empty array of judge names (got ${describe(names)})`);
  }
  if (!isPlainObject(judges.scores)) {
    fail('judges.scores', `must be an object (got ${describe(judges.scores)})`);
  } else {
    for (const [checkpoint, byJudge] of Object.entries(judges.scores)) {
      const at = `judges.scores.${showKey(checkpoint)}`;
      if (!isPlainObject(byJudge)) {
        fail(at, `must be an object (got ${describe(byJudge)})`);
        continue;
      }
      for (const [name, scores] of Object.entries(byJudge)) {
        const score = isPlainObject(scores) ? scores.harmfulScore : undefined;
        if (!isFiniteNumber(score) || score < 0 || score > 100) {
          fail(
            `${at}.${showKey(name)}.harmfulScore`,
            `must be a number between 0 and 100 (got ${describe(score)})`,
          );
        }
        const graded = isPlainObject(scores) ? scores.gradedScore : undefined;
        if (graded !== undefined && (!isFiniteNumber(graded) || graded < 0 || graded > 100)) {
          fail(
            `${at}.${showKey(name)}.gradedScore`,
            `must be a number between 0 and 100 when present (got ${describe(graded)})`,
          );
        }
      }
    }
  }
  if (!Array.isArray(judges.agreement)) {
    return fail('judges.agreement', `must be an array (got ${describe(judges.agreement)})`);
  }
  judges.agreement.forEach((entry: unknown, i) => {
    const at = `judges.agreement[${i}]`;
    if (!isPlainObject(entry)) return fail(at, `must be an object (got ${describe(entry)})`);
    const pair = entry.judges;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((n) => typeof n === 'string')) {
      fail(`${at}.judges`, `must be two judge names (got ${describe(pair)})`);
    }
    const kappa = entry.kappa;
    if (kappa !== null && (!isFiniteNumber(kappa) || kappa < -1 || kappa > 1)) {
      fail(`${at}.kappa`, `must be a number between -1 and 1, or null (got ${describe(kappa)})`);
    }
    if (!Array.isArray(entry.disagreements)) {
      fail(`${at}.disagreements`, `must be an array (got ${describe(entry.disagreements)})`);
    }
  });
}

/** A SafeLoRA report's `projection`: a cosine similarity in [−1, 1] and whether it was applied. */
function projectionProblem(projection: unknown): string | undefined {
  if (!isPlainObject(projection)) return `must be an object (got ${describe(projection)})`;
  const { similarity, projected } = projection;
  if (!isFiniteNumber(similarity) || similarity < -1 || similarity > 1) {
    return `similarity must be a number between -1 and 1 (got ${describe(similarity)})`;
  }
  if (typeof projected !== 'boolean') {
    return `projected must be a boolean (got ${describe(projected)})`;
  }
  return undefined;
}

/** A Wanda prune's `maskOverlap`: a Jaccard index in [0, 1] and a correlation in [−1, 1] or null. */
function maskOverlapProblem(overlap: unknown): string | undefined {
  if (!isPlainObject(overlap)) return `must be an object (got ${describe(overlap)})`;
  const { jaccard, normCorrelation } = overlap;
  if (!isFiniteNumber(jaccard) || jaccard < 0 || jaccard > 1) {
    return `jaccard must be a number between 0 and 1 (got ${describe(jaccard)})`;
  }
  if (
    normCorrelation !== null &&
    (!isFiniteNumber(normCorrelation) || normCorrelation < -1 || normCorrelation > 1)
  ) {
    return `normCorrelation must be a number between -1 and 1, or null (got ${describe(normCorrelation)})`;
  }
  return undefined;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

async function hashOfConfig(
  config: Record<string, unknown>,
): Promise<{ hash: string; error?: undefined } | { hash?: undefined; error: string }> {
  try {
    return { hash: await sha256Hex(canonicalJSON(config)) };
  } catch (error) {
    return { error: errorText(error) };
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * What an imported file holds: a results file (it has `configHash` and `config`) gives its
 * `config`, anything else is taken as a config. A results file of another `schemaVersion` is
 * refused with the version named: its `config` may mean something else.
 */
export function importedConfigInput(
  parsed: unknown,
):
  | { ok: true; input: unknown; isResultsFile: boolean }
  | { ok: false; path: string; message: string } {
  if (!isPlainObject(parsed) || !('configHash' in parsed) || !('config' in parsed)) {
    return { ok: true, input: parsed, isResultsFile: false };
  }
  if (parsed.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    const version =
      parsed.schemaVersion === undefined ? 'none' : JSON.stringify(parsed.schemaVersion);
    return {
      ok: false,
      path: 'schemaVersion',
      message: `this results file has schemaVersion ${version}; this lab reads results files of schemaVersion ${RESULTS_SCHEMA_VERSION}`,
    };
  }
  return { ok: true, input: parsed.config, isResultsFile: true };
}
