/**
 * The lab's command line (`npm run lab -- <command>`; the "CLI" contract in ARCHITECTURE.md):
 *   run <config.json> | --preset <name>   [--out <file>] [--force] [--backend <name>] [--verbose]
 *   validate <config.json>
 *   sweep <sweep.json> | --preset <name>  [--out <dir>] [--force] [--backend <name>] [--dry-run] [--shard i/n]
 *   attack <search.json> | --preset <name> [--out <dir>] [--force] [--backend <name>] [--dry-run] [--shard i/n]
 *   merge <folder|file>… [--out <dir>] [--force]
 *   presets
 *   preset <name>
 *   methods
 *   models [--json]
 *   generate --model <repo[@rev]|name> (--prompt TEXT | --prompt-ids 1,2) [--max-new-tokens N] [--logits] [--show-prompt] [--json]
 *   judge --judge <name> [--classifier-model <repo[@rev]>] [--harmful-labels a,b] [--classifier-dtype fp32|fp16|q8]
 *         [--classifier-input pair|output] [--threshold X] [--max-length N] [--verbose] [--fresh-profile] <samples.jsonl>
 *   judges [--json]
 * Exit status: 0 success, 1 a run failed, 2 bad input. Bad input never prints a stack trace.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configHash, listPresets, type ExperimentConfig } from '../src/core/config';
import { resolvePreset } from '../src/core/lab';
import { resultsFileProblems } from '../src/core/pipeline/resultsSchema';
import type { ResultsFile } from '../src/core/pipeline/types';
import { UsageError, parseCommand, type Command } from './args';
import { HELP } from './help';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from './exit';
import { defaultProfileDir } from './browser';
import { describeRunFailure, runInBrowser, type LabRunner } from './browserRun';
import { loadConfigFile } from './configFile';
import { estimateLine, estimateRun, formatRunEstimate } from './estimate';
import { OutPathError, checkOutFile, displayPath, writeKeepingExisting } from './outPath';
import { formatMethods, sweep } from './sweep';
import { attack } from './attack';
import { merge } from './merge';
import { models } from './models';
import { generate, generateInBrowser, type LabGenerator } from './generate';
import {
  JUDGE_HELP,
  judgeCommand,
  judgeInBrowser,
  parseJudgeCommand,
  withJudgeUsage,
  type JudgeCommand,
  type LabJudge,
} from './judge';
import { reportsJudges } from '../src/core/metrics/judgeNames';
import {
  ProgressPrinter,
  formatJudges,
  formatMetricsTable,
  formatPresetList,
  formatStageTable,
} from './format';
import { errorText } from '../src/core/errors';

export { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK };

export interface CliContext {
  /** Normal output (the thing asked for). */
  stdout(text: string): void;
  /** Errors and diagnostics. */
  stderr(text: string): void;
  /** Relative paths in arguments are resolved against this directory. */
  cwd: string;
  /** How `run` reaches the browser (a fake in unit tests). */
  runLab: LabRunner;
  /** How `generate` reaches the browser (a fake in unit tests). */
  generateLab: LabGenerator;
  /** How `judge` reaches the browser (a fake in unit tests). */
  judgeLab: LabJudge;
  /** Environment variables (`HF_ENDPOINT`). */
  env: NodeJS.ProcessEnv;
  /** Milliseconds, for throttling progress lines. */
  now: () => number;
}

/** Runs one command and resolves to the exit status; never throws for bad input. */
export async function main(
  argv: readonly string[],
  context: Partial<CliContext> = {},
): Promise<number> {
  const cli: CliContext = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    runLab: runInBrowser,
    generateLab: generateInBrowser,
    judgeLab: judgeInBrowser,
    env: process.env,
    now: () => performance.now(),
    ...context,
  };
  const out = (line = '') => cli.stdout(`${line}\n`);
  const err = (line: string) => cli.stderr(`${line}\n`);

  let command: Command | JudgeCommand;
  try {
    // judge and judges parse themselves (cli/judge.ts); args.ts knows the other commands.
    command = parseJudgeCommand(argv) ?? parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`error: ${error.message}`);
    return EXIT_BAD_INPUT;
  }

  switch (command.name) {
    case 'help':
      if (command.topic === 'judge' || command.topic === 'judges') out(JUDGE_HELP[command.topic]);
      else out(command.topic === undefined ? withJudgeUsage(HELP.lab) : HELP[command.topic]);
      return EXIT_OK;
    case 'presets':
      out(formatPresetList(listPresets()));
      return EXIT_OK;
    case 'preset': {
      const config = presetConfig(command.preset, err);
      if (config === undefined) return EXIT_BAD_INPUT;
      out(JSON.stringify(config, null, 2));
      return EXIT_OK;
    }
    case 'validate': {
      const loaded = await loadConfigFile(command.configPath, cli.cwd);
      if (loaded.ok) {
        out(`valid: ${command.configPath} (configHash ${loaded.hash})`);
        return EXIT_OK;
      }
      if ('unreadable' in loaded) err(`error: ${loaded.unreadable}`);
      else loaded.problems.forEach((line) => out(line));
      return EXIT_BAD_INPUT;
    }
    case 'run':
      return run(command, cli, out, err);
    case 'sweep':
      return sweep(command, cli, out, err);
    case 'attack':
      return attack(command, cli, out, err);
    case 'merge':
      return merge(command, cli, out, err);
    case 'methods':
      out(formatMethods());
      return EXIT_OK;
    case 'models':
      return models(command, out, err);
    case 'generate':
      return generate(command, cli, out, err);
    case 'judge':
    case 'judges':
      return judgeCommand(command, cli, out, err);
  }
}

async function run(
  command: Extract<Command, { name: 'run' }>,
  cli: CliContext,
  out: (line?: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let config: ExperimentConfig;
  if ('preset' in command.source) {
    const resolved = presetConfig(command.source.preset, err);
    if (resolved === undefined) return EXIT_BAD_INPUT;
    config = resolved;
  } else {
    const loaded = await loadConfigFile(command.source.configPath, cli.cwd);
    if (!loaded.ok) {
      if ('unreadable' in loaded) err(`error: ${loaded.unreadable}`);
      else loaded.problems.forEach(err);
      return EXIT_BAD_INPUT;
    }
    config = loaded.config;
  }
  if (command.backend !== undefined)
    config = { ...config, runtime: { ...config.runtime, backend: command.backend } };
  const hash = await configHash(config);
  // Where the results go is checked before anything runs: a finished run is never lost to it.
  const outPath = resolve(cli.cwd, command.out ?? join('results', `${hash}.json`));
  try {
    checkOutFile(outPath, command.out ?? displayPath(outPath, cli.cwd), cli.cwd);
  } catch (error) {
    if (!(error instanceof OutPathError)) throw error;
    err(`error: run: ${error.message}`);
    return EXIT_BAD_INPUT;
  }
  err(estimateLine(() => formatRunEstimate(estimateRun(config))));
  out(`config: ${config.name} (configHash ${hash})`);

  const progress = new ProgressPrinter(out, { now: cli.now });
  let results: unknown;
  try {
    results = await cli.runLab({
      config,
      onBackend: (info) => out(`backend: ${info.backend} (${info.reason})`),
      onEvent: (event) => progress.handle(event),
      onConsole: command.verbose ? err : undefined,
      profileDir: command.freshProfile ? undefined : defaultProfileDir(),
      threads: command.threads,
    });
  } catch (error) {
    const failure = describeRunFailure(error);
    if (failure.kind === 'invalid-config') {
      failure.problems.forEach(err);
      return EXIT_BAD_INPUT;
    }
    err(`error: ${failure.reason}`);
    return EXIT_FAILED;
  }

  // What came back from the page is checked against the contract before anyone reads it.
  const problems = await resultsFileProblems(results);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  let written: string;
  try {
    written = await writeKeepingExisting(outPath, text, command.force);
  } catch (error) {
    // Checked before the run, yet unwritable now (a full disk, a folder gone): the results are
    // kept in the temporary folder rather than lost.
    const reason = errorText(error);
    const rescue = await writeKeepingExisting(
      join(tmpdir(), `safetune-results-${hash}.json`),
      text,
      false,
    ).catch(() => undefined);
    err(
      `error: cannot write ${displayPath(outPath, cli.cwd)}: ${reason}` +
        (rescue ? `; the results are in ${rescue}` : ''),
    );
    return EXIT_FAILED;
  }
  if (written !== outPath) {
    err(
      `note: ${displayPath(outPath, cli.cwd)} exists and is kept; the results go to ${displayPath(written, cli.cwd)}`,
    );
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
    err(
      `error: the results file breaks its contract: ${problems[0]}${more}; written to ${displayPath(written, cli.cwd)}`,
    );
    return EXIT_FAILED;
  }
  const file = results as ResultsFile;
  out();
  out(formatMetricsTable(file.metrics));
  if (file.judges && reportsJudges(file.judges.names)) {
    out();
    out(formatJudges(file.judges));
  }
  out();
  out(formatStageTable(file.stages));
  out();
  out(`results: ${displayPath(written, cli.cwd)}`);
  return EXIT_OK;
}

function presetConfig(name: string, err: (line: string) => void): ExperimentConfig | undefined {
  try {
    return resolvePreset(name);
  } catch (error) {
    // resolvePreset names the valid presets (and the closest one) in its message.
    err(`error: ${errorText(error)}`);
    return undefined;
  }
}

/**
 * Under `npm run lab` the process starts in the package root, not where the user typed the
 * command; npm passes that directory as INIT_CWD.
 */
function invocationDirectory(): string {
  return process.env.npm_lifecycle_event === 'lab' && process.env.INIT_CWD
    ? process.env.INIT_CWD
    : process.cwd();
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntryPoint) {
  main(process.argv.slice(2), { cwd: invocationDirectory() }).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      // Not bad input (main reports that itself) but a failure nobody foresaw: still one line.
      console.error(`error: ${errorText(error)}`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
