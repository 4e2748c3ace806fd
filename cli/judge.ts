/**
 * `lab judge` and `lab judges`: re-judging saved (prompt, output) pairs with one registered judge,
 * in headless Chromium through the lab's worker (`api.judge`), so a verdict is the one a run in the
 * page would give. stdout carries one `{"harmful", "refusal"}` line per sample and nothing else;
 * the summary and progress go to stderr.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CLASSIFIER_DTYPES,
  CLASSIFIER_INPUTS,
  DEFAULT_CLASSIFIER,
  type ClassifierDtype,
  type ClassifierInput,
  type ClassifierSettings,
} from '../src/core/config/schema';
import { DEFAULT_VALIDATION_CONTEXT } from '../src/core/lab';
import { JUDGE_NAMES } from '../src/core/metrics/judgeNames';
import {
  classifierSettings,
  type JudgeRequest,
  type JudgeResult,
} from '../src/core/metrics/judgeSamples';
import type { JudgedPair } from '../src/core/metrics/judges';
import type { DownloadEvent } from '../workers/protocol';
import { UsageError, parseOptions, type OptionValues } from './args';
import { defaultProfileDir, hubEndpoint } from './browser';
import { describeRunFailure, withLabPage } from './browserRun';
import { readFailure } from './configFile';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from './exit';
import { downloadReporter } from './format';
import { CLASSIFIER_JUDGE, judges } from './judges';
import type { CliContext } from './lab';
import { errorText } from '../src/core/errors';

export type JudgeCommandName = 'judge' | 'judges';

export type JudgeCommand =
  | { name: 'help'; topic: JudgeCommandName }
  | {
      name: 'judges';
      /** Print one JSON array instead of the list. */
      json: boolean;
    }
  | {
      name: 'judge';
      judge: string;
      /** The classifier's complete settings (defaults filled in); the classifier judge only. */
      classifier?: ClassifierSettings;
      samplesPath: string;
      verbose: boolean;
      freshProfile: boolean;
    };

/** Each classifier setting's option, to name the option (not the config field) in a problem. */
const CLASSIFIER_FLAGS: Readonly<Record<keyof ClassifierSettings, string>> = {
  model: '--classifier-model',
  harmfulLabels: '--harmful-labels',
  dtype: '--classifier-dtype',
  input: '--classifier-input',
  threshold: '--threshold',
  maxLength: '--max-length',
};

export const JUDGE_HELP: Record<JudgeCommandName, string> = {
  judge: `Usage: npm run lab -- judge --judge <name> [options] <samples.jsonl>

Judges saved answers with one judge (see: judges) in headless Chromium, through the lab's worker.
Each line of the file is {"prompt": "...", "output": "..."} (other fields are ignored, so a results
file's "samples" entries will do; blank lines are skipped); a whole results file is read as its
"samples". Prints exactly one line {"harmful": bool, "refusal": bool} per sample on stdout, in order;
the judge, its harmful and refusal rates and download progress go to stderr. A classifier's files
come from $HF_ENDPOINT (default https://huggingface.co) and are cached in the browser profile.

Options:
  --judge <name>              ${JUDGE_NAMES.join('|')}
  --classifier-model <repo>   owner/name[@revision] with ONNX weights in onnx/ (default ${DEFAULT_CLASSIFIER.model})
  --harmful-labels <a,b>      the model's id2label names that mean harmful (default ${DEFAULT_CLASSIFIER.harmfulLabels.join(',')})
  --classifier-dtype <d>      ${CLASSIFIER_DTYPES.join('|')}: onnx/model.onnx, model_fp16.onnx, model_quantized.onnx (default ${DEFAULT_CLASSIFIER.dtype})
  --classifier-input <i>      ${CLASSIFIER_INPUTS.join('|')}: classify the (prompt, output) pair or the output alone (default ${DEFAULT_CLASSIFIER.input})
  --threshold <x>             harmful when the harmful labels' probability reaches x (default ${DEFAULT_CLASSIFIER.threshold})
  --max-length <n>            tokens per classified text, truncated beyond (default ${DEFAULT_CLASSIFIER.maxLength})
  --verbose                   also print the browser's console messages (on stderr)
  --fresh-profile             start with an empty browser profile (nothing cached)
  -h, --help                  this help
The --classifier-*, --harmful-labels, --threshold and --max-length options apply to
--judge ${CLASSIFIER_JUDGE} only.

Exit status: 0 success, 1 the judge failed (e.g. the classifier was not found), 2 bad input
(arguments, a line of the file).`,
  judges: `Usage: npm run lab -- judges [--json]

Lists every judge: what it decides, whether it downloads a model, and for ${CLASSIFIER_JUDGE} the
classifier settings it uses unless told otherwise. Nothing is downloaded and no browser is started.

Options:
  --json       print one JSON array, an object per judge
  -h, --help   this help`,
};

/** The lines of the lab's usage that name these commands (args.ts lists the others). */
const USAGE_LINES = [
  '  judge --judge <name> <samples.jsonl>',
  '                           judge saved (prompt, output) pairs: one {"harmful", "refusal"} line each',
  '  judges                   list the judges (keyword and learned) and the classifier defaults',
];

/** The lab's usage with these commands in its command list. */
export function withJudgeUsage(usage: string): string {
  const footer = '\n\nnpm run lab -- <command> --help';
  const at = usage.indexOf(footer);
  return at < 0
    ? `${usage}\n${USAGE_LINES.join('\n')}`
    : `${usage.slice(0, at)}\n${USAGE_LINES.join('\n')}${usage.slice(at)}`;
}

const HELP_WORDS = ['help', '--help', '-h'];

/**
 * Parses `judge …`, `judges …` and `help judge[s]`; undefined for any other command (args.ts
 * parses those). Throws `UsageError` (one line) on bad input, before any browser starts.
 */
export function parseJudgeCommand(argv: readonly string[]): JudgeCommand | undefined {
  const [first, ...rest] = argv;
  if (HELP_WORDS.includes(first ?? '') && isJudgeCommandName(rest[0])) {
    return { name: 'help', topic: rest[0] };
  }
  if (!isJudgeCommandName(first)) return undefined;
  if (first === 'judges') {
    const { values, positionals } = parseOptions('judges', rest, { json: { type: 'boolean' } });
    if (values.help === true) return { name: 'help', topic: 'judges' };
    if (positionals.length > 0) {
      throw new UsageError(`judges: takes no arguments (got ${positionals.join(' ')})`);
    }
    return { name: 'judges', json: values.json === true };
  }
  const { values, positionals } = parseOptions('judge', rest, {
    judge: { type: 'string' },
    'classifier-model': { type: 'string' },
    'harmful-labels': { type: 'string' },
    'classifier-dtype': { type: 'string' },
    'classifier-input': { type: 'string' },
    threshold: { type: 'string' },
    'max-length': { type: 'string' },
    verbose: { type: 'boolean' },
    'fresh-profile': { type: 'boolean' },
  });
  if (values.help === true) return { name: 'help', topic: 'judge' };
  const judge = stringOption(values.judge);
  if (judge === undefined || judge === '') {
    throw new UsageError(`judge: --judge <name> is required (judges: ${JUDGE_NAMES.join(', ')})`);
  }
  if (!(JUDGE_NAMES as readonly string[]).includes(judge)) {
    throw new UsageError(`judge: unknown judge '${judge}' (judges: ${JUDGE_NAMES.join(', ')})`);
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'judge: missing samples file (JSON lines {"prompt": "...", "output": "..."})'
        : `judge: expected one samples file, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const overrides = classifierOverrides(values);
  const given = Object.keys(overrides) as (keyof ClassifierSettings)[];
  if (judge !== CLASSIFIER_JUDGE && given.length > 0) {
    throw new UsageError(
      `judge: ${CLASSIFIER_FLAGS[given[0]]} applies to --judge ${CLASSIFIER_JUDGE} only (not ${judge})`,
    );
  }
  return {
    name: 'judge',
    judge,
    ...(judge === CLASSIFIER_JUDGE ? { classifier: checkedClassifier(overrides) } : {}),
    samplesPath: positionals[0],
    verbose: values.verbose === true,
    freshProfile: values['fresh-profile'] === true,
  };
}

function classifierOverrides(values: OptionValues): Partial<ClassifierSettings> {
  const overrides: Partial<ClassifierSettings> = {};
  const model = stringOption(values['classifier-model']);
  if (model !== undefined) overrides.model = model;
  const labels = stringOption(values['harmful-labels']);
  if (labels !== undefined) {
    const names = labels.split(',').map((label) => label.trim());
    if (names.some((name) => name === '')) {
      throw new UsageError(
        `judge: --harmful-labels must be comma-separated label names (got "${labels}")`,
      );
    }
    overrides.harmfulLabels = names;
  }
  // The values are checked below, by the config's own validator.
  const dtype = stringOption(values['classifier-dtype']);
  if (dtype !== undefined) overrides.dtype = dtype as ClassifierDtype;
  const input = stringOption(values['classifier-input']);
  if (input !== undefined) overrides.input = input as ClassifierInput;
  const threshold = stringOption(values.threshold);
  if (threshold !== undefined) {
    if (threshold.trim() === '' || !Number.isFinite(Number(threshold))) {
      throw new UsageError(`judge: --threshold must be a number (got "${threshold}")`);
    }
    overrides.threshold = Number(threshold);
  }
  const maxLength = stringOption(values['max-length']);
  if (maxLength !== undefined) {
    if (!/^\d+$/.test(maxLength)) {
      throw new UsageError(`judge: --max-length must be a positive integer (got "${maxLength}")`);
    }
    overrides.maxLength = Number(maxLength);
  }
  return overrides;
}

/** The overrides over the defaults, checked as `evaluation.classifier` is; problems name the options. */
function checkedClassifier(overrides: Partial<ClassifierSettings>): ClassifierSettings {
  try {
    return classifierSettings(DEFAULT_VALIDATION_CONTEXT, overrides);
  } catch (error) {
    const message = errorText(error);
    throw new UsageError(`judge: ${message.split('\n').map(optionNames).join('; ')}`);
  }
}

/** `evaluation.classifier.threshold: …` → `--threshold: …`. */
function optionNames(line: string): string {
  return line.replace(
    /^evaluation\.classifier\.(\w+)(\[\d+\])?/,
    (whole, field: string) => CLASSIFIER_FLAGS[field as keyof ClassifierSettings] ?? whole,
  );
}

export type SamplesFile =
  | {
      ok: true;
      samples: JudgedPair[];
      /** Said on stderr: what was taken from a results file. */ note?: string;
    }
  | { ok: false; problem: string };

/**
 * Reads a samples file: JSON lines with string `prompt` and `output` (blank lines skipped, other
 * fields dropped), or a whole results file, whose `samples` are taken. A problem is one line that
 * names the file and the line (or sample).
 */
export async function readSamplesFile(path: string, cwd: string): Promise<SamplesFile> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    return { ok: false, problem: `error: cannot read ${path}: ${readFailure(error)}` };
  }
  return parseSamples(text.replace(/^\uFEFF/, ''), path);
}

export function parseSamples(text: string, path: string): SamplesFile {
  const results = resultsFileSamples(text);
  const entries: { where: string; value: unknown }[] = [];
  const problems: string[] = [];
  let note: string | undefined;
  if (results !== undefined) {
    // A results file keeps answers to every set; a harmful score means the harmful prompts'.
    const isHarmful = (value: unknown) =>
      typeof value !== 'object' ||
      value === null ||
      !('set' in value) ||
      (value as { set: unknown }).set === 'harmful';
    results.forEach((value, i) => {
      if (isHarmful(value)) entries.push({ where: `sample ${i + 1}`, value });
    });
    note = `${path}: judging its ${entries.length} harmful-prompt samples (of ${results.length})`;
  } else {
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') return;
      try {
        entries.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
      } catch (error) {
        const reason = errorText(error);
        problems.push(`${path}, line ${i + 1}: not JSON (${reason})`);
      }
    });
  }
  const samples: JudgedPair[] = [];
  for (const { where, value } of entries) {
    const entry = value as Partial<JudgedPair> | null;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.prompt !== 'string' ||
      typeof entry.output !== 'string'
    ) {
      problems.push(`${path}, ${where}: needs string fields "prompt" and "output"`);
    } else {
      samples.push({ prompt: entry.prompt, output: entry.output });
    }
  }
  // Problems are reported in file order: a JSON error's line may come before a field error's.
  problems.sort((a, b) => lineOf(a) - lineOf(b));
  if (problems.length > 0) {
    const others = problems.length - 1;
    const more = others > 0 ? ` (and ${others} more bad ${others === 1 ? 'line' : 'lines'})` : '';
    return { ok: false, problem: `${problems[0]}${more}` };
  }
  if (samples.length === 0) {
    return {
      ok: false,
      problem: `${path}: no samples (each line: {"prompt": "...", "output": "..."})`,
    };
  }
  return { ok: true, samples, ...(note !== undefined ? { note } : {}) };
}

function lineOf(problem: string): number {
  return Number(/, (?:line|sample) (\d+): /.exec(problem)?.[1] ?? 0);
}

/** The `samples` of a whole results file (pretty-printed JSON), or undefined for JSON lines. */
function resultsFileSamples(text: string): unknown[] | undefined {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return undefined;
  }
  const samples = (whole as { samples?: unknown } | null)?.samples;
  return typeof whole === 'object' && !Array.isArray(whole) && Array.isArray(samples)
    ? samples
    : undefined;
}

export interface LabJudgeRequest {
  request: JudgeRequest;
  /** Where a classifier's files come from. */
  endpoint: string;
  onEvent(event: DownloadEvent): void;
  onConsole?: (line: string) => void;
  profileDir?: string;
}

export type LabJudge = (request: LabJudgeRequest) => Promise<JudgeResult>;

/**
 * The worker's `judge` in the built app. No tfjs backend is initialised: no judge uses tfjs, and
 * the classifier runs on onnxruntime-web's wasm (`workers/judgeRuntime.ts`).
 */
export const judgeInBrowser: LabJudge = (request) =>
  withLabPage(
    {
      onBackend: () => {},
      onEvent: request.onEvent,
      onConsole: request.onConsole,
      profileDir: request.profileDir,
    },
    (page, runId) =>
      page.evaluate(
        async ({ request, endpoint, runId }) => {
          const lab = window.safetuneLab.createLabWorker();
          try {
            const forward = lab.progress<DownloadEvent>((message) => {
              void window.__labEvent(message);
            });
            return await lab.api.judge(runId, request, endpoint, forward);
          } finally {
            lab.terminate();
          }
        },
        { request: request.request, endpoint: request.endpoint, runId },
      ),
  );

function percent(share: number): string {
  return `${share.toFixed(1)}%`;
}

/** Runs `lab judge` / `lab judges` (`help` is the caller's). */
export async function judgeCommand(
  command: Exclude<JudgeCommand, { name: 'help' }>,
  cli: CliContext,
  out: (line?: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (command.name === 'judges') return judges(command, out);
  const file = await readSamplesFile(command.samplesPath, cli.cwd);
  if (!file.ok) {
    err(file.problem);
    return EXIT_BAD_INPUT;
  }
  const { samples } = file;
  if (file.note !== undefined) err(file.note);
  const reportDownload = downloadReporter(() => cli.now(), err);
  let result: JudgeResult;
  try {
    result = await cli.judgeLab({
      request: {
        judge: command.judge,
        ...(command.classifier ? { classifier: command.classifier } : {}),
        samples,
      },
      endpoint: hubEndpoint(cli.env),
      onEvent: (event) => {
        switch (event.type) {
          case 'download':
            reportDownload(event);
            return;
          default: {
            // Every event judge sends is handled above: a new one fails to compile here.
            const unhandled: never = event.type;
            void unhandled;
          }
        }
      },
      onConsole: command.verbose ? err : undefined,
      profileDir: command.freshProfile ? undefined : defaultProfileDir(),
    });
  } catch (error) {
    const failure = describeRunFailure(error);
    const reason = failure.kind === 'error' ? failure.reason : failure.problems.join('; ');
    err(`error: ${optionNames(reason)}`);
    return EXIT_FAILED;
  }
  if (result.verdicts.length !== samples.length) {
    err(
      `error: the judge returned ${result.verdicts.length} verdicts for ${samples.length} samples`,
    );
    return EXIT_FAILED;
  }
  for (const verdict of result.verdicts) {
    out(JSON.stringify({ harmful: verdict.harmful, refusal: verdict.refusal }));
  }
  err(`judge: ${result.judge}${describeDetails(result.details)}`);
  err(`harmful: ${percent(result.harmfulScore)} of ${samples.length}`);
  err(`refusal: ${percent(result.refusalRate)} of ${samples.length}`);
  return EXIT_OK;
}

/** A classifier's model and labels, as the results file records them. */
function describeDetails(details: Record<string, unknown> | undefined): string {
  if (details === undefined) return '';
  const { model, dtype, input, harmfulLabels, labels, threshold } = details as {
    model?: string;
    dtype?: string;
    input?: string;
    harmfulLabels?: string[];
    labels?: string[];
    threshold?: number;
  };
  if (model === undefined) return ` ${JSON.stringify(details)}`;
  return (
    ` (${model}, ${dtype}, input ${input}; harmful labels ${harmfulLabels?.join(',')}` +
    ` of ${labels?.join(',')}; threshold ${threshold})`
  );
}

function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isJudgeCommandName(name: string | undefined): name is JudgeCommandName {
  return name === 'judge' || name === 'judges';
}
