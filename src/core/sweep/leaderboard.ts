/**
 * The leaderboard of a sweep: one row per run (method × setting) with the post-fine-tuning
 * checkpoint's harmful score, fine-tuning accuracy, refusal rate and over-refusal rate, the
 * fine-tuned checkpoint's for reference, and time. When the sweep repeats its points on seeds (or marks an axis
 * `aggregate`), the rows that differ only there are also gathered into one aggregate row each:
 * mean ± standard deviation and n of every metric. Exported as JSON (the rows, the aggregates and
 * the sweep they came from) and CSV (the aggregates when there are any, else the rows).
 */
import { canonicalJSON, stageKeyMaterial } from '../config/canonical';
import type { ExperimentConfig, Stage } from '../config/schema';
import type { ResultsFile, StageRecord } from '../pipeline/types';
import { STAGES } from '../config/schema';
import { formatSpread, spread, type Spread } from './aggregate';
import {
  aggregatedAxisNames,
  describeCoordinates,
  type FieldValue,
  type SweepRun,
  type SweepSpec,
} from './spec';

/** Version 2 added `aggregatedOver` and `aggregates`. */
export const LEADERBOARD_SCHEMA_VERSION = 2;

/** The metrics a leaderboard row carries, in column order. */
export const ROW_METRICS = [
  'harmfulScore',
  'finetuneAccuracy',
  'harmfulRefusalRate',
  'benignHelpfulness',
  'finetunedHarmfulScore',
  'finetunedAccuracy',
] as const;
export type RowMetric = (typeof ROW_METRICS)[number];

/** The runs of one method × setting that differ only on the aggregated axes (seeds). */
export interface AggregateRow {
  method: string;
  /** The setting without the aggregated axes. */
  setting: Record<string, FieldValue>;
  /** How many runs finished (the n of every spread). */
  n: number;
  /** Their run indices, and their values on the aggregated axes (e.g. the seeds), in order. */
  runs: number[];
  over: Record<string, FieldValue>[];
  metrics: Record<RowMetric, Spread>;
  /** Over the runs that measured it (its own n); null when none did. */
  overRefusalRate: Spread | null;
  /** Over the runs whose training time is known; null when none is. */
  trainSeconds: Spread | null;
}

export interface LeaderboardRow {
  index: number;
  /** The variant label of a `method` axis, else the non-baseline methods of the config. */
  method: string;
  /** The run's coordinates on the other axes, e.g. `{ p: 0.1, lr: 0.001 }`. */
  setting: Record<string, FieldValue>;
  configHash: string;
  /** Post checkpoint (the model the user ends up with), in percent. */
  harmfulScore: number;
  finetuneAccuracy: number;
  harmfulRefusalRate: number;
  benignHelpfulness: number;
  /**
   * Refusals of safe prompts that look unsafe (`overRefusalRate`); null where the run evaluated
   * none (`evaluation.overRefusalPrompts` 0, or a results file from before config version 5).
   */
  overRefusalRate: number | null;
  /** The same scores before the post-fine-tuning stage. */
  finetunedHarmfulScore: number;
  finetunedAccuracy: number;
  /**
   * Seconds to train this run's three stages, each counted as measured when it was trained —
   * also when this run found it cached (the cache records the time, and so does the run of the
   * sweep that trained it). `null` when neither knows (a stage cached by an older lab version).
   */
  trainSeconds: number | null;
  /** Wall seconds of this run as it happened (cached stages cost ~0) including evaluation. */
  runSeconds: number;
  cachedStages: Stage[];
}

export interface Leaderboard {
  schemaVersion: 2;
  sweep: SweepSpec;
  /** Column names of `setting`, in axis order. */
  settingColumns: string[];
  rows: LeaderboardRow[];
  /** Setting columns the aggregates are taken over (e.g. `["seed"]`); empty: no aggregates. */
  aggregatedOver: string[];
  aggregates: AggregateRow[];
  /** Runs that failed, with the reason. */
  failures: { index: number; coordinates: Record<string, FieldValue>; error: string }[];
}

const BASELINE: Record<Stage, string> = { alignment: 'sft', finetune: 'sft', post: 'none' };

/** `vaccine`, `lisa + antidote`, or `sft (no defense)`: the stages whose method is not the baseline. */
export function methodLabel(config: ExperimentConfig): string {
  const used = STAGES.filter((stage) => config[stage].method !== BASELINE[stage]).map(
    (stage) => config[stage].method,
  );
  return used.length > 0 ? used.join(' + ') : 'sft (no defense)';
}

/** Builds the leaderboard from the runs that finished (results by run index) and those that failed. */
export function buildLeaderboard(
  spec: SweepSpec,
  runs: readonly SweepRun[],
  results: ReadonlyMap<number, ResultsFile>,
  failures: ReadonlyMap<number, string> = new Map(),
): Leaderboard {
  const methodAxis = spec.axes.find((axis) => 'variants' in axis && axis.name === 'method');
  const methodColumn = methodAxis && 'name' in methodAxis ? methodAxis.name : undefined;
  const settingColumns = runs.length
    ? Object.keys(runs[0].coordinates).filter((name) => name !== methodColumn)
    : [];

  // Seconds of each stage as trained, by the stage's key material, from the runs that trained it.
  const trained = new Map<string, number>();
  for (const run of runs) {
    const file = results.get(run.index);
    if (!file) continue;
    for (const record of file.stages) {
      if (record.name !== 'evaluation' && !record.cached) {
        trained.set(stageId(run.config, record.name), record.seconds);
      }
    }
  }

  const rows: LeaderboardRow[] = [];
  for (const run of runs) {
    const file = results.get(run.index);
    if (!file) continue;
    const setting: Record<string, FieldValue> = {};
    for (const name of settingColumns) setting[name] = run.coordinates[name];
    const trainingRecords = file.stages.filter(
      (r): r is StageRecord & { name: Stage } => r.name !== 'evaluation',
    );
    let trainSeconds: number | null = 0;
    for (const record of trainingRecords) {
      const seconds = record.cached
        ? (trained.get(stageId(run.config, record.name)) ?? record.trainedSeconds)
        : record.seconds;
      trainSeconds = seconds === undefined || trainSeconds === null ? null : trainSeconds + seconds;
    }
    const post = file.metrics.post;
    const finetuned = file.metrics.finetuned;
    rows.push({
      index: run.index,
      method:
        methodColumn !== undefined
          ? String(run.coordinates[methodColumn])
          : methodLabel(run.config),
      setting,
      configHash: file.configHash,
      harmfulScore: post.harmfulScore,
      finetuneAccuracy: post.finetuneAccuracy,
      harmfulRefusalRate: post.harmfulRefusalRate,
      benignHelpfulness: post.benignHelpfulness,
      overRefusalRate: post.overRefusalRate ?? null,
      finetunedHarmfulScore: finetuned.harmfulScore,
      finetunedAccuracy: finetuned.finetuneAccuracy,
      trainSeconds: trainSeconds === null ? null : round(trainSeconds, 1),
      runSeconds: round(
        file.stages.reduce((sum, r) => sum + r.seconds, 0),
        1,
      ),
      cachedStages: trainingRecords.filter((r) => r.cached).map((r) => r.name),
    });
  }
  const aggregatedOver = aggregatedAxisNames(spec).filter((name) => settingColumns.includes(name));
  return {
    schemaVersion: LEADERBOARD_SCHEMA_VERSION,
    sweep: spec,
    settingColumns,
    rows,
    aggregatedOver,
    aggregates: aggregatedOver.length > 0 ? aggregateRows(rows, aggregatedOver) : [],
    failures: runs
      .filter((run) => failures.has(run.index))
      .map((run) => ({
        index: run.index,
        coordinates: run.coordinates,
        error: failures.get(run.index) as string,
      })),
  };
}

/**
 * Gathers rows that share method and setting apart from `over`, in the order each group first
 * appears; a group's spreads are over its finished runs.
 */
export function aggregateRows(
  rows: readonly LeaderboardRow[],
  over: readonly string[],
): AggregateRow[] {
  const groups = new Map<string, LeaderboardRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.method, keptSetting(row.setting, over)]);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()].map((group) => {
    const timed = group.map((row) => row.trainSeconds).filter((s): s is number => s !== null);
    const overRefusal = group
      .map((row) => row.overRefusalRate)
      .filter((rate): rate is number => rate !== null);
    const metrics = {} as Record<RowMetric, Spread>;
    for (const metric of ROW_METRICS) metrics[metric] = spread(group.map((row) => row[metric]));
    return {
      method: group[0].method,
      setting: keptSetting(group[0].setting, over),
      n: group.length,
      runs: group.map((row) => row.index),
      over: group.map((row) => Object.fromEntries(over.map((name) => [name, row.setting[name]]))),
      metrics,
      overRefusalRate: overRefusal.length > 0 ? spread(overRefusal) : null,
      trainSeconds: timed.length > 0 ? spread(timed, 1) : null,
    };
  });
}

function keptSetting(
  setting: Record<string, FieldValue>,
  over: readonly string[],
): Record<string, FieldValue> {
  return Object.fromEntries(Object.entries(setting).filter(([name]) => !over.includes(name)));
}

/** The setting columns an aggregate row shows. */
export function aggregateColumns(board: Leaderboard): string[] {
  return board.settingColumns.filter((name) => !board.aggregatedOver.includes(name));
}

const CSV_COLUMNS = [
  'harmful_score',
  'finetune_accuracy',
  'harmful_refusal_rate',
  'benign_helpfulness',
  'over_refusal_rate',
  'finetuned_harmful_score',
  'finetuned_accuracy',
  'train_seconds',
  'run_seconds',
  'cached_stages',
  'config_hash',
] as const;

const METRIC_CSV_NAMES: Record<RowMetric, string> = {
  harmfulScore: 'harmful_score',
  finetuneAccuracy: 'finetune_accuracy',
  harmfulRefusalRate: 'harmful_refusal_rate',
  benignHelpfulness: 'benign_helpfulness',
  finetunedHarmfulScore: 'finetuned_harmful_score',
  finetunedAccuracy: 'finetuned_accuracy',
};

/**
 * RFC 4180 CSV: a header, then one line per row; fields quoted when they need it. A board with
 * aggregates gives one line per aggregate (`<metric>_mean`, `<metric>_std` — empty at n = 1 — and
 * `n`); `leaderboardRunsCsv` gives the runs.
 */
export function leaderboardCsv(board: Leaderboard): string {
  if (board.aggregates.length === 0) return leaderboardRunsCsv(board);
  const columns = aggregateColumns(board);
  const header = [
    'method',
    ...columns,
    'n',
    ...ROW_METRICS.flatMap((m) => [`${METRIC_CSV_NAMES[m]}_mean`, `${METRIC_CSV_NAMES[m]}_std`]),
    'over_refusal_rate_mean',
    'over_refusal_rate_std',
    'over_refusal_rate_n',
    'train_seconds_mean',
    ...board.aggregatedOver.map((name) => `${name}s`),
  ];
  const lines = [header.map(csvField).join(',')];
  for (const row of board.aggregates) {
    lines.push(
      [
        row.method,
        ...columns.map((name) => row.setting[name]),
        row.n,
        ...ROW_METRICS.flatMap((m) => [row.metrics[m].mean, row.metrics[m].std ?? '']),
        row.overRefusalRate?.mean ?? '',
        row.overRefusalRate?.std ?? '',
        row.overRefusalRate?.n ?? 0,
        row.trainSeconds?.mean ?? '',
        ...board.aggregatedOver.map((name) => row.over.map((o) => String(o[name])).join(' ')),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** One CSV line per run. */
export function leaderboardRunsCsv(board: Leaderboard): string {
  const header = ['method', ...board.settingColumns, ...CSV_COLUMNS];
  const lines = [header.map(csvField).join(',')];
  for (const row of board.rows) {
    lines.push(
      [
        row.method,
        ...board.settingColumns.map((name) => row.setting[name]),
        row.harmfulScore,
        row.finetuneAccuracy,
        row.harmfulRefusalRate,
        row.benignHelpfulness,
        row.overRefusalRate ?? '',
        row.finetunedHarmfulScore,
        row.finetunedAccuracy,
        row.trainSeconds ?? '',
        row.runSeconds,
        row.cachedStages.join(' '),
        row.configHash,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * A fixed-width text table for the terminal (and the closing notes): the aggregates (mean ± std
 * with n) when the sweep has them, else one line per run.
 */
export function leaderboardTable(board: Leaderboard): string {
  if (board.aggregates.length > 0) return aggregateTable(board);
  const header = [
    'method',
    ...board.settingColumns,
    'HS',
    'FA',
    'refusal',
    'ORR',
    'HS ft',
    'FA ft',
    'train s',
  ];
  const body = board.rows.map((row) => [
    row.method,
    ...board.settingColumns.map((name) => String(row.setting[name])),
    row.harmfulScore.toFixed(1),
    row.finetuneAccuracy.toFixed(1),
    row.harmfulRefusalRate.toFixed(1),
    row.overRefusalRate === null ? '—' : row.overRefusalRate.toFixed(1),
    row.finetunedHarmfulScore.toFixed(1),
    row.finetunedAccuracy.toFixed(1),
    row.trainSeconds === null ? '?' : row.trainSeconds.toFixed(1),
  ]);
  return [textTable(header, body), ...failureLines(board)].join('\n');
}

function aggregateTable(board: Leaderboard): string {
  const columns = aggregateColumns(board);
  const header = [
    'method',
    ...columns,
    'n',
    'HS',
    'FA',
    'refusal',
    'ORR',
    'HS ft',
    'FA ft',
    'train s',
  ];
  const body = board.aggregates.map((row) => [
    row.method,
    ...columns.map((name) => String(row.setting[name])),
    String(row.n),
    ...(['harmfulScore', 'finetuneAccuracy', 'harmfulRefusalRate'] as const).map((m) =>
      formatSpread(row.metrics[m]),
    ),
    row.overRefusalRate === null ? '—' : formatSpread(row.overRefusalRate),
    formatSpread(row.metrics.finetunedHarmfulScore),
    formatSpread(row.metrics.finetunedAccuracy),
    row.trainSeconds === null ? '?' : row.trainSeconds.mean.toFixed(1),
  ]);
  const over = board.aggregatedOver.join(', ');
  return [
    textTable(header, body),
    `mean ± sample standard deviation over ${over} (n runs each; no spread at n = 1)`,
    ...failureLines(board),
  ].join('\n');
}

/** Columns padded to their widest cell: the first left-aligned, the rest right-aligned. */
export function textTable(header: readonly string[], body: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

function failureLines(board: Leaderboard): string[] {
  return board.failures.map(
    (failure) =>
      `failed: run ${failure.index} (${describeCoordinates(failure.coordinates)}): ${failure.error}`,
  );
}

export function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function stageId(config: ExperimentConfig, stage: Stage): string {
  return `${stage}:${canonicalJSON(stageKeyMaterial(config, stage))}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
