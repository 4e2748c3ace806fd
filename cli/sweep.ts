/**
 * `npm run lab -- sweep`: expands and validates a sweep, runs each point in headless Chromium (one
 * kept profile, so the stage cache carries over), writes every results file as it arrives, and
 * ends with the leaderboard as JSON, CSV and a table. `methods` lists the method and attack registries.
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { canonicalJSON, type ExperimentConfig } from '../src/core/config';
import { SPEC_LIMITS, parseBoundedJSON, sizeProblem } from '../src/core/config/bounds';
import { DEFAULT_VALIDATION_CONTEXT } from '../src/core/lab';
import { resultsFileProblems } from '../src/core/pipeline/resultsSchema';
import type { ResultsFile } from '../src/core/pipeline/types';
import { listAttacks } from '../src/core/methods/attack/registry';
import { listMethods } from '../src/core/methods/registry';
import {
  buildLeaderboard,
  describeCoordinates,
  expandSweep,
  getSweepPreset,
  leaderboardCsv,
  leaderboardRunsCsv,
  leaderboardTable,
  runSweep,
  type Leaderboard,
  type SweepRun,
} from '../src/core/sweep';
import {
  SHARD_MANIFEST_FILE,
  SHARD_MANIFEST_KIND,
  SHARD_MANIFEST_SCHEMA_VERSION,
  describeShardPlan,
  planSweepShards,
  runsOfShard,
  type Shard,
  type ShardManifest,
} from '../src/core/shard';
import { LAB_VERSION } from '../src/core/version';
import type { Command } from './args';
import { defaultProfileDir } from './browser';
import { describeRunFailure } from './browserRun';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from './exit';
import { readFailure } from './configFile';
import { estimateLine, formatPlanEstimate } from './estimate';
import { ProgressPrinter } from './format';
import type { CliContext } from './lab';
import { OutPathError, displayPath, prepareOutFolder, writeKeepingExisting } from './outPath';

export async function sweep(
  command: Extract<Command, { name: 'sweep' }>,
  cli: CliContext,
  out: (line?: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const input = await readSpecSource(
    'preset' in command.source ? command.source : { path: command.source.sweepPath },
    getSweepPreset,
    cli.cwd,
    err,
  );
  if (input === undefined) return EXIT_BAD_INPUT;
  const expanded = expandSweep(input, DEFAULT_VALIDATION_CONTEXT);
  if (!expanded.ok) {
    for (const e of expanded.errors) err(`${e.path}: ${e.message}`);
    return EXIT_BAD_INPUT;
  }
  const { spec } = expanded;
  // A shard's runs are chosen from the runs as the spec expands them (before --backend), so every
  // machine places them alike.
  const plan = command.shard && (await planSweepShards(expanded.runs, command.shard.count));
  const mine = plan ? runsOfShard(expanded.runs, plan, command.shard as Shard) : expanded.runs;
  const runs: SweepRun[] = mine.map((run) =>
    command.backend === undefined
      ? run
      : {
          ...run,
          config: { ...run.config, runtime: { ...run.config.runtime, backend: command.backend } },
        },
  );
  // Where the results go is checked (and made) before anything runs.
  const dir = resolve(
    cli.cwd,
    command.out ??
      join(
        'results',
        'sweeps',
        spec.name,
        ...(command.shard ? [`shard-${command.shard.index}-of-${command.shard.count}`] : []),
      ),
  );
  const runsDir = join(dir, 'runs');
  if (!command.dryRun && !prepareOut('sweep', dir, command.out, cli.cwd, err)) {
    return EXIT_BAD_INPUT;
  }
  err(estimateLine(() => formatPlanEstimate(runs)));
  out(`sweep: ${spec.name}, ${expanded.runs.length} runs`);
  if (plan && command.shard) {
    out(describeShardPlan(plan, command.shard, runs.length, expanded.runs.length));
  }
  if (command.dryRun) {
    for (const run of runs) out(`  ${run.index}: ${describeCoordinates(run.coordinates)}`);
    return EXIT_OK;
  }
  if (plan && command.shard) {
    // Before the first run: a merge then knows what this shard was to produce, even if it dies.
    const manifest: ShardManifest = {
      schemaVersion: SHARD_MANIFEST_SCHEMA_VERSION,
      kind: SHARD_MANIFEST_KIND,
      command: 'sweep',
      spec: spec as unknown as Record<string, unknown>,
      shard: command.shard,
      backend: command.backend ?? null,
      runs: mine.map((run) => ({
        index: run.index,
        hash: plan.hashOfRun.get(run.index) as string,
        coordinates: run.coordinates,
      })),
      labVersion: LAB_VERSION,
    };
    await writeFile(join(dir, SHARD_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  const fileOf = (run: SweepRun) => join(runsDir, `${String(run.index).padStart(3, '0')}.json`);
  const started = cli.now();
  // One profile for the whole sweep (its stage cache is the point); a new empty one if asked.
  const profileDir = command.freshProfile
    ? await mkdtemp(join(tmpdir(), 'safetune-sweep-'))
    : defaultProfileDir();

  const outcome = await runSweep(
    runs,
    async (run) => {
      const results = await runConfigInBrowser(run.config, cli, command, profileDir, out, err);
      await writeRunFile(fileOf(run), results, command.force, cli.cwd, err);
      return results;
    },
    {
      // A results file of the same config from an interrupted sweep is re-used, not re-run.
      known: (run) => savedResults(fileOf(run), run.config),
      onRunStart: (run, position, total) =>
        out(`[${position + 1}/${total}] ${describeCoordinates(run.coordinates)}`),
      onRunEnd: (run, result) => {
        if ('error' in result) out(`    failed: ${result.error}`);
        else {
          const post = result.results.metrics.post;
          out(
            `    run ${run.index}: HS ${post.harmfulScore.toFixed(1)}, FA ${post.finetuneAccuracy.toFixed(1)}`,
          );
        }
      },
    },
  );

  const board = buildLeaderboard(spec, runs, outcome.results, outcome.failures);
  await writeLeaderboardFiles(dir, board);
  out();
  out(leaderboardTable(board));
  out();
  out(`wall time: ${((cli.now() - started) / 1000).toFixed(0)} s`);
  out(
    `leaderboard: ${join(dir, 'leaderboard.json')} and leaderboard.csv` +
      (board.aggregates.length > 0
        ? ' (mean ± std over seeds; each run in leaderboard-runs.csv)'
        : ''),
  );
  return outcome.failures.size > 0 ? EXIT_FAILED : EXIT_OK;
}

/** `leaderboard.json`, `leaderboard.csv` and, with seeds, `leaderboard-runs.csv` (sweep and merge alike). */
export async function writeLeaderboardFiles(dir: string, board: Leaderboard): Promise<void> {
  await writeFile(join(dir, 'leaderboard.json'), `${JSON.stringify(board, null, 2)}\n`);
  await writeFile(join(dir, 'leaderboard.csv'), leaderboardCsv(board));
  // With seeds, leaderboard.csv holds the aggregates; each run's line goes here.
  if (board.aggregates.length > 0) {
    await writeFile(join(dir, 'leaderboard-runs.csv'), leaderboardRunsCsv(board));
  }
}

/**
 * Checks `--out` and makes it with its runs folder before the first run; false (the problem
 * printed as one line) when it cannot hold the files.
 */
export function prepareOut(
  command: 'sweep' | 'attack' | 'merge',
  dir: string,
  given: string | undefined,
  cwd: string,
  err: (line: string) => void,
): boolean {
  try {
    prepareOutFolder(dir, given ?? displayPath(dir, cwd), cwd, 'runs');
    return true;
  } catch (error) {
    if (!(error instanceof OutPathError)) throw error;
    err(`error: ${command}: ${error.message}`);
    return false;
  }
}

/**
 * A run's results file: a file already at `path` (another config's, as `savedResults` found no
 * match) is kept unless `force`, and the results go beside it, said on stderr.
 */
export async function writeRunFile(
  path: string,
  results: ResultsFile,
  force: boolean,
  cwd: string,
  err: (line: string) => void,
): Promise<void> {
  const written = await writeKeepingExisting(path, `${JSON.stringify(results, null, 2)}\n`, force);
  if (written !== path) {
    err(
      `note: ${displayPath(path, cwd)} exists and is kept; the results go to ${displayPath(written, cwd)}`,
    );
  }
}

/**
 * A sweep's or a search's JSON: a built-in preset by name, or a file. Undefined (the problem
 * printed as one line) when the preset is unknown or the file unreadable or not JSON.
 */
export async function readSpecSource(
  source: { preset: string } | { path: string },
  preset: (name: string) => unknown,
  cwd: string,
  err: (line: string) => void,
): Promise<unknown> {
  if ('preset' in source) {
    try {
      return preset(source.preset);
    } catch (error) {
      err(`error: ${(error as Error).message}`);
      return undefined;
    }
  }
  let text: string;
  try {
    // The size first: a huge file is refused before it is read, let alone parsed.
    const size = sizeProblem((await stat(resolve(cwd, source.path))).size, SPEC_LIMITS);
    if (size !== undefined) {
      err(`error: ${source.path}: ${size}`);
      return undefined;
    }
    text = await readFile(resolve(cwd, source.path), 'utf8');
  } catch (error) {
    err(`error: cannot read ${source.path}: ${readFailure(error)}`);
    return undefined;
  }
  const parsed = parseBoundedJSON(text, SPEC_LIMITS);
  if (!parsed.ok) {
    err(`(json): ${parsed.message}`);
    return undefined;
  }
  return parsed.value;
}

/**
 * One run in the kept browser profile, with progress lines indented under the caller's; a failure
 * is one line (an invalid config's problems joined), and a results file that breaks its contract
 * is a failure too.
 */
export async function runConfigInBrowser(
  config: ExperimentConfig,
  cli: CliContext,
  command: { verbose: boolean; threads?: number },
  profileDir: string,
  out: (line?: string) => void,
  err: (line: string) => void,
): Promise<ResultsFile> {
  const progress = new ProgressPrinter((line) => out(`    ${line}`), {
    now: cli.now,
    stepIntervalMs: 15000,
  });
  let results: unknown;
  try {
    results = await cli.runLab({
      config,
      onBackend: () => {},
      onEvent: (event) => progress.handle(event),
      onConsole: command.verbose ? err : undefined,
      profileDir,
      threads: command.threads,
    });
  } catch (error) {
    const failure = describeRunFailure(error);
    throw new Error(
      failure.kind === 'error' ? failure.reason : `invalid config: ${failure.problems.join('; ')}`,
      { cause: error },
    );
  }
  const problems = await resultsFileProblems(results);
  if (problems.length > 0) throw new Error(`results file breaks its contract: ${problems[0]}`);
  return results as ResultsFile;
}

/** A results file saved earlier for exactly this config (an interrupted sweep or search). */
export async function savedResults(
  path: string,
  config: ExperimentConfig,
): Promise<ResultsFile | undefined> {
  try {
    const file = JSON.parse(await readFile(path, 'utf8')) as ResultsFile;
    if ((await resultsFileProblems(file)).length > 0) return undefined;
    return canonicalJSON(file.config) === canonicalJSON(config) ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `methods`: every registered method, by stage, then every attack (`attack.method`, its phases),
 * with parameters and citation.
 */
export function formatMethods(): string {
  const lines: string[] = [];
  const entries = [
    ...listMethods().map((method) => ({ ...method, where: method.stage })),
    ...listAttacks().map((attack) => ({ ...attack, where: 'attack' })),
  ];
  for (const method of entries) {
    const phases = 'phases' in method ? `  (${method.phases.join(', ')})` : '';
    lines.push(`${method.where.padEnd(9)}  ${method.name}${phases}`);
    for (const [name, spec] of Object.entries(method.params)) {
      const range =
        spec.type === 'enum'
          ? `one of ${spec.values.join('|')}`
          : spec.type === 'boolean'
            ? 'true|false'
            : `${spec.type}${spec.min !== undefined || spec.max !== undefined ? ` in [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]` : ''}`;
      lines.push(`             ${name} = ${String(spec.default)}  (${range}) ${spec.description}`);
    }
    if (method.citation) lines.push(`             cite: ${method.citation}`);
  }
  return lines.join('\n');
}
