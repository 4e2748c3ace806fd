/**
 * The CLI's commands and their arguments (the "CLI" contract in ARCHITECTURE.md), parsed with
 * `node:util` parseArgs; each command's help text is in `help.ts`.
 */
import { parseArgs } from 'node:util';
import { BACKENDS, type Backend } from '../src/core/config';
import { errorText } from '../src/core/errors';
import { parseShard, shardProblem, type Shard } from '../src/core/shard/plan';
import { wasmThreadsProblem } from '../src/core/runtime/threads';

export const COMMAND_NAMES = [
  'run',
  'sweep',
  'attack',
  'merge',
  'generate',
  'validate',
  'presets',
  'preset',
  'methods',
  'models',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** `generate`'s default for --max-new-tokens. */
export const DEFAULT_MAX_NEW_TOKENS = 32;

export type RunSource = { configPath: string } | { preset: string };

export type Command =
  | { name: 'help'; topic?: CommandName }
  | { name: 'validate'; configPath: string }
  | { name: 'presets' }
  | { name: 'methods' }
  | {
      name: 'models';
      /** Print one JSON array instead of the table. */
      json: boolean;
    }
  | {
      name: 'attack';
      /** A search file, or a built-in search preset. */
      source: { searchPath: string } | { preset: string };
      out?: string;
      /** Replace run files of other configs in <out>/runs instead of writing beside them. */
      force: boolean;
      backend?: Backend;
      verbose: boolean;
      freshProfile: boolean;
      /** wasm's XNNPACK threads (`--threads n`); absent: the page's default. */
      threads?: number;
      /** List the plan and stop. */
      dryRun: boolean;
      /** Search only this shard's defenses (`--shard i/n`). */
      shard?: Shard;
    }
  | {
      name: 'sweep';
      /** A sweep file, or a built-in sweep preset. */
      source: { sweepPath: string } | { preset: string };
      out?: string;
      /** Replace run files of other configs in <out>/runs instead of writing beside them. */
      force: boolean;
      backend?: Backend;
      verbose: boolean;
      freshProfile: boolean;
      /** wasm's XNNPACK threads (`--threads n`); absent: the page's default. */
      threads?: number;
      /** List the runs and stop. */
      dryRun: boolean;
      /** Run only this shard's runs (`--shard i/n`). */
      shard?: Shard;
    }
  | {
      name: 'merge';
      /** Results files, shard folders, sweep or search folders, or folders holding them. */
      inputs: string[];
      out?: string;
      /** Replace run files of other configs in <out>/runs instead of writing beside them. */
      force: boolean;
    }
  | { name: 'preset'; preset: string }
  | {
      name: 'generate';
      model: string;
      prompt: { text: string } | { ids: number[] };
      maxNewTokens: number;
      backend?: Backend;
      /** Also print the next-token logits at the last prompt position. */
      logits: boolean;
      /** Also show the rendered prompt: on stderr, or as `promptText` in the JSON object. */
      showPrompt: boolean;
      /** Print exactly one JSON object on stdout (progress on stderr). */
      json: boolean;
      verbose: boolean;
      freshProfile: boolean;
    }
  | {
      name: 'run';
      source: RunSource;
      out?: string;
      /** Replace an existing results file instead of writing the results beside it. */
      force: boolean;
      backend?: Backend;
      verbose: boolean;
      /** Start from an empty browser profile, i.e. an empty stage cache (a cold run). */
      freshProfile: boolean;
      /** wasm's XNNPACK threads (`--threads n`); absent: the page's default. */
      threads?: number;
    };

/** Bad command-line input; its message is one line, and the CLI exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `argv` (the arguments after `lab`); throws `UsageError` on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given (see --help)');
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { name: 'help' };
    if (!isCommandName(topic)) throw new UsageError(unknownCommand(topic));
    return { name: 'help', topic };
  }
  if (!isCommandName(first)) throw new UsageError(unknownCommand(first));
  const command = first;

  const options =
    command === 'run'
      ? RUN_OPTIONS
      : command === 'sweep' || command === 'attack'
        ? SWEEP_OPTIONS
        : command === 'merge'
          ? MERGE_OPTIONS
          : command === 'generate'
            ? GENERATE_OPTIONS
            : command === 'models'
              ? MODELS_OPTIONS
              : {};
  const { values, positionals } = parseOptions(command, rest, options);
  if (values.help === true) return { name: 'help', topic: command };

  switch (command) {
    case 'validate':
      return { name: 'validate', configPath: onePositional(command, positionals, 'config file') };
    case 'presets':
      if (positionals.length > 0) {
        throw new UsageError(`presets: takes no arguments (got ${positionals.join(' ')})`);
      }
      return { name: 'presets' };
    case 'preset':
      return { name: 'preset', preset: onePositional(command, positionals, 'preset name') };
    case 'methods':
      if (positionals.length > 0) {
        throw new UsageError(`methods: takes no arguments (got ${positionals.join(' ')})`);
      }
      return { name: 'methods' };
    case 'models':
      if (positionals.length > 0) {
        throw new UsageError(`models: takes no arguments (got ${positionals.join(' ')})`);
      }
      return { name: 'models', json: values.json === true };
    case 'sweep':
      return parseSweep(values, positionals);
    case 'attack':
      return parseAttack(values, positionals);
    case 'merge':
      return parseMerge(values, positionals);
    case 'run':
      return parseRun(values, positionals);
    case 'generate':
      return parseGenerate(values, positionals);
  }
}

const MODELS_OPTIONS: OptionSpecs = { json: { type: 'boolean' } };

const GENERATE_OPTIONS: OptionSpecs = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'prompt-ids': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  backend: { type: 'string' },
  logits: { type: 'boolean' },
  'show-prompt': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'fresh-profile': { type: 'boolean' },
};

function parseGenerate(values: OptionValues, positionals: string[]): Command {
  if (positionals.length > 0) {
    throw new UsageError(`generate: takes options only (got ${positionals.join(' ')})`);
  }
  const model = stringOption(values.model);
  if (model === undefined || model === '') {
    throw new UsageError('generate: --model <repo[@revision]|built-in name> is required');
  }
  const text = stringOption(values.prompt);
  const idsText = stringOption(values['prompt-ids']);
  if ((text === undefined) === (idsText === undefined)) {
    throw new UsageError('generate: give exactly one of --prompt TEXT or --prompt-ids 1,2,3');
  }
  let prompt: { text: string } | { ids: number[] };
  if (idsText !== undefined) {
    const parts = idsText.split(',').map((part) => part.trim());
    const bad = parts.find((part) => !/^\d+$/.test(part));
    if (bad !== undefined) {
      throw new UsageError(
        `generate: --prompt-ids must be comma-separated non-negative integers (got "${bad}")`,
      );
    }
    prompt = { ids: parts.map(Number) };
  } else {
    if (text === '') throw new UsageError('generate: --prompt is empty');
    prompt = { text: text as string };
  }
  const maxText = stringOption(values['max-new-tokens']);
  const maxNewTokens = maxText === undefined ? DEFAULT_MAX_NEW_TOKENS : Number(maxText);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new UsageError(
      `generate: --max-new-tokens must be a positive integer (got "${maxText}")`,
    );
  }
  return {
    name: 'generate',
    model,
    prompt,
    maxNewTokens,
    backend: backendOption('generate', values),
    logits: values.logits === true,
    showPrompt: values['show-prompt'] === true,
    json: values.json === true,
    verbose: values.verbose === true,
    freshProfile: values['fresh-profile'] === true,
  };
}

export type OptionSpecs = Record<string, { type: 'string' | 'boolean'; short?: string }>;
export type OptionValues = Record<string, string | boolean | undefined>;

const RUN_OPTIONS: OptionSpecs = {
  preset: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'fresh-profile': { type: 'boolean' },
};

const SWEEP_OPTIONS: OptionSpecs = {
  ...RUN_OPTIONS,
  'dry-run': { type: 'boolean' },
  shard: { type: 'string' },
};

const MERGE_OPTIONS: OptionSpecs = { out: { type: 'string' }, force: { type: 'boolean' } };

function parseMerge(values: OptionValues, positionals: string[]): Command {
  if (positionals.length === 0) {
    throw new UsageError("merge: give the shards' folders or results files to merge");
  }
  const out = stringOption(values.out);
  if (out === '') throw new UsageError('merge: --out must be a folder');
  return { name: 'merge', inputs: positionals, out, force: values.force === true };
}

/** `--shard i/n`, checked: one line naming the bounds and what was given. */
function shardOption(command: 'sweep' | 'attack', values: OptionValues): Shard | undefined {
  const text = stringOption(values.shard);
  if (text === undefined) return undefined;
  const shard = parseShard(text);
  if (!shard) throw new UsageError(`${command}: ${shardProblem(text)}`);
  return shard;
}

/** A file positional or `--preset <name>`, exactly one of them. */
function fileOrPreset(
  command: 'run' | 'sweep' | 'attack',
  values: OptionValues,
  positionals: string[],
  what: string,
): { path: string } | { preset: string } {
  const preset = stringOption(values.preset);
  if (preset === undefined) {
    return { path: onePositional(command, positionals, `${what} (or --preset <name>)`) };
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `${command}: takes a ${what} or --preset, not both (got ${positionals.join(' ')} and --preset ${preset})`,
    );
  }
  return { preset };
}

function backendOption(
  command: 'run' | 'sweep' | 'attack' | 'generate',
  values: OptionValues,
): Backend | undefined {
  const backend = stringOption(values.backend);
  if (backend !== undefined && !isBackend(backend)) {
    throw new UsageError(
      `${command}: --backend must be one of ${BACKENDS.join(', ')} (got "${backend}")`,
    );
  }
  return backend;
}

/** `--threads n`: wasm's XNNPACK threads for the run's worker (1 to `MAX_WASM_THREADS`). */
function threadsOption(
  command: 'run' | 'sweep' | 'attack',
  values: OptionValues,
): number | undefined {
  const text = stringOption(values.threads);
  if (text === undefined) return undefined;
  const threads = /^\d+$/.test(text) ? Number(text) : text;
  const problem = wasmThreadsProblem(threads);
  if (problem !== null) throw new UsageError(`${command}: --${problem}`);
  return threads as number;
}

function parseRun(values: OptionValues, positionals: string[]): Command {
  const source = fileOrPreset('run', values, positionals, 'config file');
  const out = stringOption(values.out);
  if (out === '') throw new UsageError('run: --out must be a file path');
  return {
    name: 'run',
    source: 'path' in source ? { configPath: source.path } : source,
    out,
    force: values.force === true,
    backend: backendOption('run', values),
    verbose: values.verbose === true,
    freshProfile: values['fresh-profile'] === true,
    threads: threadsOption('run', values),
  };
}

function parseAttack(values: OptionValues, positionals: string[]): Command {
  const source = fileOrPreset('attack', values, positionals, 'search file');
  const out = stringOption(values.out);
  if (out === '') throw new UsageError('attack: --out must be a folder');
  return {
    name: 'attack',
    source: 'path' in source ? { searchPath: source.path } : source,
    out,
    force: values.force === true,
    backend: backendOption('attack', values),
    verbose: values.verbose === true,
    freshProfile: values['fresh-profile'] === true,
    threads: threadsOption('attack', values),
    dryRun: values['dry-run'] === true,
    shard: shardOption('attack', values),
  };
}

function parseSweep(values: OptionValues, positionals: string[]): Command {
  const source = fileOrPreset('sweep', values, positionals, 'sweep file');
  const out = stringOption(values.out);
  if (out === '') throw new UsageError('sweep: --out must be a folder');
  return {
    name: 'sweep',
    source: 'path' in source ? { sweepPath: source.path } : source,
    out,
    force: values.force === true,
    backend: backendOption('sweep', values),
    verbose: values.verbose === true,
    freshProfile: values['fresh-profile'] === true,
    threads: threadsOption('sweep', values),
    dryRun: values['dry-run'] === true,
    shard: shardOption('sweep', values),
  };
}

/** `parseArgs` with `--help`, its errors as one-line `UsageError`s naming the command. */
export function parseOptions(
  command: string,
  args: string[],
  options: OptionSpecs,
): { values: OptionValues; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs explains the problem in its first sentence, then adds advice (about '--', on more lines).
    const message = errorText(error);
    const first = message.split('\n')[0].split('. ')[0];
    throw new UsageError(`${command}: ${first.replace(/\.$/, '')}`);
  }
}

function onePositional(command: CommandName, positionals: string[], what: string): string {
  if (positionals.length === 1) return positionals[0];
  if (positionals.length === 0) throw new UsageError(`${command}: missing ${what}`);
  throw new UsageError(
    `${command}: expected one ${what}, got ${positionals.length}: ${positionals.join(' ')}`,
  );
}

function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

function isBackend(name: string): name is Backend {
  return (BACKENDS as readonly string[]).includes(name);
}

function unknownCommand(name: string): string {
  return `unknown command "${name}" (commands: ${COMMAND_NAMES.join(', ')})`;
}
